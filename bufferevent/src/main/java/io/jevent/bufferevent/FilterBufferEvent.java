package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.buffer.EvBuffer;
import io.jevent.internal.AttributedCallback;
import io.jevent.Event;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.util.Objects;

/**
 * A BufferEvent that sits on another one and passes bytes through an input {@link Filter} and an output
 * {@link Filter} (libevent's {@code bufferevent_filter}). Chains stack: a filter's underlying BufferEvent may
 * itself be a filter, so {@code tls(zlib(socket))} is two FilterBufferEvents on a SocketBufferEvent.
 *
 * <ul>
 * <li>Input: when the underlying BufferEvent reads, the input filter moves bytes into this one's input, up to
 * its read high watermark; while this one may not read (disabled, or over its watermark), the underlying one is
 * suspended ({@link BufferEvent#SUSPEND_FILTER}), so backpressure reaches the socket.</li>
 * <li>Output: bytes added to this one's output are filtered into the underlying output from an activated event
 * (several adds in one callback cost one filter call), up to the underlying write high watermark; the rest
 * waits until the underlying output drains.</li>
 * <li>Events: the underlying CONNECTED, ERROR and TIMEOUT pass up; its EOF first runs the input filter with
 * {@link FlushMode#FINISHED}, so a filter can tell a clean end from a truncated stream. The EOF passes up only
 * once everything the underlying BufferEvent received has gone through the filter: while this one's read high
 * watermark holds input back, the EOF waits (and FINISHED is offered again when the user has drained), because
 * an EOF must follow all the data before it.</li>
 * <li>Failures: an input filter that returns ERROR stops that direction for good; the bytes it passed before
 * failing (a whole message ahead of garbage in the same read) reach the read callback first, then READING|ERROR
 * with {@link Filter#failure()} as the cause.</li>
 * <li>Write timeout ({@link #setTimeouts}): the output is handed down at once, so the timeout watches the bytes
 * below: it runs while any are pending in this layer or under it, restarts only when bytes leave the bottom of the
 * chain (filtering output and handing it down is not progress), and fires when they stop leaving there. Read
 * timeout: restarts when the input filter delivers bytes, not when raw bytes arrive below.</li>
 * <li>{@link #flush}: runs the filters with the mode, then flushes the underlying BufferEvent.</li>
 * <li>{@link #close()}: closes both filters; with {@link BevOption#CLOSE_ON_FREE} also the underlying
 * BufferEvent (and so the whole chain below), otherwise it gives the underlying one back, callbacks cleared.</li>
 * </ul>
 */
public final class FilterBufferEvent extends BufferEvent {
    private final BufferEvent under;
    private final Filter inputFilter;
    private final Filter outputFilter;
    private Event outputTask;
    private Event inputTask;
    /**
     * A filter returned ERROR: that direction stops for good. The directions fail apart, as libevent's do: an
     * output filter's failure must not leave the input unprocessed while the underlying BufferEvent keeps reading
     * into a buffer nobody drains.
     */
    private boolean inputFailed;
    private boolean outputFailed;
    /** Reasons of an underlying EOF held back until the input behind it has passed the filter; 0 if none. */
    private int pendingEof;
    /**
     * A flush(WRITE, FLUSH or FINISHED) that could not push everything down yet (the underlying output is at its
     * write high watermark). It is finished, filter first and then the underlying flush, once the output has gone
     * down, so a trailer or close_notify below never overtakes data still held here. null: none pending.
     */
    private FlushMode pendingFlush;

    private FilterBufferEvent(BufferEvent under, Filter in, Filter out, int options) {
        super(under.base(), options);
        this.under = under;
        this.inputFilter = in == null ? Filter.passThrough() : in;
        this.outputFilter = out == null ? Filter.passThrough() : out;
    }

    /**
     * Wraps {@code underlying}. It must not be used directly afterwards: its callbacks now belong to the filter.
     *
     * @param underlying the BufferEvent to wrap; open
     * @param inputFilter from the underlying input to this input; null passes bytes unchanged
     * @param outputFilter from this output to the underlying output; null passes bytes unchanged
     * @param options {@link BevOption} bits; CLOSE_ON_FREE closes the underlying BufferEvent with this one
     * @return the filtering BufferEvent, running on the underlying one's base
     */
    public static FilterBufferEvent create(BufferEvent underlying, Filter inputFilter, Filter outputFilter,
                                           int options) {
        Objects.requireNonNull(underlying, "underlying");
        if (underlying.isClosed()) {
            throw new IllegalArgumentException("the underlying BufferEvent is closed");
        }
        FilterBufferEvent f = new FilterBufferEvent(underlying, inputFilter, outputFilter, options);
        f.onLoop(f::attach);
        return f;
    }

