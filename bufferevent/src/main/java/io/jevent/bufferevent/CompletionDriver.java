package io.jevent.bufferevent;

import io.jevent.Ev;
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
import java.time.Duration;

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
 * <p><b>Writing.</b> One write at a time, of the output's front: the front segments are lent to the kernel through a
 * {@link Loan} (so they are neither recycled nor written into until it closes) and the output's start is frozen
 * while the write is in flight (as libevent freezes it). On completion the start is unfrozen, exactly the bytes
 * written are drained, the loan is closed and the next write is posted. A write never exceeds the rate limit's
 * quota.
 *
 * <p><b>Cancels.</b> The engine cancels every operation of a handle at once: a read cancelled because reading was
 * disabled takes the write in flight with it. An operation completing with {@code -ECANCELED} while the BufferEvent
 * is open is posted again (a cancelled send moved no byte).
 *
 * <p><b>Close never blocks.</b> It cancels what is posted and closes the socket at once (the engine keeps the
 * descriptor number until the last completion); the output's start is unfrozen so the BufferEvent can drop its
 * buffers, but memory lent to a write stays pinned by the loan, and goes back to the pool only in the write's
 * completion. Completions after close do nothing else.
 */
final class CompletionDriver extends SocketDriver {
    private static final Logger log = LoggerFactory.getLogger(CompletionDriver.class);
    /** Most segments one write gathers. */
    private static final int WRITE_VIEWS = 16;
    /** For operations whose completion needs no action (cancels). */
    private static final CompletionHandler IGNORE = (result, flags, data) -> { };

    private final CompletionEngine engine;
    private final NetOps ops;
    /** Without provided buffers: wait for readability, then read synchronously. */
    private final boolean awaitMode;
    /** Receives read (or wait-for-readable) completions. */
    private final CompletionHandler onRead = this::readCompleted;
    /** Receives write completions; made with the loan, at the first write. */
    private CompletionHandler onWrite;
    /** Receives the connect's completion, then shutdown's (never both in flight). */
    private CompletionHandler onControl;
    /** The output's front lent to the write in flight; made at the first write, kept for the next ones. */
    private Loan loan;
    /** A read (or wait) is posted and has not completed. */
    private boolean readPosted;
    /** A write is posted and has not completed: the output's start is frozen and {@link #loan} open. */
    private boolean writeInFlight;
    /** A shutdown is posted and has not completed. */
    private boolean shutdownPosted;

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
            // reported like a late failure, from the loop, never from inside connect()
            bev.base().once(null, Ev.TIMEOUT, Duration.ZERO, (ev, w) -> bev.fireEvent(BevEvent.ERROR, e));
            return;
        }
        handle = h;
        connecting = true;
    }

    @Override
    void shutdownOutput() {
        shutdownPending = true;
        considerWriting();
    }

    private CompletionHandler control() {
        CompletionHandler c = onControl;
        if (c == null) {
            c = this::controlCompleted;
            onControl = c;
        }
        return c;
    }

    @Override
    void readInterestChanged(boolean wanted) {
        if (wanted) {
            considerReading();
        } else if (readPosted && !bev.isClosed()) {
            engine.cancel(handle, IGNORE); // its completion (or the bytes it got first) comes to readCompleted
        }
    }

    @Override
    void writeInterestChanged(boolean wanted) {
        if (wanted) {
            considerWriting();
        }
        // unwanted: the write in flight finishes (its bytes are in the kernel already); no next one is posted
    }

    @Override
    void outputReady() {
        considerWriting();
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Posts a read (or a wait) unless one is posted, reading is not wanted, or nothing may be read now. */
    private void considerReading() {
        if (readPosted || handle == null || connecting || !bev.readWanted()) {
            return;
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

    private void readCompleted(int result, int flags, ByteBuffer data) {
        readPosted = false;
        if (bev.isClosed()) {
            return; // a late completion: the engine takes its buffer back
        }
        if (result < 0) {
            IOException failure = engine.failure(awaitMode ? "poll" : "recv", result);
            if (isCancel(failure)) {
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
            bev.input().add(data); // into the input's tail and pooled segments; no other allocation
            bev.readDone(result);
        }
        considerReading();
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * Posts the next write (or the pending shutdown, once the output is empty) unless a write is in flight, writing
     * is not wanted or the rate limit allows nothing now.
     */
    private void considerWriting() {
        if (writeInFlight || handle == null || connecting || bev.isClosed()) {
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
        long max = Math.min(quota, out.length());
        Loan l = loan;
        if (l == null) {
            l = new Loan(WRITE_VIEWS);
            loan = l;
            onWrite = this::writeCompleted;
        }
        out.peek(max, null, l);
        int count = trim(l, max);
        if (count == 0) {
            l.close();
            bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, new IOException("the output starts with caller memory"
                    + " that is not direct: a completion engine sends only direct memory; add such bytes with add()"
                    + " (a copy), or reference a direct buffer"));
            return;
        }
        out.freeze(EvBuffer.Side.START);
        writeInFlight = true;
        engine.write(handle, l.views(), 0, count, onWrite);
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

    private void writeCompleted(int result, int flags, ByteBuffer data) {
        writeInFlight = false;
        if (bev.isClosed()) {
            loan.close(); // the kernel is done with the memory: only now may it go back to the pool
            return;
        }
        EvBuffer out = bev.output();
        out.unfreeze(EvBuffer.Side.START);
        if (result < 0) {
            loan.close();
            IOException failure = engine.failure("send", result);
            if (isCancel(failure)) {
                considerWriting(); // taken along by the cancel of a read; nothing was sent
            } else {
                bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, failure);
            }
            return;
        }
        out.drain(result);
        loan.close();
        if (out.length() == 0 && shutdownPending) {
            considerWriting(); // posts the shutdown
        }
        bev.writeDone(result);
        considerWriting();
    }

    // ------------------------------------------------------------------------------------- connect, shutdown

    private void controlCompleted(int result, int flags, ByteBuffer data) {
        if (bev.isClosed()) {
            return;
        }
        if (connecting) {
            connecting = false;
            if (result < 0) {
                bev.fireEvent(BevEvent.ERROR, engine.failure("connect", result));
                return;
            }
            considerReading();
            bev.fireEvent(BevEvent.CONNECTED, null);
            considerWriting();
            return;
        }
        shutdownPosted = false;
        if (result < 0) {
            IOException failure = engine.failure("shutdown", result);
            if (isCancel(failure)) {
                shutdownPending = true;
                considerWriting();
            } else {
                bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, failure);
            }
        }
    }

    private static boolean isCancel(IOException failure) {
        return failure instanceof ErrnoException && "ECANCELED".equals(((ErrnoException) failure).errnoName());
    }

    @Override
    void close(boolean closeHandle) {
        if (writeInFlight) {
            // the BufferEvent drops its output next; the loan keeps the lent segments pinned until the completion
            bev.output().unfreeze(EvBuffer.Side.START);
        }
        if (handle != null && (readPosted || writeInFlight || connecting || shutdownPosted)) {
            engine.cancel(handle, IGNORE);
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
