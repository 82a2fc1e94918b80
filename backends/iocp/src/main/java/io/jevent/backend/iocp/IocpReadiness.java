package io.jevent.backend.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jevent.backend.iocp.internal.OverlappedEntryLayout;
import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Kernel32;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One base's backend: the NIO selector for the low-level events (on {@link io.jevent.spi.ChannelHandle}s) and an
 * {@link IocpEngine} for BufferEvents and the Listener, as libevent pairs {@code select} with IOCP on Windows.
 *
 * <p><b>How the loop waits for both.</b> With its own port ({@code jevent.iocp.threads=0}, the default), a base
 * without any NIO registration waits in {@code GetQueuedCompletionStatusEx} on its port: completions are dequeued and
 * delivered by the loop thread itself, no other thread involved, and {@link #wakeup()} posts a packet
 * ({@code PostQueuedCompletionStatus}, at most one until the loop has waited again). Once the base has a NIO
 * registration, a helper thread ({@link Dequeuer}) starts on the port for the life of the base and the loop waits in
 * the selector: the helper hands completion batches over through the engine's ring and wakes the selector. With
 * {@code jevent.iocp.threads=N > 0}, every base shares one port dequeued by N threads ({@link PortGroup}), each
 * completion handed to the base that owns its socket (the key), so callbacks still run on their own loop thread only;
 * the loop then always waits in the selector.
 *
 * <p>A {@link SocketHandle} given to {@link #update} is refused: its events would need a readiness mechanism for raw
 * SOCKETs, which this backend does not have; its I/O goes through the engine.
 */
final class IocpReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(IocpReadiness.class);

    private final Readiness nio;
    private final IocpEngine engine;
    private final long port;
    /** The shared group, or null when the base owns its port. */
    private final PortGroup group;
    /**
     * The completion key of this base's sockets: with its own port, unique in the process, because Windows reuses
     * handle values. A socket left open when its base closed stays associated with that base's dead port, and a later
     * port may get the same handle value: the key tells it apart, so that posting on the socket from the new base is
     * refused ({@link IocpEngine}) instead of waiting for ever for completions that go to the dead port.
     */
    private final long key;
    /** The keys of bases with their own port (positive: never a dequeuer's STOP_KEY or WAKE_KEY). */
    private static final AtomicLong OWN_PORT_KEYS = new AtomicLong();
    private int registrations;
    /** The helper dequeuer, once started; read by wakers. */
    private volatile Thread helper;
    /**
     * Wakers posting to the port now, plus {@link #PORT_CLOSED} once the port is closed: the close waits for the
     * count to drain before {@code CloseHandle}, so that no wake-up is ever posted to a handle value that may by then
     * name another object.
     */
    private final AtomicInteger portUsers = new AtomicInteger();
    private static final int PORT_CLOSED = 0x4000_0000;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final Memory entries;
    private final ByteBuffer entryView;
    private final long entriesAddress;
    private volatile boolean closed;

    IocpReadiness(Readiness nio, PortGroup group) throws IOException {
        this.nio = nio;
        this.group = group;
        if (group == null) {
            long p = Kernel32.CreateIoCompletionPort(-1L, 0L, 0L, 1);
            if (p == 0) {
                throw WinErrors.exception("CreateIoCompletionPort", WinNative.lastError());
            }
            port = p;
            key = OWN_PORT_KEYS.incrementAndGet();
            entries = new Memory((long) Dequeuer.BATCH * OverlappedEntryLayout.SIZE + 8);
            entryView = entries.getByteBuffer(0, entries.size()).order(ByteOrder.nativeOrder());
            entriesAddress = Pointer.nativeValue(entries);
            engine = new IocpEngine(this, port, key, Iocp.extensions());
        } else {
            port = group.port();
            entries = null;
            entryView = null;
            entriesAddress = 0;
            IocpEngine[] made = new IocpEngine[1];
            key = group.register(k -> made[0] = new IocpEngine(this, group.port(), k, Iocp.extensions()));
            engine = made[0];
        }
    }

    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        if (handle instanceof SocketHandle) {
            throw new IllegalArgumentException("the iocp backend watches readiness on NIO ChannelHandles only; "
                    + handle
                    + " is a SOCKET of its NetOps: post its I/O to the completion engine (BufferEvents do), or choose"
                    + " the nio backend for events on sockets");
        }
        nio.update(handle, token, oldInterest, newInterest);
        if (oldInterest == 0 && newInterest != 0) {
            registrations++;
        } else if (oldInterest != 0 && newInterest == 0) {
            registrations--;
        }
    }

    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        int n = engine.deliver();
        if (group == null && helper == null && registrations == 0) {
            int ms = n > 0 || engine.hasPending() ? 0 : millis(timeoutNanos);
            try {
                waitOnPort(ms); // its entries are delivered below, with any local completion
            } finally {
                // after the wait, before the base looks at its tasks: a wake-up from now on posts again, and one that
                // came since the wait returned (and did not post) is seen by the base's look at its tasks
                wakePending.set(false);
            }
            return n + engine.deliver();
        }
        if (group == null && helper == null) {
            startHelper();
        }
        long t = n > 0 || engine.hasPending() ? 0 : timeoutNanos;
        n += nio.poll(t, sink);
        return n + engine.deliver();
    }

    private static int millis(long nanos) {
        if (nanos < 0) {
            return WinNative.INFINITE;
        }
        long ms = (nanos + 999_999) / 1_000_000;
        return (int) Math.min(ms, Integer.MAX_VALUE - 1L);
    }

    /**
     * Waits on the own port and hands what it dequeues to the engine's inbox, which the caller's next
     * {@link IocpEngine#deliver} completes: a handler that throws then leaves the rest of the batch there instead of
     * losing it (those entries are off the port). Loop thread; returns how many.
     */
    private int waitOnPort(int ms) throws IOException {
        int removedAt = Dequeuer.BATCH * OverlappedEntryLayout.SIZE;
        if (Kernel32.GetQueuedCompletionStatusEx(port, entriesAddress, Dequeuer.BATCH, entriesAddress + removedAt, ms,
                0) == 0) {
            int err = WinNative.lastError();
            if (err == WinErrors.WAIT_TIMEOUT) {
                return 0;
            }
            throw WinErrors.exception("GetQueuedCompletionStatusEx", err);
        }
        int n = entryView.getInt(removedAt);
        int done = 0;
        for (int i = 0; i < n; i++) {
            if (OverlappedEntryLayout.key(entryView, 0, i) == Dequeuer.WAKE_KEY) {
                continue;
            }
            engine.handOff(OverlappedEntryLayout.overlapped(entryView, 0, i),
                    OverlappedEntryLayout.bytes(entryView, 0, i));
            done++;
        }
        return done;
    }

    /** While the engine closes: dequeues what the own port has (10 ms at most) and lets the engine forget it. */
    void drainPortForClose(IocpEngine e) {
        int removedAt = Dequeuer.BATCH * OverlappedEntryLayout.SIZE;
        if (Kernel32.GetQueuedCompletionStatusEx(port, entriesAddress, Dequeuer.BATCH, entriesAddress + removedAt, 10,
                0) == 0) {
            return;
        }
        int n = entryView.getInt(removedAt);
        for (int i = 0; i < n; i++) {
            if (OverlappedEntryLayout.key(entryView, 0, i) != Dequeuer.WAKE_KEY) {
                e.forgetEntry(OverlappedEntryLayout.overlapped(entryView, 0, i));
            }
        }
    }

    private void startHelper() {
        Thread t = new Thread(new Dequeuer(port, k -> k == key ? engine : null), "jevent-iocp-" + port);
        t.setDaemon(true);
        helper = t;
        t.start();
        LOG.debug("iocp: base has NIO registrations; a helper thread now dequeues port {}", port);
    }

    @Override
    public void wakeup() {
        nio.wakeup();
        if (group == null && helper == null && wakePending.compareAndSet(false, true)) {
            if (portUsers.incrementAndGet() < PORT_CLOSED
                    && Kernel32.PostQueuedCompletionStatus(port, 0, Dequeuer.WAKE_KEY, 0L) == 0) {
                LOG.debug("iocp: PostQueuedCompletionStatus(wake): {}", WinErrors.describe(WinNative.lastError()));
            }
            portUsers.decrementAndGet();
        }
    }

    /** Wakes a loop waiting in the selector (dequeuers). Any thread. */
    void wakeSelector() {
        nio.wakeup();
    }

    @Override
    public CompletionEngine completions() {
        return engine;
    }

    boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (group == null) {
                if (helper != null) {
                    Kernel32.PostQueuedCompletionStatus(port, 0, Dequeuer.STOP_KEY, 0L);
                    try {
                        helper.join(5000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                engine.close(helper == null || !helper.isAlive());
                portUsers.addAndGet(PORT_CLOSED);
                while (portUsers.get() != PORT_CLOSED) {
                    Thread.onSpinWait(); // a waker between its check and its post: a few instructions
                }
                Kernel32.CloseHandle(port);
                entries.close();
            } else {
                engine.close(false);
                group.unregister(key);
            }
        } finally {
            nio.close();
        }
    }

    @Override
    public String toString() {
        return "iocp(port " + port + (group == null ? "" : ", shared") + ")";
    }
}