    /**
     * The layer below's read callback: filters its input into this one's, running this one's read callback; says
     * which user callback it ran, so that the socket's event, when it runs long, is reported under the user's class.
     */
    private final class UnderInput implements DataCallback, AttributedCallback {
        @Override
        public void onData(BufferEvent b) {
            lastCallback = null;
            processInput(FlushMode.NORMAL);
        }

        @Override
        public Object userCallback() {
            return lastCallback;
        }
    }

    private void attach() {
        layerOver(under);
        under.setCallbacks(new UnderInput(), b -> underDrained(), this::underEvent);
        under.suspendRead(SUSPEND_FILTER); // until this one wants to read
        under.enable(Ev.READ | Ev.WRITE);
    }

    /**
     * The BufferEvent this one sits on.
     *
     * @return the wrapped BufferEvent
     */
    public BufferEvent underlying() {
        return under;
    }

    @Override
    public Handle handle() {
        return under.handle();
    }

    @Override
    protected void readInterestChanged(boolean wanted) {
        if (wanted) {
            under.unsuspendRead(SUSPEND_FILTER);
            if (under.input().length() > 0) {
                scheduleInput(); // bytes that arrived while we could not take them
            }
        } else if (!under.isClosed()) {
            under.suspendRead(SUSPEND_FILTER);
        }
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        if (wanted && output.length() > 0) {
            outputReady();
        }
    }

    @Override
    protected void outputReady() {
        if (outputTask == null) {
            outputTask = base.newUserEvent(plumbing(() -> processOutput(FlushMode.NORMAL)));
        }
        outputTask.activate(Ev.WRITE);
    }

    private void scheduleInput() {
        if (inputTask == null) {
            inputTask = base.newUserEvent(plumbing(() -> processInput(FlushMode.NORMAL)));
        }
        inputTask.activate(Ev.READ);
    }

    /**
     * Runs the input filter until it has nothing to do or this input reaches its high watermark; then, in NORMAL
     * mode, completes an EOF held back by {@link #underEvent} if the watermark no longer holds input back.
     *
     * @return whether the watermark stopped it with underlying input left over
     */
    private boolean processInput(FlushMode mode) {
        if (isClosed() || inputFailed || (!readWanted() && mode == FlushMode.NORMAL)) {
            return false;
        }
        EvBuffer src = under.input();
        long before = input.length();
        boolean blocked = false;
        while (true) {
            long high = readHighWatermark();
            if (high > 0 && input.length() >= high) {
                blocked = src.length() > 0;
                break;
            }
            if (src.length() == 0 && mode == FlushMode.NORMAL) {
                break;
            }
            long limit = high > 0 ? high - input.length() : -1;
            long quota = rateLimitReadQuota();
            if (quota != Long.MAX_VALUE) {
                // a rate limiter set on this layer (RateLimits.set) meters what the filter delivers
                quota -= input.length() - before;
                if (quota <= 0 && mode == FlushMode.NORMAL) {
                    blocked = src.length() > 0;
                    break;
                }
                limit = limit < 0 ? Math.max(quota, 0) : Math.min(limit, Math.max(quota, 0));
            }
            long srcLen = src.length();
            long dstLen = input.length();
            FilterResult r = inputFilter.process(src, input, limit, mode);
            if (r == FilterResult.ERROR) {
                // what the filter passed before it failed came first: the read callback gets it before the error
                inputFailed = true;
                long passed = input.length() - before;
                if (passed > 0) {
                    readDone(passed);
                }
                fail(BevEvent.READING, inputFilter);
                return false;
            }
            if (r == FilterResult.NEED_MORE || (src.length() == srcLen && input.length() == dstLen)) {
                break;
            }
        }
        long n = input.length() - before;
        if (n > 0) {
            readDone(n); // may close this, or drain and schedule more input
        }
        if (mode == FlushMode.NORMAL && pendingEof != 0 && !blocked) {
            completeEof();
        }
        return blocked;
    }

