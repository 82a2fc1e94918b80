package io.jevent.backend.nio;

import io.jevent.Ev;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Readiness} over one {@link Selector}, level-triggered.
 *
 * <p><b>Interest.</b> {@code READ} is {@code OP_READ}, or {@code OP_ACCEPT} on a {@link ServerSocketChannel}.
 * {@code WRITE} is {@code OP_WRITE}, plus {@code OP_CONNECT} on a {@link SocketChannel} whose connect is pending,
 * both reported as {@code WRITE}. Keeping {@code OP_WRITE} next to {@code OP_CONNECT} matters: the base calls
 * {@link #update} only when the interest changes, and a key left with {@code OP_CONNECT} alone would never fire
 * again once {@code finishConnect} succeeds. Bits the selector cannot express are dropped ({@code WRITE} on a
 * listener). {@code ET} and {@code CLOSED} cannot be honoured by NIO and are ignored, as the empty feature set
 * announces: events are level-triggered and {@code CLOSED} is never reported (a peer close shows up as
 * {@code READ}, then a read of 0).
 *
 * <p><b>Keys are kept, not cancelled.</b> {@link SelectionKey#cancel()} only takes effect at the next selection,
 * and registering the channel again before that throws {@link java.nio.channels.CancelledKeyException}: the
 * base's remove-then-add of a handle in one iteration would fail. So a removal sets the key's interest to 0 and
 * keeps it, with its {@link NioRegistration}; a later add reuses both. The selector drops the key itself when the
 * channel is closed, which is the only way a key dies here.
 *
 * <p><b>Closing a registered channel.</b> Close the channel after removing its interest, as with libevent. Either
 * way, a key cancelled because its channel was closed is <em>not reported</em>: the selector never returns it,
 * just as a closed handle leaves epoll's set. Removing such a handle afterwards is a no-op; adding or modifying
 * it throws {@link java.nio.channels.ClosedChannelException}, also when another thread closes the channel while
 * {@link #update} works on its key (the JDK's {@link CancelledKeyException} never escapes). Note that the JDK
 * defers the real close(2) of a channel registered with a selector until that selector's next selection (or its
 * close), so the descriptor lives until the next {@link #poll}; the peer sees end-of-stream at once, because the
 * JDK shuts the output down.
 *
 * <p><b>No allocation per poll.</b> The selector calls one preallocated {@link Consumer} per ready key
 * ({@link Selector#select(Consumer, long)}), so no selected-key set is built or iterated, and the token is read
 * from the key's attachment as an int.
 *
 * <p><b>Interrupts.</b> A selector is interruptible: while the calling thread's interrupt status is set, a
 * selection returns at once, so a loop whose thread was interrupted would spin. {@link #poll} therefore clears the
 * status for the selection and sets it again afterwards: the wait lasts as asked, and the status stays with the
 * caller, as on the native backends (whose system calls ignore it). An interrupt arriving during a selection
 * ends that one early, once, and stays set.
 *
 * <p><b>Threading.</b> Every method but {@link #wakeup()} (and {@link #close()}) runs on the loop thread.
 */
final class NioReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(NioReadiness.class);

    private final Selector selector;
    /** Invoked by the selector for each ready key; created once so a poll allocates no lambda. */
    private final Consumer<SelectionKey> onReady = this::onReady;
    /**
     * {@code true} from the first {@link #wakeup()} after a poll until the end of the next poll: later wakeups in
     * that window skip {@link Selector#wakeup()}, whose effect is sticky anyway. Cleared after the selection
     * returns, never before, so a wakeup racing with the end of a poll still makes the next poll return at once.
     */
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    /** How many times {@link Selector#wakeup()} was really called; for tests and debugging. */
    private final AtomicLong selectorWakeups = new AtomicLong();
    /** The sink of the poll in progress, {@code null} outside {@link #poll}. Loop thread only. */
    private ReadySink sink;
    /** Handles reported by the poll in progress. Loop thread only. */
    private int reported;
    /** Set once by {@link #close()}. */
    private volatile boolean closed;

    /** Also makes sure the JDK's socket write and close paths are initialised ({@link NioNetOps#warmUp()}). */
    NioReadiness(Selector selector) {
        this.selector = selector;
        NioNetOps.warmUp();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Puts a blocking channel in non-blocking mode when it is first registered. Does not depend on
     * {@code oldInterest}: the key's own state says whether the channel is registered.
     *
     * @throws IllegalArgumentException if the handle is not a {@link io.jevent.spi.ChannelHandle}, or the token is
     *     negative
     * @throws java.nio.channels.ClosedChannelException if the channel was closed and {@code newInterest} is not 0
     * @throws IllegalStateException if this backend is closed
     */
    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        SelectableChannel channel = NioHandles.channel(handle);
        if (token < 0) {
            throw new IllegalArgumentException("expected a token >= 0, got " + token);
        }
        ensureOpen();
        try {
            apply(channel, token, oldInterest, newInterest);
        } catch (CancelledKeyException e) {
            // Another thread closed the channel between our look at its key and our use of it: the key died with
            // the channel, as if the channel had been closed before this call.
            if (channel.isOpen()) {
                throw e; // cancelled by someone else while open: not a race of ours
            }
            if (newInterest == 0) {
                LOG.trace("{} was closed while being removed (token {})", channel, token);
                return;
            }
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(e);
            throw closed;
        }
    }

    private void apply(SelectableChannel channel, int token, int oldInterest, int newInterest) throws IOException {
        SelectionKey key = channel.keyFor(selector);
        if (newInterest == 0) {
            if (key != null && key.isValid()) {
                key.interestOps(0);
            }
            // else: never registered, or its channel was closed (the key died with it): nothing to remove.
            if (LOG.isTraceEnabled()) {
                LOG.trace("removed {} (token {})", channel, token);
            }
            return;
        }
        int ops = interestOps(channel, newInterest);
        if (key != null && !key.isValid() && channel.isOpen()) {
            // Only Selector.close or a foreign cancel() can get here; flush the cancelled key so that register works.
            LOG.debug("flushing a cancelled key of open channel {}", channel);
            selector.selectNow(ignored -> { });
            key = null;
        }
        if (key == null || !key.isValid()) {
            if (channel.isBlocking()) {
                channel.configureBlocking(false);
            }
            channel.register(selector, ops, new NioRegistration(token));
        } else {
            ((NioRegistration) key.attachment()).token = token;
            if (key.interestOps() != ops) {
                key.interestOps(ops);
            }
        }
        if (LOG.isTraceEnabled()) {
            LOG.trace("{} -> {} on {} (token {}, ops {})", Ev.toString(oldInterest), Ev.toString(newInterest),
                    channel, token, ops);
        }
    }

    /** The selector ops for {@code interest}, limited to what the channel supports. */
    private static int interestOps(SelectableChannel channel, int interest) {
        int ops = 0;
        if ((interest & Ev.READ) != 0) {
            ops |= channel instanceof ServerSocketChannel ? SelectionKey.OP_ACCEPT : SelectionKey.OP_READ;
        }
        if ((interest & Ev.WRITE) != 0) {
            ops |= SelectionKey.OP_WRITE;
            if (channel instanceof SocketChannel && ((SocketChannel) channel).isConnectionPending()) {
                ops |= SelectionKey.OP_CONNECT;
            }
        }
        return ops & channel.validOps();
    }

    /**
     * {@inheritDoc}
     *
     * <p>The timeout is rounded up to whole milliseconds, so a wait is never shorter than asked.
     *
     * @throws IllegalStateException if this backend is closed, or a poll is already in progress (re-entry from
     *     the sink)
     */
    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        ensureOpen();
        if (this.sink != null) {
            throw new IllegalStateException("poll is not re-entrant: called from a ReadySink");
        }
        this.sink = sink;
        this.reported = 0;
        // cleared for the selection, which would not wait while it is set; restored below (see the class note)
        boolean interrupted = Thread.interrupted();
        try {
            if (timeoutNanos == 0) {
                selector.selectNow(onReady);
            } else if (timeoutNanos < 0) {
                selector.select(onReady, 0);
            } else {
                selector.select(onReady, toMillisRoundingUp(timeoutNanos));
            }
        } finally {
            this.sink = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            // Read first: the common case (no wakeup since the last poll) then costs no volatile store. Seeing
            // false is safe, because a wakeup() after this read finds false, wins its CAS and wakes the selector.
            if (wakeupPending.get()) {
                wakeupPending.set(false);
            }
        }
        return reported;
    }

    private void onReady(SelectionKey key) {
        int ready = key.readyOps();
        int bits = 0;
        if ((ready & (SelectionKey.OP_READ | SelectionKey.OP_ACCEPT)) != 0) {
            bits |= Ev.READ;
        }
        if ((ready & (SelectionKey.OP_WRITE | SelectionKey.OP_CONNECT)) != 0) {
            bits |= Ev.WRITE;
        }
        if (bits != 0) {
            reported++;
            sink.ready(((NioRegistration) key.attachment()).token, bits);
        }
    }

    /** {@code nanos > 0} in milliseconds, rounded up, so at least 1 (0 would mean "for ever" to the selector). */
    static long toMillisRoundingUp(long nanos) {
        long ms = nanos / 1_000_000;
        return nanos % 1_000_000 == 0 ? ms : ms + 1;
    }

    /**
     * {@inheritDoc} A burst of calls between two polls costs one {@link Selector#wakeup()}. A call racing
     * {@link #close()} is harmless: the JDK's selector marks itself woken under its wake-up lock before it closes
     * its wake-up descriptor, so a late {@code wakeup()} writes nothing, never into a descriptor reused since (the
     * conformance suite's late-wake-up stress test checks this on every backend).
     */
    @Override
    public void wakeup() {
        if (!closed && wakeupPending.compareAndSet(false, true)) {
            selectorWakeups.incrementAndGet();
            selector.wakeup();
        }
    }

    /** How many times {@link #wakeup()} really woke the selector. */
    long selectorWakeups() {
        return selectorWakeups.get();
    }

    /**
     * Closes the selector, which deregisters every channel. The channels themselves stay open: they belong to the
     * caller (those already closed get their descriptor released now). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            selector.close();
            LOG.debug("closed nio backend on {}", selector);
        } catch (IOException e) {
            LOG.warn("closing the nio selector failed", e);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this nio backend is closed");
        }
    }

    @Override
    public String toString() {
        return "nio " + selector;
    }
}
