package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.buffer.DirectMemoryExhaustedException;
import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Loan;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * Moves a {@link SocketBufferEvent}'s bytes through operations posted to the base's {@link CompletionEngine}
 * (io_uring; libevent's {@code bufferevent_async.c} on IOCP): the kernel reads and writes, and the engine reports
 * each operation done on the loop thread.
 *
 * <p><b>Reading.</b> One read is posted while reading is wanted (enabled and not suspended), never more. With an
 * engine that picks the read buffer only when bytes arrive ({@link CompletionEngine#selectsReadBuffers()}, io_uring's
 * provided buffers) it is a {@code readAny} of what the watermark and rate limit allow at post time, so a posted read
 * never exceeds the bucket; its bytes are copied into the input on completion, where rate limits charge them. Other
 * engines wait with {@code awaitReadable} and then read synchronously into the input, as the readiness driver does.
 * Either way an idle connection lends no memory to the kernel and the input holds no segment. When reading stops
 * being wanted the posted read is cancelled; bytes that complete anyway are appended, never dropped.
 *
 * <p><b>Writing.</b> One write at a time, of the output's front, lent to the kernel through a {@link Loan}: those
 * segments are neither recycled nor written into until it closes, even if their bytes leave the output meanwhile.
 * The bytes stay in the output until the kernel has taken them, as bytes refused by a socket stay there on readiness,
 * so an output that drains to empty has been sent (watermarks, the write callback and users watching the output see
 * what they see on readiness). Where libevent freezes the output's start while a write is in flight, this one only
 * refuses prepends ({@link EvBuffer#refusePrepends()}): the user may still drop output, and the completion drains
 * exactly the bytes written less those the user removed meanwhile (counted through
 * {@link BufferEvent#outputRemoved}). Then the loan is closed and the next write posted. A write never exceeds the
 * rate limit's quota (rate limits charge completed bytes).
 *
 * <p><b>Cancels.</b> A read cancelled because reading was disabled is cancelled alone
 * ({@link CompletionEngine#cancelReads}): the write in flight goes on. Moves and close cancel every operation of the
 * handle. An operation completing with {@code -ECANCELED} while the BufferEvent is open is posted again (a cancelled
 * send moved no byte).
 *
 * <p><b>Close never blocks.</b> It cancels what is posted and closes the socket at once (the engine keeps the
 * descriptor number until the last completion, in a later loop pass); without a write in flight it also ends the
 * stream at once ({@code shutdown(SHUT_WR)}), so the peer is not kept waiting for that pass. The BufferEvent drops its
 * buffers, but memory lent to a write stays pinned by the loan, and goes back to the pool only in the write's
 * completion. Completions after close do nothing else.
 */
final class CompletionDriver extends SocketDriver {
    private static final Logger log = LoggerFactory.getLogger(CompletionDriver.class);
    /** Most segments one write gathers. */
    private static final int WRITE_VIEWS = 16;
    /** Most bytes one write takes from the output. */
    private static final int MAX_WRITE = 256 * 1024;
    /** For operations whose completion needs no action (cancels). */
    private static final CompletionHandler IGNORE = (result, flags, data) -> { };

    private final CompletionEngine engine;
    private final NetOps ops;
    /** Without provided buffers: wait for readability, then read synchronously. */
    private final boolean awaitMode;
    /** Receives read (or wait-for-readable) completions. */
    private final CompletionHandler onRead = (result, flags, data) -> {
        try {
            readCompleted(result, data);
        } catch (RuntimeException e) {
            relay(bev.base(), e);
        }
        idleForMove();
    };
    /** Receives write completions; made at the first write. */
    private CompletionHandler onWrite;
    /** Receives the connect's completion, then shutdown's (never both in flight). */
    private CompletionHandler onControl;
    /** Lends the output's front to the write in flight; taken from a per-thread pool at the post, given back when
     * the write completes (so an idle connection holds none, and a busy one allocates none). */
    private Loan loan;
    /** Bytes of the output's front lent to the write in flight. */
    private long posted;
    /** Of those, how many someone else (the user) removed from the output since the post. */
    private long removedMeanwhile;
    /** The driver itself is draining the output (what a write sent): not someone else's removal. */
    private boolean draining;
    /** Runs {@link #considerWriting} from the loop when output is added; made at the first need. */
    private Event writeKick;
    /**
     * Bytes read when no direct memory was left to add them to the input, kept on the heap until a back-off ends; null
     * almost always.
     */
    private ByteBuffer stash;
    /** A read (or wait) is posted and has not completed. */
    private boolean readPosted;
    /** A write is posted and has not completed: {@link #loan} is open, the output refuses prepends. */
    private boolean writeInFlight;
    /** A shutdown is posted and has not completed. */
    private boolean shutdownPosted;
    /** A move to another loop waits for the operations in flight to complete; run once they have, or null. */
    private Runnable whenIdle;
    /** Handed over to another loop's driver by a move: this one posts nothing any more. */
    private boolean detached;

    /** Free loans of this (loop) thread; at most {@link #POOLED_LOANS}. */
    private static final ThreadLocal<ArrayDeque<Loan>> FREE_LOANS = ThreadLocal.withInitial(ArrayDeque::new);
    private static final int POOLED_LOANS = 256;

    private static Loan takeLoan() {
        Loan l = FREE_LOANS.get().poll();
        return l != null ? l : Loan.forIo(WRITE_VIEWS);
    }

    /** Closes {@link #loan} (its segments may go back to the pool: the kernel is done) and gives it back. */
    private void releaseLoan() {
        Loan l = loan;
        loan = null;
        l.close();
        ArrayDeque<Loan> free = FREE_LOANS.get();
        if (free.size() < POOLED_LOANS) {
            free.push(l);
        }
    }

    CompletionDriver(SocketBufferEvent bev, CompletionEngine engine) {
        super(bev);
        this.engine = engine;
        this.ops = bev.base().netOps();
        this.awaitMode = !engine.selectsReadBuffers();
    }

    @Override
    void attach(Handle h) {
        this.handle = h;
        // made disabled for reading; a BufferEvent made enabled (through a subclass or a later enable) posts then
        considerReading();
    }

    @Override
    void connect(SocketAddress address) {
        Handle h;
        try {
            h = engine.connect(address, control());
        } catch (IOException e) {
            failConnectLater(connectFailure(e, address));
            return;
        }
        handle = h;
        connectingTo = address;
        connecting = true;
    }

    @Override
    void connected(Handle h) {
        handle = h;
        connecting = true;
        controlCompleted(0); // as if the engine's connect had completed
    }

    @Override
    void shutdownOutput() {
        shutdownPending = true;
        considerWriting();
    }

    private CompletionHandler control() {
        CompletionHandler c = onControl;
        if (c == null) {
            c = (result, flags, data) -> {
                try {
                    controlCompleted(result);
                } catch (RuntimeException e) {
                    relay(bev.base(), e);
                }
                idleForMove();
            };
            onControl = c;
        }
        return c;
    }

    @Override
    void readInterestChanged(boolean wanted) {
        if (wanted) {
            considerReading();
        } else if (readPosted && !bev.isClosed()) {
            // only the read: a write in flight goes on (its cancel could abort the connection on Windows)
            engine.cancelReads(handle, IGNORE); // its completion (or the bytes it got first) comes to readCompleted
        }
    }

    @Override
    void writeInterestChanged(boolean wanted) {
        if (wanted) {
            kickWrite();
        }
        // unwanted: the write in flight finishes (its bytes are in the kernel already); no next one is posted
    }

    @Override
    void outputReady() {
        kickWrite();
    }

    /**
     * Has {@link #considerWriting} run in this loop pass, from an activated event, as the readiness driver's write
     * handler runs: the bytes leave the output in the loop, not inside the user's {@code write} (whose caller may
     * look at the output, or at {@code isWritable()}, right after), and the write still goes out with the next poll.
     */
    private void kickWrite() {
        if (writeInFlight || handle == null || connecting || detached) {
            return; // the completion (of the write or the connect) posts the next one
        }
        Event k = writeKick;
        if (k == null) {
            k = bev.base().newUserEvent((ev, what) -> considerWriting());
            writeKick = k;
        }
        k.activate(Ev.WRITE);
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Posts a read (or a wait) unless one is posted, reading is not wanted, or nothing may be read now. */
    private void considerReading() {
        if (readPosted || handle == null || connecting || detached || !bev.readWanted()) {
            return;
        }
        if (stash != null && !unstash()) {
            return; // still no memory: paused again
        }
        if (awaitMode) {
            engine.awaitReadable(handle, onRead);
        } else {
            long allowed = bev.readAllowance(SocketBufferEvent.MAX_READ); // may suspend reading (no tokens)
            if (allowed <= 0 || readPosted) {
                return; // the suspension's end posts again
            }
            engine.readAny(handle, (int) allowed, onRead);
        }
        readPosted = true;
    }

    private void readCompleted(int result, ByteBuffer data) {
        readPosted = false;
        if (bev.isClosed()) {
            return; // a late completion: the engine takes its buffer back
        }
        if (result < 0) {
            IOException failure = failure(awaitMode ? "poll" : "recv", result);
            if (isCancel(failure) || isAgain(failure)) {
                considerReading(); // cancelled by a disable, or with a cancel meant for another operation
            } else {
                bev.fireEvent(BevEvent.READING | BevEvent.ERROR, failure);
            }
            return;
        }
        if (awaitMode) {
            bev.readSocket();
        } else if (result == 0) {
            bev.fireEvent(BevEvent.READING | BevEvent.EOF, null);
            return;
        } else {
            data.position(0).limit(result);
            long added = addToInput(data);
            if (added > 0) {
                bev.readDone(added);
            }
        }
        considerReading();
    }

    /**
     * Copies the bytes a read completed with into the input (its tail's room, then pooled segments; no other
     * allocation), and returns how many went in. Those bytes are read already, so running out of direct memory must
     * not lose them: what does not fit is kept on the heap ({@link #stash}) and reading pauses, as the readiness driver
     * pauses when it finds no memory to read into, until a back-off ends ({@link #considerReading} then adds it).
     */
    private long addToInput(ByteBuffer data) {
        int added = bev.input().addRead(data); // as a read takes memory: never an OutOfMemoryError
        if (!data.hasRemaining()) {
            bev.memoryFound();
            return added;
        }
        byte[] rest = new byte[data.remaining()];
        data.get(rest);
        stash = ByteBuffer.wrap(rest);
        bev.pauseForMemory(new DirectMemoryExhaustedException("no direct memory for " + rest.length
                + " bytes read"));
        return added;
    }

    /** Adds the {@link #stash} to the input; false if memory is still short (then reading pauses again). */
    private boolean unstash() {
        ByteBuffer st = stash;
        stash = null;
        long added = addToInput(st); // what does not fit this time becomes the stash again
        if (added > 0) {
            bev.readDone(added);
        }
        return stash == null && bev.readWanted() && !readPosted; // the read callback may have posted already
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Posts the next write (or the pending shutdown, once the output is empty) unless a write is in flight, writing
     * is not wanted or the rate limit allows nothing now. The write lends the output's front as it is: its bytes stay
     * in the output until the kernel has taken them, as on readiness.
     */
    private void considerWriting() {
        if (writeInFlight || handle == null || connecting || detached || bev.isClosed()) {
            return;
        }
        EvBuffer out = bev.output();
        if (out.length() == 0) {
            if (shutdownPending && !shutdownPosted) {
                shutdownPending = false;
                shutdownPosted = true;
                engine.shutdownOutput(handle, control());
            }
            return;
        }
        if (!bev.writeWanted()) {
            return;
        }
        long quota = bev.rateLimitWriteQuota(); // may suspend writing (no tokens); the suspension's end calls again
        if (quota <= 0 || writeInFlight) {
            return;
        }
        if (onWrite == null) {
            onWrite = (result, flags, data) -> {
                try {
                    writeCompleted(result);
                } catch (RuntimeException e) {
                    relay(bev.base(), e);
                }
                idleForMove();
            };
        }
        long max = Math.min(Math.min(quota, MAX_WRITE), out.length());
        Loan l = takeLoan();
        loan = l;
        try {
            out.peek(max, null, l); // a file segment in front is read here, up to max (no sendfile on completions)
        } catch (java.io.UncheckedIOException e) {
            releaseLoan(); // the file failed or ends inside its region: an error, never a write that waits for ever
            bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, e.getCause());
            return;
        }
        int count = trim(l, max);
        if (count == 0) {
            releaseLoan();
            bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, new IOException("the output starts with caller memory"
                    + " that is not direct: a completion engine sends only direct memory; add such bytes with add()"
                    + " (a copy), or reference a direct buffer"));
            return;
        }
        long n = 0;
        for (int i = 0; i < count; i++) {
            n += l.views()[i].remaining();
        }
        posted = n;
        removedMeanwhile = 0;
        out.refusePrepends(); // bytes put in front of those lent would be drained in their place
        writeInFlight = true;
        engine.write(handle, l.views(), 0, count, onWrite);
    }

    @Override
    void outputRemoved(long n) {
        if (writeInFlight && !draining) {
            removedMeanwhile = Math.min(posted, removedMeanwhile + n); // the user dropped some of what is lent
        }
    }

    /** Cuts the loan's views to {@code max} bytes and to its direct prefix; returns the views to send. */
    private static int trim(Loan l, long max) {
        ByteBuffer[] v = l.views();
        int count = l.count();
        long sum = 0;
        for (int i = 0; i < count; i++) {
            ByteBuffer b = v[i];
            if (!b.isDirect()) {
                return i;
            }
            long left = max - sum;
            if (b.remaining() >= left) {
                b.limit(b.position() + (int) left);
                return i + 1;
            }
            sum += b.remaining();
        }
        return count;
    }

    private void writeCompleted(int result) {
        writeInFlight = false;
        releaseLoan(); // the kernel is done with the memory: only now may it go back to the pool
        if (bev.isClosed()) {
            return;
        }
        EvBuffer out = bev.output();
        out.allowPrepends();
        if (result < 0) {
            IOException failure = failure("send", result);
            if (isCancel(failure) || isAgain(failure)) {
                // cancelled by a move, or refused by a socket that io_uring tried without waiting
                // (see isAgain): nothing was sent, so the write is posted again
                considerWriting();
            } else {
                bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, failure);
            }
            return;
        }
        long stillThere = Math.max(0, result - removedMeanwhile); // sent, and not dropped by the user meanwhile
        draining = true;
        try {
            out.drain(stillThere);
        } finally {
            draining = false;
        }
        if (out.length() == 0 && shutdownPending) {
            considerWriting(); // posts the shutdown
        }
        bev.writeDone(result);
        considerWriting();
    }

    // ------------------------------------------------------------------------------------- connect, shutdown

    private void controlCompleted(int result) {
        if (bev.isClosed()) {
            return;
        }
        if (connecting) {
            connecting = false;
            if (result < 0) {
                bev.fireEvent(BevEvent.ERROR, connectFailure(failure("connect", result), connectingTo));
                return;
            }
            considerReading();
            bev.connectedNow();
            bev.fireEvent(BevEvent.CONNECTED, null);
            considerWriting();
            return;
        }
        shutdownPosted = false;
        if (result < 0) {
            IOException failure = failure("shutdown", result);
            if (isCancel(failure)) {
                shutdownPending = true;
                considerWriting();
            } else {
                bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, failure);
            }
        }
    }

    /**
     * The engine's exception for a negative result, with EBADF (the handle was closed underneath) as the
     * {@link ClosedChannelException} the readiness driver reports for it, the cause kept.
     */
    private IOException failure(String op, int result) {
        IOException f = engine.failure(op, result);
        if (f instanceof ErrnoException && "EBADF".equals(((ErrnoException) f).errnoName())) {
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(f);
            return closed;
        }
        return f;
    }

    /**
     * EAGAIN: io_uring may complete an operation on a non-blocking socket with it instead of waiting (when it hands
     * the operation to a worker thread rather than arming a poll, the socket's own O_NONBLOCK answers). Nothing moved;
     * a new post waits as usual. Seen on sends of an echo whose peer reads slowly (the multicore suite's streams).
     */
    private static boolean isAgain(IOException failure) {
        return failure instanceof ErrnoException && "EAGAIN".equals(((ErrnoException) failure).errnoName());
    }

    private static boolean isCancel(IOException failure) {
        return failure instanceof ErrnoException && "ECANCELED".equals(((ErrnoException) failure).errnoName());
    }

    @Override
    long bytesInFlight() {
        return writeInFlight ? posted : 0;
    }

    /**
     * Moves wait for every operation of the handle: they are cancelled (a cancelled read or send moves no byte; bytes
     * one completed with first are kept, as always) and the new loop posts again what is still wanted. A shutdown in
     * flight is waited for too.
     */
    @Override
    void detach(Runnable idle) {
        whenIdle = idle;
        if (readPosted || writeInFlight || shutdownPosted) {
            engine.cancel(handle, IGNORE);
        }
        idleForMove();
    }

    /** Hands the BufferEvent over once nothing is in flight, if a move waits for that. */
    private void idleForMove() {
        Runnable r = whenIdle;
        if (r == null || readPosted || writeInFlight || shutdownPosted || bev.isClosed()) {
            return;
        }
        whenIdle = null;
        detached = true;
        if (writeKick != null) {
            writeKick.close(); // an event of the old base
            writeKick = null;
        }
        if (stash != null) { // bytes read when memory was short: they go with the input
            ByteBuffer st = stash;
            stash = null;
            byte[] rest = new byte[st.remaining()];
            st.get(rest);
            bev.input().add(rest);
        }
        r.run();
    }

    @Override
    void close(boolean closeHandle) {
        if (writeKick != null) {
            writeKick.close();
        }
        if (writeInFlight) {
            // the BufferEvent drops its output next; the loan keeps the lent segments pinned until the completion
            bev.output().allowPrepends();
        }
        if (handle != null && (readPosted || writeInFlight || connecting || shutdownPosted)
                && !bev.base().isClosed()) { // a closed base's engine has dropped its operations already
            engine.cancel(handle, IGNORE);
        }
        boolean held = handle != null && (readPosted || writeInFlight || connecting || shutdownPosted);
        if (closeHandle && held && !writeInFlight && !connecting && !shutdownPosted && !bev.base().isClosed()) {
            // the descriptor outlives this call until the cancels complete, in a later pass (and until the base closes
            // if the loop stops now): end the stream at once, as close(2) does on readiness, so that the peer is not
            // kept waiting. Not with a write in flight: its bytes would meet a shut socket
            try {
                ops.shutdownOutput(handle);
            } catch (IOException e) {
                log.debug("shutting down {} at close failed", handle, e);
            }
        }
        if (closeHandle && handle != null) {
            try {
                ops.close(handle);
            } catch (IOException e) {
                log.debug("closing {} failed", handle, e);
            }
        }
    }
}