    /** Offers the filter the end of the stream; passes the EOF up unless the watermark still holds input back. */
    private void completeEof() {
        boolean blocked = processInput(FlushMode.FINISHED);
        if (isClosed() || inputFailed || blocked) {
            return; // a later processInput(NORMAL), once the user drains, comes back here
        }
        int reasons = pendingEof;
        pendingEof = 0;
        fireEvent(reasons, null);
    }

    private void processOutput(FlushMode mode) {
        if (isClosed() || outputFailed || (!writeWanted() && mode == FlushMode.NORMAL)) {
            return;
        }
        EvBuffer dst = under.output();
        long before = output.length();
        while (true) {
            long high = under.writeHighWatermark();
            boolean ending = mode != FlushMode.NORMAL && output.length() == 0;
            if (high > 0 && dst.length() >= high && !ending) {
                break; // (the final call of a flush, with nothing left to move, may exceed it by a trailer)
            }
            if (output.length() == 0 && mode == FlushMode.NORMAL) {
                break;
            }
            long limit = high > 0 && dst.length() < high ? high - dst.length() : (high > 0 && !ending ? 0 : -1);
            long quota = rateLimitWriteQuota();
            if (quota != Long.MAX_VALUE) {
                quota -= before - output.length();
                if (quota <= 0 && mode == FlushMode.NORMAL) {
                    break;
                }
                limit = limit < 0 ? Math.max(quota, 0) : Math.min(limit, Math.max(quota, 0));
            }
            long srcLen = output.length();
            long dstLen = dst.length();
            FilterResult r = outputFilter.process(output, dst, limit, mode);
            if (r == FilterResult.ERROR) {
                fail(BevEvent.WRITING, outputFilter);
                return;
            }
            if (r == FilterResult.NEED_MORE || (output.length() == srcLen && dst.length() == dstLen)) {
                break;
            }
            if (mode != FlushMode.NORMAL && output.length() == 0) {
                break; // one flushing call with everything consumed is enough
            }
        }
        long consumed = before - output.length();
        if (consumed > 0) {
            writeDone(consumed);
        }
    }

    private void underDrained() {
        if (output.length() > 0) {
            processOutput(FlushMode.NORMAL);
        }
        if (pendingFlush != null && output.length() == 0 && !isClosed()) {
            FlushMode mode = pendingFlush;
            pendingFlush = null;
            flushEngine(Ev.WRITE, mode);
        }
    }

    private void underEvent(BufferEvent b, int reasons, Throwable cause) {
        if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
            pendingEof = reasons; // a filter may still find the stream truncated
            completeEof();
            return;
        }
        fireEvent(reasons, cause);
    }

    private void fail(int direction, Filter f) {
        if (direction == BevEvent.READING) {
            inputFailed = true;
        } else {
            outputFailed = true;
        }
        Throwable cause = f.failure();
        if (cause == null) {
            cause = new IOException((direction == BevEvent.READING ? "input" : "output") + " filter " + f
                    + " failed without saying why");
        }
        fireEvent(direction | BevEvent.ERROR, cause);
    }

    @Override
    protected void flushEngine(int what, FlushMode mode) {
        if ((what & Ev.READ) != 0) {
            processInput(mode);
        }
        if ((what & Ev.WRITE) != 0) {
            if (mode != FlushMode.NORMAL && output.length() > 0) {
                processOutput(FlushMode.NORMAL); // move what the watermark lets through first
            }
            if (mode != FlushMode.NORMAL && output.length() > 0) {
                pendingFlush = mode == FlushMode.FINISHED || pendingFlush == null ? mode : pendingFlush;
                return; // the rest waits for the underlying output to drain; underDrained finishes the flush
            }
            processOutput(mode);
            under.flush(Ev.WRITE, mode);
        }
    }

    @Override
    protected void closeEngine() {
        if (outputTask != null) {
            outputTask.close();
        }
        if (inputTask != null) {
            inputTask.close();
        }
        inputFilter.close();
        if (outputFilter != inputFilter) {
            outputFilter.close();
        }
        if ((options & BevOption.CLOSE_ON_FREE) != 0) {
            under.close();
        } else if (!under.isClosed()) {
            under.setCallbacks(null, null, null);
            under.unsuspendRead(SUSPEND_FILTER);
        }
    }

    @Override
    public String toString() {
        return "FilterBufferEvent[" + under + ", in " + input.length() + ", out " + output.length() + "]";
    }
}
