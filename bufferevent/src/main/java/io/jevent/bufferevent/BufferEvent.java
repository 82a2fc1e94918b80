package io.jevent.bufferevent;

import io.jevent.CommonTimeout;
import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.BufferCallback;
import io.jevent.buffer.CallbackEntry;
import io.jevent.buffer.EvBuffer;
import io.jevent.internal.AttributedCallback;
import io.jevent.spi.Handle;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A buffered connection: libevent's {@code bufferevent}. Bytes that arrive are appended to {@link #input()};
 * bytes added to {@link #output()} are sent. Callbacks say when there is something to read, when the output has
 * drained, and when something happened ({@link BevEvent}: EOF, ERROR, TIMEOUT, CONNECTED).
 *
 * <p>This class holds what every engine shares — buffers, callbacks, enable/suspend state, watermarks, timeouts,
 * deferred callbacks, thread hand-off — and knows nothing of readiness: {@link SocketBufferEvent} moves bytes
 * when a socket is ready, or when an operation posted to a completion engine (io_uring) completes; {@link #pair}
 * moves them in memory; {@link FilterBufferEvent} moves them through a {@link Filter} to another BufferEvent. An engine implements the five hooks at the bottom and reports its progress through
 * {@link #readDone}, {@link #writeDone} and {@link #fireEvent}.
 *
 * <h2>Life cycle</h2>
 * Made (reading disabled, writing enabled, as in libevent) → {@link #enable}/{@link #disable} as needed →
 * callbacks while data flows → an EOF, ERROR or TIMEOUT event (that direction is then disabled) →
 * {@link #close()}. See {@code docs/bufferevent.md} for the full table.
 *
 * <h2>Watermarks</h2>
 * <ul>
 * <li>read low: the read callback runs only once the input holds at least this many bytes (default 0);</li>
 * <li>read high: reading from the transport stops while the input holds this many bytes (0: no limit), and
 * resumes when the user drains it below; the input never grows past it;</li>
 * <li>write low: the write callback runs when the output drains to this many bytes (default 0: empty);</li>
 * <li>write high: above it the BufferEvent is not {@linkplain #isWritable() writable}, and the
 * {@link WritabilityCallback} says so; it becomes writable again at the write low watermark. Producers that
 * honour this keep memory bounded (libevent has no such signal; see libevent#1466).</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Every method must be called on the base's loop thread, unless the BufferEvent was made with
 * {@link BevOption#THREADSAFE}: then calls from other threads are handed to the loop thread. The buffers are
 * never thread-safe; from other threads write through {@link #write(byte[])}. A change to either buffer from
 * another thread throws {@link IllegalStateException} on that thread (the buffers' owner hook checks, after the
 * change, at about 6 ns per change): the first stray change is reported where it is made, before the engine acts
 * on it, instead of surfacing later as a corrupted chain and lost bytes.
 *
 * <h2>After close</h2>
 * {@link #write} and {@link #enable} on a closed BufferEvent, and adding to its output, throw
 * {@link IllegalStateException}: the bytes would be dropped. {@link #disable}, {@link #flush} and {@link #close()}
 * are no-ops.
 */
public abstract class BufferEvent implements AutoCloseable {

    /** Told that data arrived (read) or that the output drained (write). */
    @FunctionalInterface
    public interface DataCallback {
        /**
         * Runs on the loop thread.
         *
         * @param bev the BufferEvent whose input has data (read callback) or whose output drained (write callback)
         */
        void onData(BufferEvent bev);
    }

    /** Told that something happened: EOF, ERROR, TIMEOUT, CONNECTED, with the direction. */
    @FunctionalInterface
    public interface EventCallback {
        /**
         * Runs on the loop thread.
         *
         * @param bev the BufferEvent the event happened on
         * @param reasons bits of {@link BevEvent}
         * @param cause what failed, for {@link BevEvent#ERROR} (never null then); otherwise null
         */
        void onEvent(BufferEvent bev, int reasons, Throwable cause);
    }

    /** Told when the caller's buffer given to {@link #readInto} is full, or reading ended before it was. */
    @FunctionalInterface
    public interface FillCallback {
        /**
         * Runs on the loop thread, once per {@link #readInto}.
         *
         * @param bev the BufferEvent that read into {@code dst}
         * @param dst the caller's buffer, its position advanced past the bytes read into it
         * @param reasons 0 when {@code dst} is full; else the {@link BevEvent} bits that ended reading first
         *     ({@code READING|EOF}, {@code READING|ERROR} or {@code ERROR}, {@code READING|TIMEOUT})
         * @param cause what failed, for {@link BevEvent#ERROR}; otherwise null
         */
        void onFilled(BufferEvent bev, ByteBuffer dst, int reasons, Throwable cause);
    }

    /** Told when the output crosses the write high watermark, and when it drains back to the low one. */
    @FunctionalInterface
    public interface WritabilityCallback {
        /**
         * Runs on the loop thread.
         *
         * @param bev the BufferEvent whose output crossed a write watermark
         * @param writable true when the output drained to the write low watermark, false when it grew past the high one
         */
        void onWritabilityChanged(BufferEvent bev, boolean writable);
    }

    /**
     * Meters a BufferEvent's bytes (libevent's {@code bufferevent_rate_limit_group} and per-connection token
     * buckets): the engine asks for a quota before each read and write and reports what it moved. The limiter
     * suspends the direction ({@link #SUSPEND_BANDWIDTH}, {@link #SUSPEND_GROUP}) when it runs dry and lifts the
     * suspension when it refills; a quota of 0 alone never makes an engine wait. Implemented in
     * {@code io.jevent.filter} (token buckets, groups); kept an interface here so this package does not depend
     * on that one. All methods are called on the loop thread.
     */
    public interface RateLimiter {
        /**
         * Bytes {@code bev} may read now ({@code >= 0}; {@code Long.MAX_VALUE}: unlimited).
         *
         * @param bev the BufferEvent about to read
         * @return the quota in bytes
         */
        long readQuota(BufferEvent bev);

        /**
         * Bytes {@code bev} may write now ({@code >= 0}; {@code Long.MAX_VALUE}: unlimited).
         *
         * @param bev the BufferEvent about to write
         * @return the quota in bytes
         */
        long writeQuota(BufferEvent bev);

        /**
         * {@code bev} read {@code n > 0} bytes.
         *
         * @param bev the BufferEvent that read
         * @param n how many bytes it read
         */
        void read(BufferEvent bev, long n);

        /**
         * {@code bev} wrote {@code n >= 0} bytes.
         *
         * @param bev the BufferEvent that wrote
         * @param n how many bytes it wrote
         */
        void wrote(BufferEvent bev, long n);

        /**
         * The limiter was replaced, removed, or {@code bev} closed: drop timers and group membership.
         *
         * @param bev the BufferEvent this limiter no longer meters
         */
        default void detached(BufferEvent bev) {
        }
    }

    /** Suspend reason: the input reached the read high watermark. */
    public static final int SUSPEND_WM = 0x01;
    /** Suspend reason: the connection's rate limit has no tokens left. */
    public static final int SUSPEND_BANDWIDTH = 0x02;
    /** Suspend reason: the rate-limit group has no tokens left. */
    public static final int SUSPEND_GROUP = 0x04;
    /** Suspend reason: a host name is being resolved. */
    public static final int SUSPEND_LOOKUP = 0x08;
    /** Suspend reason: a filter on top cannot take more. */
    public static final int SUSPEND_FILTER = 0x10;
    /**
     * Suspend reason: a rate-limit filter on top is out of read tokens, so bytes would only pile up in this
     * BufferEvent's input (kept apart from {@link #SUSPEND_BANDWIDTH}, this BufferEvent's own limit).
     */
    public static final int SUSPEND_RATE_FILTER = 0x20;
    /**
     * Suspend reason: direct memory ran out while reading from the peer; reading resumes after a back-off
     * (see {@link io.jevent.buffer.DirectMemoryExhaustedException}).
     */
    public static final int SUSPEND_MEMORY = 0x40;
    /** Suspend reason: the BufferEvent is moving to another loop ({@link #moveTo}). */
    public static final int SUSPEND_MOVE = 0x80;

    private static final int DEFERRED_READ = 1;
    private static final int DEFERRED_WRITE = 2;
    private static final int DEFERRED_EVENT = 4;
    private static final int DEFERRED_WRITABILITY = 8;
    /** A CONNECTED is pending: it runs first and on its own, before any read or write callback. */
    private static final int DEFERRED_CONNECTED = 16;
    /** Futures have something to complete: after every other deferred callback (see {@link BevFutures}). */
    private static final int DEFERRED_FUTURES = 32;

    /**
     * The loop this BufferEvent runs on. Changed only by {@link #moveTo}, on the old loop's thread once the engine is
     * idle there; volatile so that other threads' calls (THREADSAFE) go to the new loop from then on.
     */
    protected volatile EventBase base;
    /** Bytes received, not yet consumed by the user. */
    protected final EvBuffer input = new EvBuffer();
    /** Bytes to send. */
    protected final EvBuffer output = new EvBuffer();
    /** {@link BevOption} bits. */
    protected final int options;
    /** THREADSAFE only: other threads' calls, queued in order for the owning loop. */
    private final StrangerCalls strangers;

    private DataCallback readCallback;
    private DataCallback writeCallback;
    private EventCallback eventCallback;
    /**
     * The user callback called last, for the stall detector and the Flight Recorder's SlowCallback, which would
     * otherwise name the library's event callback that ran it ({@link Plumbing}); one field write per callback.
     */
    Object lastCallback;

    /** Ev.READ / Ev.WRITE as the user enabled them. */
    private int enabled = Ev.WRITE;
    /** SUSPEND_* reasons holding reading / writing back, whatever the user enabled. */
    private int readSuspended;
    private int writeSuspended;
    /**
     * Over the write high watermark. Volatile, like {@link #closed}: both are written on the loop thread and read
     * by producers on other threads ({@link #isWritable()}, {@link #isClosed()}), which must see the change even
     * when they spin on it.
     */
    private volatile boolean unwritable;
    private volatile boolean closed;
    /** The BufferEvent this one is a layer over ({@link #layerOver}), or null: not a layer. */
    private BufferEvent below;
    /** The layer over this one, told when bytes leave the bottom of the chain (its write timeout restarts); or null. */
    private BufferEvent above;
    /**
     * Watermarks, timeouts, rate limiter, writability callback and deferred-callback state: {@link Extras#NONE}
     * (shared, all defaults, never written) until one of them is first set. A connection that uses none of them
     * carries one reference instead of fifteen fields (RAM per idle connection is a goal, as it was for Tor).
     * Read through {@code ex}, write through {@link #x()}.
     */
    private Extras ex = Extras.NONE;

    /** The settings most connections never touch. */
    static final class Extras {
        /** The defaults, shared by every BufferEvent that set nothing. Never written. */
        static final Extras NONE = new Extras();

        WritabilityCallback writabilityCallback;
        long readLow;
        long readHigh;
        long writeLow;
        long writeHigh;
        CommonTimeout readTimeout;
        CommonTimeout writeTimeout;
        Event readTimer;
        Event writeTimer;
        /** Watches the input drain below the read high watermark; made the first time reading is suspended. */
        CallbackEntry inputWatch;
        /** Meters reads and writes, or null; see {@link #setRateLimiter}. */
        RateLimiter rateLimiter;
        /** A {@link #moveTo} not finished yet, or null. */
        CompletableFuture<BufferEvent> moving;
        /** Deferred callbacks: one user event, activated (no allocation) when something is pending. */
        Event deferEvent;
        int deferredPending;
        int deferredReasons;
        Throwable deferredCause;
        /** The {@link #readInto} state, made at the first one and reused. */
        CallerBuffer fill;
        /** The futures asked for ({@link #outputDrained}, {@link #closeFuture}, a connect's), or null: none yet. */
        BevFutures futures;
    }

    /** The futures' state, made at the first future asked for. Loop thread. */
    final BevFutures futures() {
        BevFutures f = ex.futures;
        if (f == null) {
            f = new BevFutures(this);
            x().futures = f;
        }
        return f;
    }

    /** With {@link BevOption#DEFER_CALLBACKS}: has the futures settled after the deferred callbacks. Loop thread. */
    final void deferFutures() {
        defer(DEFERRED_FUTURES);
    }

    /** The writable extras, made on first use. Loop thread. */
    private Extras x() {
        Extras e = ex;
        if (e == Extras.NONE) {
            e = new Extras();
            ex = e;
        }
        return e;
    }

    /**
     * Sets up the shared state.
     *
     * @param base the loop
     * @param options {@link BevOption} bits
     */
    protected BufferEvent(EventBase base, int options) {
        this.base = Objects.requireNonNull(base, "base");
        BevOption.check(options);
        this.options = options;
        this.strangers = (options & BevOption.THREADSAFE) != 0 ? new StrangerCalls(this) : null;
        BufferCallback watcher = this::bufferChanged; // one object watches both buffers
        output.setWatcher(watcher);
        input.setWatcher(watcher);
    }

    // ------------------------------------------------------------------------------------------- public API

    /**
     * Two connected in-memory BufferEvents (libevent's {@code bufferevent_pair_new}): what one writes, the other
     * reads, moved segment by segment without copying.
     *
     * @param base the loop both ends run on
     * @param options {@link BevOption} bits, for both ends
     * @return the two ends, each the other's partner
     */
    public static BufferEvent[] pair(EventBase base, int options) {
        return PairBufferEvent.create(base, options);
    }

    /**
     * The loop.
     *
     * @return the base this BufferEvent runs on; another one after a {@link #moveTo}
     */
    public final EventBase base() {
        return base;
    }

    /**
     * The input buffer: read (drain) it in the read callback. Loop thread only.
     *
     * @return the input buffer, never null
     */
    public final EvBuffer input() {
        return input;
    }

    /**
     * The output buffer: add to it to send. Loop thread only; see {@link #write(byte[])} for other threads.
     *
     * @return the output buffer, never null
     */
    public final EvBuffer output() {
        return output;
    }

    /**
     * The handle under this BufferEvent, or {@code null} (pairs, unconnected sockets).
     *
     * @return the handle, or null
     */
    public abstract Handle handle();

    /**
     * Sets the callbacks (any may be null), replacing the previous ones (libevent's {@code bufferevent_setcb}).
     *
     * @param read run when the input holds at least the read low watermark (and some bytes), or null
     * @param write run when the output drains to the write low watermark, or null
     * @param event run on EOF, ERROR, TIMEOUT and CONNECTED, or null
     */
    public final void setCallbacks(DataCallback read, DataCallback write, EventCallback event) {
        onLoop(() -> {
            this.readCallback = read;
            this.writeCallback = write;
            this.eventCallback = event;
        });
    }

    /**
     * Sets the callback told when {@link #isWritable()} changes (null for none).
     *
     * @param callback told each time the output crosses a write watermark, or null
     */
    public final void setWritabilityCallback(WritabilityCallback callback) {
        onLoop(() -> x().writabilityCallback = callback);
    }

    /**
     * Starts reading and/or writing.
     *
     * @param what {@code Ev.READ}, {@code Ev.WRITE} or both
     * @throws IllegalStateException if this BufferEvent is closed
     */
    public final void enable(int what) {
        checkDirections(what);
        checkOpen("enable()");
        onLoop(() -> {
            if (!closed) { // a THREADSAFE call that crossed close() on its way to the loop does nothing
                setEnabled(enabled | what);
            }
        });
    }

    /**
     * Stops reading and/or writing. Data already in the buffers stays.
     *
     * @param what {@code Ev.READ}, {@code Ev.WRITE} or both
     */
    public final void disable(int what) {
        checkDirections(what);
        onLoop(() -> setEnabled(enabled & ~what));
    }

    /**
     * What the user enabled ({@code Ev.READ | Ev.WRITE} bits).
     *
     * @return the enabled directions; suspensions do not clear them
     */
    public final int enabled() {
        return enabled;
    }

    /**
     * Sets the watermarks of one or both directions (libevent's {@code bufferevent_setwatermark}).
     *
     * @param what {@code Ev.READ}, {@code Ev.WRITE} or both
     * @param low {@code >= 0}
     * @param high {@code 0} for none, else {@code >= low} (and {@code > 0})
     */
    public final void setWatermark(int what, long low, long high) {
        checkDirections(what);
        if (low < 0 || high < 0 || (high > 0 && high < low)) {
            throw new IllegalArgumentException("expected 0 <= low <= high (or high = 0 for none), got low " + low
                    + ", high " + high);
        }
        onLoop(() -> {
            if ((what & Ev.READ) != 0) {
                x().readLow = low;
                x().readHigh = high;
                checkReadWatermark();
            }
            if ((what & Ev.WRITE) != 0) {
                x().writeLow = low;
                x().writeHigh = high;
                updateWritability();
            }
        });
    }

    /**
     * The read low watermark.
     *
     * @return the read low watermark in bytes
     */
    public final long readLowWatermark() {
        return ex.readLow;
    }

    /**
     * The read high watermark (0: none).
     *
     * @return the read high watermark in bytes, or 0
     */
    public final long readHighWatermark() {
        return ex.readHigh;
    }

    /**
     * The write low watermark.
     *
     * @return the write low watermark in bytes
     */
    public final long writeLowWatermark() {
        return ex.writeLow;
    }

    /**
     * The write high watermark (0: none).
     *
     * @return the write high watermark in bytes, or 0
     */
    public final long writeHighWatermark() {
        return ex.writeHigh;
    }

    /** The write timeout set by {@link #setTimeouts}, or null; loop thread (connecting is bounded by it). */
    final Duration writeTimeoutDuration() {
        return ex.writeTimeout == null ? null : ex.writeTimeout.duration();
    }

    /**
     * Sets idle timeouts (libevent's {@code bufferevent_set_timeouts}). Each restarts on progress in its own
     * direction only:
     * <ul>
     * <li>read: runs while reading is wanted; restarts when bytes arrive in the input (for a layer: when its
     * filter delivers some, not when raw bytes arrive below it). Sending is no sign of life: READING|TIMEOUT when
     * nothing arrives for {@code read}.</li>
     * <li>write: starts when output becomes pending, if not already running; restarts only when bytes leave the
     * transport (written to the socket, taken by the pair's partner). Adding more output never pushes it back, so
     * a producer that keeps adding to a connection whose peer stopped reading is timed out: WRITING|TIMEOUT when
     * nothing is sent for {@code write}. It stops once nothing is pending. On a layer (a filter, TLS) output is
     * pending until it has left the bottom of the chain: handing bytes to the layer below is not progress.</li>
     * </ul>
     * Enabling a direction (or a suspension ending) and calling this method start the timer over. The direction
     * is disabled when its timeout fires. Timeouts use the base's common-timeout queues, so thousands of
     * connections with the same timeout cost O(1) each.
     *
     * @param read the read timeout, or null for none
     * @param write the write timeout, or null for none
     */
    public final void setTimeouts(Duration read, Duration write) {
        CommonTimeout r = read == null ? null : base.commonTimeout(positive(read, "read"));
        CommonTimeout w = write == null ? null : base.commonTimeout(positive(write, "write"));
        onLoop(() -> {
            x().readTimeout = r;
            x().writeTimeout = w;
            if (r != null && ex.readTimer == null) {
                x().readTimer = base.newTimer(plumbing(() -> timedOut(Ev.READ)));
            }
            if (w != null && ex.writeTimer == null) {
                x().writeTimer = base.newTimer(plumbing(() -> timedOut(Ev.WRITE)));
            }
            armReadTimer();
            armWriteTimer(true);
        });
    }

    /**
     * Whether the output is under the write high watermark (always true without one). Any thread.
     *
     * @return false from the moment the output grows past the write high watermark until it drains to the low one
     */
    public final boolean isWritable() {
        return !unwritable;
    }

    /**
     * Appends a copy of {@code data} to the output. From another thread (with {@link BevOption#THREADSAFE}) the
     * copy is made at once and added on the loop thread (or dropped, if a close() gets there first). Outside the
     * running loop (the owner before the loop starts, any thread after the base closed) the copy is added under
     * the base's hand-off monitor ({@link EventBase#runIfOwner}), so it never interleaves with a loop starting on
     * another thread or with other writers.
     *
     * @param data the bytes to send; the array is not kept
     * @throws IllegalStateException if this BufferEvent is closed
     */
    public final void write(byte[] data) {
        write(data, 0, data.length);
    }

    /**
     * Appends a copy of {@code data[off, off + len)} to the output; see {@link #write(byte[])}.
     *
     * @param data holds the bytes to send; the array is not kept
     * @param off where the bytes start in {@code data}
     * @param len how many bytes to send
     */
    public final void write(byte[] data, int off, int len) {
        Objects.checkFromIndexSize(off, len, data.length);
        checkOpen("write()");
        EventBase b = base;
        if (b.inRunningLoop()) {
            catchUp(b);
            output.add(data, off, len);
        } else {
            // Not the running loop: the holder (a loop may start elsewhere mid-add), another thread, or any thread
            // once the base is closed (writers would add concurrently). Both go through onLoop, one at a time.
            byte[] copy = java.util.Arrays.copyOfRange(data, off, off + len);
            onLoop(() -> addUnlessClosed(copy));
        }
    }

    /**
     * Appends a copy of {@code data}'s remaining bytes to the output, consuming them; see {@link #write(byte[])}.
     *
     * @param data the bytes to send, from its position to its limit; its position ends at its limit
     */
    public final void write(ByteBuffer data) {
        checkOpen("write()");
        EventBase b = base;
        if (b.inRunningLoop()) {
            catchUp(b);
            output.add(data);
        } else { // see write(byte[], int, int)
            byte[] copy = new byte[data.remaining()];
            data.get(copy);
            onLoop(() -> addUnlessClosed(copy));
        }
    }

    /**
     * Moves all of {@code data} to the output (no copy). Loop thread only.
     *
     * @param data the bytes to move; left empty
     * @throws IllegalStateException if this BufferEvent is closed ({@code data} keeps its bytes)
     */
    public final void write(EvBuffer data) {
        requireLoop();
        checkOpen("write()");
        EventBase b = base;
        if (b.inRunningLoop()) {
            catchUp(b);
        }
        output.addBuffer(data);
    }

    /**
     * Removes up to {@code len} bytes from the input into {@code dst}; returns how many. Loop thread only.
     *
     * @param dst where to copy the bytes
     * @param off where in {@code dst} to start
     * @param len the most bytes to remove
     * @return how many bytes were removed; 0 when the input is empty
     */
    public final int read(byte[] dst, int off, int len) {
        requireLoop();
        return input.remove(dst, off, len);
    }

    /**
     * Reads the next {@code dst.remaining()} bytes into {@code dst}, a buffer the caller owns (one sized from a
     * Content-Length, say), instead of into {@link #input()}; {@code callback} is told once, when {@code dst} is full
     * or when reading ends first. Loop thread only.
     * <ul>
     * <li>Bytes the input already holds come first: up to {@code dst.remaining()} of them are moved into {@code dst}
     * at once (a copy; they were read before). If that fills it, the callback runs before this method returns.</li>
     * <li>Then, on a socket BufferEvent on a readiness backend (epoll, poll, kqueue, NIO), each read goes from the
     * socket straight into {@code dst} ({@link io.jevent.spi.NetOps#read}), never more than it has room for: no
     * copy (a heap {@code dst} is copied once through the native backends' scratch memory; give a direct one). On
     * other BufferEvents (pairs, filters, files, sockets on a completion engine such as io_uring, whose reads land in
     * the engine's buffers) bytes still arrive in the input and are moved from it into {@code dst} as they come: one
     * copy.</li>
     * <li>Bytes beyond {@code dst} stay in the input: a pipelined second message is there, for the read callback,
     * once the callback has run. The read callback does not run for bytes that went into {@code dst}.</li>
     * <li>End of stream, an error or a read timeout before {@code dst} is full: the callback gets the reasons (and
     * cause) with the bytes read so far in {@code dst}, then the event callback gets the event as usual.</li>
     * <li>Reading must be {@linkplain #enable enabled}; watermarks apply to the input only, rate limits to every
     * byte. {@link #close()} drops a pending readInto without calling back. The callback runs directly, even with
     * {@link BevOption#DEFER_CALLBACKS}, and may call {@code readInto} again.</li>
     * </ul>
     * The caller must not touch {@code dst} until the callback runs.
     *
     * @param dst where to read to, from its position to its limit: writable, with room left
     * @param callback told when {@code dst} is full or reading ended
     * @throws IllegalStateException if a readInto is already pending, or this BufferEvent is closed
     * @throws IllegalArgumentException if {@code dst} is read-only or full
     */
    public final void readInto(ByteBuffer dst, FillCallback callback) {
        Objects.requireNonNull(dst, "dst");
        Objects.requireNonNull(callback, "callback");
        requireLoop();
        checkOpen("readInto()");
        if (dst.isReadOnly() || !dst.hasRemaining()) {
            throw new IllegalArgumentException("expected a writable buffer with room left, got " + dst
                    + (dst.isReadOnly() ? " (read-only)" : ""));
        }
        CallerBuffer f = ex.fill;
        if (f != null && f.pending()) {
            throw new IllegalStateException("a readInto is already pending on " + this + " (" + f.dst.remaining()
                    + " bytes to go): wait for its callback before asking for the next");
        }
        if (f == null) {
            f = new CallerBuffer();
            x().fill = f;
        }
        f.start(dst, callback);
        fillFromInput();
    }

    /**
     * For engines that read without a copy: the caller's {@link #readInto} buffer to read into now, or null when
     * none is pending (or the input still holds bytes, which go first). Read at most its remaining bytes, then
     * report them with {@link #fillDone}.
     *
     * @return the buffer to read into, up to its limit; or null
     */
    protected final ByteBuffer fillTarget() {
        CallerBuffer f = ex.fill;
        return f != null && f.pending() && input.length() == 0 ? f.dst : null;
    }

    /**
     * A one-element array holding {@link #fillTarget()}, for scattering reads; valid until the next fillDone.
     *
     * @return the same one-element array each time, holding the pending buffer
     */
    protected final ByteBuffer[] fillVector() {
        CallerBuffer f = ex.fill;
        f.vector[0] = f.dst;
        return f.vector;
    }

    /**
     * The engine read {@code n > 0} bytes straight into {@link #fillTarget()}: restarts the read timeout, tells the
     * rate limiter, and runs the fill callback once the buffer is full. Call it last in the engine's handler.
     *
     * @param n how many bytes were read into the buffer
     */
    protected final void fillDone(long n) {
        if (closed) {
            return;
        }
        armReadTimer();
        readProgress(n);
        CallerBuffer f = ex.fill;
        f.vector[0] = null;
        if (!f.dst.hasRemaining()) {
            endFill(0, null);
        }
    }

    /**
     * Moves what the input holds into a pending {@link #readInto} buffer, and ends it when full.
     *
     * @return whether the input may have bytes for the read callback now (no readInto pending any more)
     */
    private boolean fillFromInput() {
        CallerBuffer f = ex.fill;
        if (f == null || !f.pending()) {
            return true;
        }
        if (input.length() > 0) {
            input.remove(f.dst);
        }
        if (f.dst.hasRemaining()) {
            return false;
        }
        endFill(0, null);
        return !closed && (ex.fill == null || !ex.fill.pending());
    }

    /** Whether an event with {@code reasons} stops reading: EOF, ERROR or TIMEOUT on reading, or an ERROR on both. */
    private static boolean endsReading(int reasons) {
        if ((reasons & (BevEvent.EOF | BevEvent.ERROR | BevEvent.TIMEOUT)) == 0) {
            return false;
        }
        return (reasons & BevEvent.READING) != 0 || (reasons & (BevEvent.WRITING | BevEvent.ERROR)) == BevEvent.ERROR;
    }

    private void endFill(int reasons, Throwable cause) {
        CallerBuffer f = ex.fill;
        ByteBuffer d = f.dst;
        FillCallback c = f.clear();
        lastCallback = c;
        c.onFilled(this, d, reasons, cause);
    }

    /**
     * Asks the engine to push data through (libevent's {@code bufferevent_flush}): meaningful for filters (a
     * zlib filter sync-flushes on FLUSH and finishes on FINISHED) and pairs (FINISHED gives the partner EOF).
     *
     * @param what {@code Ev.READ}, {@code Ev.WRITE} or both
     * @param mode how far to push: {@link FlushMode#NORMAL}, {@link FlushMode#FLUSH} or {@link FlushMode#FINISHED}
     */
    public final void flush(int what, FlushMode mode) {
        checkDirections(what);
        Objects.requireNonNull(mode, "mode");
        onLoop(() -> {
            if (!closed) {
                flushEngine(what, mode);
            }
        });
    }

    /**
     * Closes the BufferEvent: no callback runs after this, unsent output is dropped, buffers give their memory
     * back, and with {@link BevOption#CLOSE_ON_FREE} what it wraps is closed too. Idempotent. Also after the base
     * was closed, from any thread: then it releases everything (the descriptor too, with CLOSE_ON_FREE) at once.
     * From another thread (with {@link BevOption#THREADSAFE}) the close is queued for the loop; if the base closes
     * before a loop runs it, the base's {@link EventBase#close()} carries it out.
     */
    @Override
    public final void close() {
        EventBase b = base;
        if (b.runIfOwner(this::closeNow)) {
            return;
        }
        if ((options & BevOption.THREADSAFE) != 0) {
            // queued, never dropped: a base closing first runs it in its close(); a move meanwhile forwards it
            b.runAsOwner(() -> {
                if (base == b) {
                    closeNow();
                } else {
                    close();
                }
            });
        } else {
            onLoop(this::closeNow); // throws, saying what to do
        }
    }

    /**
     * A future that completes once every byte in the output now has left it: a socket handed it to the kernel (on a
     * completion engine, the write completed), a pair end to its partner; a layer ({@link FilterBufferEvent}, TLS)
     * once its bytes, filtered, have left the bottom of the chain, the socket's output. Complete at once when nothing
     * is pending. Bytes written later are not waited for: ask again after writing them, or use the write callback
     * and watermarks, which this does not replace (the callbacks run as they always do; the future is one more
     * listener). Bytes the user removes from the output count as gone. A filter's own buffering (a deflater's
     * window before {@code flush(Ev.WRITE, FlushMode.FLUSH)}) counts as gone from that layer too.
     *
     * <p>Completes exceptionally, with the cause the event callback got, when an ERROR is reported first (for
     * either direction: a reset seen by a read ends the connection too; a failed connect), with a
     * {@link java.net.SocketTimeoutException} when the write timeout fires first (writing is then disabled; a drain
     * asked after enabling it again completes as usual), and with
     * an {@link java.io.IOException} saying so when the BufferEvent is closed first ({@link #close()} drops unsent
     * output). An event callback that closes the BufferEvent on that ERROR leaves the ERROR's cause as the failure.
     *
     * <p><b>Threads.</b> It completes on the loop thread: after the callbacks for the same progress have run, in the
     * same loop pass, from a task of the loop (never inside the engine or the user's call); or inside {@link #close()}
     * when that comes first. Stages added before it completes without an executor therefore run on the loop thread
     * and must not block it; one that throws only fails its own future, never the loop. A stage added after
     * completion runs on the thread adding it, and {@link CompletableFuture} lets a thread blocked in {@code get()}
     * or {@code join()} as it completes run stages too: give {@link #base()} as the executor
     * ({@code thenRunAsync(r, bev.base())}) to be sure a stage runs on the loop. Call on the loop
     * thread; from another thread only on a {@link BevOption#THREADSAFE} BufferEvent, where it counts what that
     * thread wrote before the call. Allocates only when called: connections that never ask pay nothing.
     *
     * <p><b>Cancelling</b> the future ({@code cancel(true)} included), or completing it yourself ({@code orTimeout},
     * {@code completeOnTimeout}), only stops this one listener: the bytes are still sent, the connection stays as it
     * is, and later drains complete as usual. The BufferEvent then lets go of it (it keeps nothing for futures
     * already done). To drop unsent output, {@link #close()} the BufferEvent or drain its output.
     *
     * @return completes when the output present now has drained (through the chain below, for a layer)
     * @throws IllegalStateException if called from another thread on a BufferEvent made without THREADSAFE
     */
    public final CompletableFuture<Void> outputDrained() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        onLoop(() -> futures().addDrain(f));
        return f;
    }

    /** {@link #outputDrained()} for the layer above; on the loop thread. */
    final CompletableFuture<Void> outputDrainedOnLoop() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        futures().addDrain(f);
        return f;
    }

    /**
     * A future that completes once this BufferEvent is fully closed, however that came about: {@link #close()} by
     * the user (an event callback closing it on EOF, ERROR or TIMEOUT included) or by a layer above closing it with
     * {@link BevOption#CLOSE_ON_FREE}. Fully: its engine has let go (with {@code CLOSE_ON_FREE} a socket's handle is
     * closed; without it the handle stays the caller's), and for a layer made with {@code CLOSE_ON_FREE} the chain
     * below has closed too, so a TLS BufferEvent's future completes once close_notify has been sent and the socket
     * closed after its linger. Never completes exceptionally: a close cannot fail (the reason for one, if any, went
     * to the event callback). The peer ending the connection does not close a BufferEvent by itself: the EOF or
     * ERROR goes to the event callback, which decides. A BufferEvent left open when its base closes completes it
     * when it is closed (any thread may close it then). Each call returns a future of its own, all completing
     * together: cancelling one, or completing it (with {@code orTimeout}, say), affects no other asker and does not
     * close the BufferEvent.
     *
     * <p><b>Threads.</b> Any thread may ask. It completes on the thread that closes: the loop thread (so stages
     * added without an executor run there, after close() has released everything, and must not block), or, after
     * the base was closed, the thread calling {@code close()}. What {@link #outputDrained()} says about
     * stages added after completion and threads blocked in {@code get()} holds here too.
     *
     * @return completes (normally, with null) once this BufferEvent and what it closes along have closed
     */
    public final CompletableFuture<Void> closeFuture() {
        EventBase b = base;
        if (b.inRunningLoop()) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            futures().addCloseWaiter(f); // the asker's own: cancelling it leaves the others be
            return f;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        // an owner action: never dropped, run by the base's close() if it comes first; follows a move
        b.runAsOwner(() -> closeFutureInto(f, b));
        return f;
    }

    private void closeFutureInto(CompletableFuture<Void> f, EventBase from) {
        if (base != from) {
            EventBase now = base;
            now.runAsOwner(() -> closeFutureInto(f, now)); // moved meanwhile: ask the new loop
            return;
        }
        futures().addCloseWaiter(f);
    }

    /** {@link #closeFuture()} on the owner's thread, for the layer above. */
    final CompletableFuture<Void> closeFutureOnOwner() {
        return futures().closeFuture();
    }

    /** Closed, and so is the chain below when this layer closes it ({@link BevOption#CLOSE_ON_FREE}). */
    final boolean isFullyClosed() {
        if (!closed) {
            return false;
        }
        return below == null || (options & BevOption.CLOSE_ON_FREE) == 0 || below.isFullyClosed();
    }

    /** The BufferEvent this one is a layer over, or null. Loop thread. */
    final BufferEvent layerBelow() {
        return below;
    }

    /**
     * Moves this BufferEvent to {@code target}, another loop of the same backend (a loop of an
     * {@link io.jevent.EventBaseGroup}, say), for servers that rebalance connections. No byte is lost or reordered:
     * the buffers move as they are, and the socket is watched by {@code target} from then on. Must be called on this
     * BufferEvent's loop thread, from inside its loop.
     *
     * <p>Reading and writing are suspended ({@link #SUSPEND_MOVE}) until the BufferEvent runs on {@code target}. On a
     * completion engine the operations in flight are cancelled first and the move waits for their completions (bytes a
     * read or write completed with anyway are kept, as always); the unfinished part is posted again by
     * {@code target}. Until the returned future completes, callbacks may still run on the old loop (for bytes that
     * completed meanwhile); from then on every callback runs on {@code target}'s thread, and calls from the old loop's
     * thread are those of a stranger (made with {@link BevOption#THREADSAFE}, they are handed over; else they throw).
     * Timeouts, watermarks, callbacks, options and pending deferred callbacks move along; bytes already in the input
     * are announced by a read callback on {@code target} when reading is enabled.
     *
     * <p>Refused: a BufferEvent in a filter chain (move the socket BufferEvent before wrapping it), one with a rate
     * limiter (its buckets and group timers belong to the old loop), a pair end, a socket still connecting.
     *
     * @param target the loop to move to, of the same backend
     * <p>If {@code target} closes before the BufferEvent gets there, the BufferEvent is closed (its future fails). If
     * the old base closes while the move waits there (for a completion engine's cancelled operations), the move stops:
     * the BufferEvent stays on the closed old base and its future fails when it is closed (any thread may then).
     *
     * @return completes on {@code target}'s thread once the BufferEvent runs there; completes exceptionally if it is
     *     closed before
     * @throws IllegalStateException if not called on the loop thread, if closed, already moving, connecting, in a
     *     filter chain, rate-limited, or if {@code target} is closed
     * @throws IllegalArgumentException if {@code target} runs another backend
     * @throws UnsupportedOperationException for a kind of BufferEvent that cannot move (a pair end)
     */
    public final CompletableFuture<BufferEvent> moveTo(EventBase target) {
        Objects.requireNonNull(target, "target");
        EventBase from = base;
        if (!from.inRunningLoop()) {
            throw new IllegalStateException("moveTo must be called inside the loop of this BufferEvent's base (calling"
                    + " thread: " + Thread.currentThread().getName() + "); hand the call over with base().execute()");
        }
        checkOpen("moveTo");
        if (target == from) {
            return CompletableFuture.completedFuture(this);
        }
        if (target.isClosed()) {
            throw new IllegalStateException("cannot move " + this + " to a closed EventBase");
        }
        if (!target.method().equals(from.method())) {
            throw new IllegalArgumentException("cannot move " + this + " from a " + from.method() + " base to a "
                    + target.method() + " base: its socket is of the " + from.method() + " kind; move between bases"
                    + " of the same backend (one EventBaseGroup)");
        }
        if (below != null || above != null) {
            throw new IllegalStateException(this + " is part of a filter chain: a chain cannot move; move the socket"
                    + " BufferEvent before wrapping it in filters");
        }
        if (ex.rateLimiter != null) {
            throw new IllegalStateException(this + " has a rate limiter, whose buckets and timers belong to its loop:"
                    + " remove it (setRateLimiter(null)) before moving, and set one on the new loop");
        }
        if (ex.moving != null) {
            throw new IllegalStateException(this + " is already moving to another loop; wait for that move's future");
        }
        checkMovable();
        CompletableFuture<BufferEvent> done = new CompletableFuture<>();
        x().moving = done;
        suspendRead(SUSPEND_MOVE);
        suspendWrite(SUSPEND_MOVE);
        dropBaseEvents();
        // handed over from a task of the old loop, never from inside the engine's handler or the user's callback
        // that called moveTo: the rest of that call stack still runs on this thread, as the BufferEvent's owner
        detachEngine(() -> from.execute(() -> handOver(target, done)));
        return done;
    }

    /** The engine is idle on the old loop (its thread): from now on the BufferEvent belongs to {@code target}. */
    private void handOver(EventBase target, CompletableFuture<BufferEvent> done) {
        if (closed) {
            return; // closeNow completed the future
        }
        dropBaseEvents(); // again: callbacks run while the engine went idle may have made some
        base = target;
        // an owner action, not a task: a task still queued when target's loop stops for good is dropped by its
        // close(), which would leave this BufferEvent on no loop, its future never completed and its socket open;
        // an owner action runs at that close (or at once if target is closed already) and releases it instead
        target.runAsOwner(() -> {
            if (target.isClosed()) {
                closeNow(); // nobody can run it any more: release it (the base is closed, so any thread may)
            } else {
                arrive(done);
            }
        });
    }

    /**
     * Closes the timers and the deferred-callback event, events of the base being left (pending deferred callbacks
     * stay recorded); {@link #arrive} makes them again on the new one.
     */
    private void dropBaseEvents() {
        if (ex.readTimer != null) {
            ex.readTimer.close();
            x().readTimer = null;
        }
        if (ex.writeTimer != null) {
            ex.writeTimer.close();
            x().writeTimer = null;
        }
        if (ex.deferEvent != null) {
            ex.deferEvent.close();
            x().deferEvent = null;
        }
    }

    /** On {@code base}, the new loop: the engine watches the socket here, and what was suspended for the move resumes. */
    private void arrive(CompletableFuture<BufferEvent> done) {
        if (closed) {
            return;
        }
        attachEngine();
        if (ex.readTimeout != null) {
            x().readTimeout = base.commonTimeout(ex.readTimeout.duration());
            x().readTimer = base.newTimer(plumbing(() -> timedOut(Ev.READ)));
        }
        if (ex.writeTimeout != null) {
            x().writeTimeout = base.commonTimeout(ex.writeTimeout.duration());
            x().writeTimer = base.newTimer(plumbing(() -> timedOut(Ev.WRITE)));
        }
        x().moving = null;
        unsuspendRead(SUSPEND_MOVE);
        unsuspendWrite(SUSPEND_MOVE);
        armReadTimer();
        armWriteTimer(true);
        if (ex.deferredPending != 0) {
            defer(ex.deferredPending);
        }
        if (!closed && (enabled & Ev.READ) != 0 && input.length() > 0 && input.length() >= ex.readLow) {
            fireRead(); // bytes that arrived before the move: no new read would announce them
        }
        done.complete(this);
    }

    /**
     * Whether {@link #close()} has run. Any thread.
     *
     * @return true once {@link #close()} has taken effect; a close queued from another thread counts once it has run
     */
    public final boolean isClosed() {
        return closed;
    }

    // ------------------------------------------------------------------------ for engines, filters, limiters

    /**
     * Whether reading is enabled and not suspended.
     *
     * @return true when this BufferEvent is open, reading is enabled and no suspend reason holds it back
     */
    protected final boolean readWanted() {
        return !closed && (enabled & Ev.READ) != 0 && readSuspended == 0;
    }

    /**
     * Whether writing is enabled and not suspended.
     *
     * @return true when this BufferEvent is open, writing is enabled and no suspend reason holds it back
     */
    protected final boolean writeWanted() {
        return !closed && (enabled & Ev.WRITE) != 0 && writeSuspended == 0;
    }

    /**
     * Holds reading back for {@code reason} (a {@code SUSPEND_*} bit) until {@link #unsuspendRead}; for rate
     * limiters and filters. Loop thread.
     *
     * @param reason one or more {@code SUSPEND_*} bits
     */
    public final void suspendRead(int reason) {
        boolean before = readWanted();
        readSuspended |= reason;
        readStateChanged(before);
    }

    /**
     * Lifts a {@link #suspendRead} reason. Loop thread.
     *
     * @param reason the {@code SUSPEND_*} bits to lift; other reasons keep holding reading back
     */
    public final void unsuspendRead(int reason) {
        boolean before = readWanted();
        readSuspended &= ~reason;
        readStateChanged(before);
    }

    /**
     * Holds writing back for {@code reason} until {@link #unsuspendWrite}. Loop thread.
     *
     * @param reason one or more {@code SUSPEND_*} bits
     */
    public final void suspendWrite(int reason) {
        boolean before = writeWanted();
        writeSuspended |= reason;
        writeStateChanged(before);
    }

    /**
     * Lifts a {@link #suspendWrite} reason. Loop thread.
     *
     * @param reason the {@code SUSPEND_*} bits to lift; other reasons keep holding writing back
     */
    public final void unsuspendWrite(int reason) {
        boolean before = writeWanted();
        writeSuspended &= ~reason;
        writeStateChanged(before);
    }

    /**
     * The suspend reasons now holding reading back.
     *
     * @return the {@code SUSPEND_*} bits, 0 when reading is not suspended
     */
    public final int readSuspendReasons() {
        return readSuspended;
    }

    /**
     * How many bytes the engine may read now: the room under the read high watermark (or {@code max}), and
     * never more than {@code max}. 0 means none: the engine must not read.
     *
     * @param max the most the engine can take in this read (the room in its buffer)
     * @return bytes to read at most, between 0 and {@code max}; also within the rate limiter's quota
     */
    protected final long readAllowance(long max) {
        long room = ex.readHigh > 0 ? ex.readHigh - input.length() : max;
        return Math.max(0, Math.min(room, Math.min(max, rateLimitReadQuota())));
    }

    /**
     * Sets (or, with null, removes) what meters this BufferEvent's bytes; the previous limiter is told it was
     * {@linkplain RateLimiter#detached detached} and any bandwidth suspension it left is lifted. Usually called
     * through {@code io.jevent.filter.RateLimits.set(bev, cfg)} or {@code RateLimitGroup.add(bev)}. Loop thread.
     *
     * @param limiter the new limiter, or null for none
     */
    public final void setRateLimiter(RateLimiter limiter) {
        requireLoop();
        RateLimiter old = ex.rateLimiter;
        if (old == limiter) {
            return;
        }
        x().rateLimiter = limiter;
        if (old != null) {
            old.detached(this);
        }
        if (limiter == null) {
            unsuspendRead(SUSPEND_BANDWIDTH | SUSPEND_GROUP);
            unsuspendWrite(SUSPEND_BANDWIDTH | SUSPEND_GROUP);
        }
    }

    /**
     * The limiter set by {@link #setRateLimiter}, or null.
     *
     * @return the limiter, or null when none is set
     */
    public final RateLimiter rateLimiter() {
        return ex.rateLimiter;
    }

    /**
     * The suspend reasons now holding writing back.
     *
     * @return the {@code SUSPEND_*} bits, 0 when writing is not suspended
     */
    public final int writeSuspendReasons() {
        return writeSuspended;
    }

    /**
     * Bytes the rate limiter lets us read now; {@code Long.MAX_VALUE} when none is set.
     *
     * @return the quota in bytes, {@code >= 0}
     */
    protected long rateLimitReadQuota() {
        return ex.rateLimiter == null ? Long.MAX_VALUE : ex.rateLimiter.readQuota(this);
    }

    /**
     * Bytes the rate limiter lets us write now; {@code Long.MAX_VALUE} when none is set.
     *
     * @return the quota in bytes, {@code >= 0}
     */
    protected long rateLimitWriteQuota() {
        return ex.rateLimiter == null ? Long.MAX_VALUE : ex.rateLimiter.writeQuota(this);
    }

    /**
     * The engine appended {@code n > 0} bytes to the input: restarts the read timeout, applies the read
     * watermarks and runs the read callback when due. Call it last in the engine's handler (the callback may close
     * this BufferEvent).
     *
     * @param n how many bytes were appended to the input
     */
    protected final void readDone(long n) {
        if (closed) {
            return;
        }
        armReadTimer();
        readProgress(n);
        if (!fillFromInput()) {
            checkReadWatermark(); // the input was moved into the caller's buffer: reading may resume
            return;
        }
        if (closed) {
            return;
        }
        checkReadWatermark();
        if (input.length() >= ex.readLow && input.length() > 0) {
            fireRead();
        }
    }

    /**
     * The engine moved {@code n >= 0} bytes out of the output: a transport sent them (a socket, a pair end), a
     * layer handed them to the BufferEvent below it. Bytes leaving a transport are progress: its write timeout and
     * that of every layer over it restart (or stop, once nothing is pending). Bytes a layer hands down are not:
     * they still wait below, and its timeout keeps running. Then runs the write callback when the output is at or
     * under the write low watermark. Call it last in the engine's handler.
     *
     * @param n how many bytes left the output
     */
    protected final void writeDone(long n) {
        if (closed) {
            return;
        }
        writeProgress(n);
        if (n > 0 && below == null) {
            sent();
        } else {
            armWriteTimer(false);
        }
        if (output.length() <= ex.writeLow) {
            fireWrite();
        }
    }

    /**
     * Hook for rate limiters: {@code n} bytes were read; tells the {@link RateLimiter}.
     *
     * @param n how many bytes were read
     */
    protected void readProgress(long n) {
        if (ex.rateLimiter != null) {
            ex.rateLimiter.read(this, n);
        }
    }

    /**
     * Hook for rate limiters: {@code n} bytes were written; tells the {@link RateLimiter}.
     *
     * @param n how many bytes were written
     */
    protected void writeProgress(long n) {
        if (ex.rateLimiter != null) {
            ex.rateLimiter.wrote(this, n);
        }
    }

    /**
     * Reports an event to the user. An EOF, ERROR or TIMEOUT disables its direction first (libevent does the
     * same), so a dead connection does not spin the loop.
     *
     * @param reasons {@link BevEvent} bits
     * @param cause what failed, for {@link BevEvent#ERROR} (never null then); otherwise null
     */
    protected final void fireEvent(int reasons, Throwable cause) {
        if (closed) {
            return;
        }
        BevFutures fu = ex.futures;
        if (fu != null) {
            fu.onEvent(reasons, cause); // recorded now, completed after the callbacks (see BevFutures)
        }
        CallerBuffer f = ex.fill;
        if (f != null && f.pending() && endsReading(reasons)) {
            endFill(reasons, cause); // reading ended before the caller's buffer was full
            if (closed) {
                return;
            }
        }
        if ((reasons & (BevEvent.EOF | BevEvent.ERROR | BevEvent.TIMEOUT)) != 0) {
            ended(reasons, cause);
            int dirs = 0;
            if ((reasons & BevEvent.READING) != 0) {
                dirs |= Ev.READ;
            }
            if ((reasons & BevEvent.WRITING) != 0) {
                dirs |= Ev.WRITE;
            }
            if (dirs == 0 && (reasons & BevEvent.ERROR) != 0) {
                dirs = Ev.READ | Ev.WRITE;
            }
            setEnabled(enabled & ~dirs);
        }
        if ((options & BevOption.DEFER_CALLBACKS) != 0) {
            if ((reasons & BevEvent.CONNECTED) != 0) {
                // the connect (or handshake) happened before whatever read or write it made possible: delivered
                // first and never merged with a later EOF or ERROR (libevent does the same)
                reasons &= ~BevEvent.CONNECTED;
                defer(DEFERRED_CONNECTED);
                if (reasons == 0) {
                    return;
                }
            }
            x().deferredReasons |= reasons;
            if (cause != null && ex.deferredCause == null) {
                x().deferredCause = cause;
            }
            defer(DEFERRED_EVENT);
        } else if (eventCallback != null) {
            lastCallback = eventCallback;
            eventCallback.onEvent(this, reasons, cause);
        }
    }

    /**
     * The engine should start moving bytes for the directions now wanted or stop for those no longer wanted.
     *
     * @param wanted true when reading became wanted, false when it no longer is
     */
    protected abstract void readInterestChanged(boolean wanted);

    /**
     * Writing became wanted (then the engine sends any pending output) or unwanted.
     *
     * @param wanted true when writing became wanted, false when it no longer is
     */
    protected abstract void writeInterestChanged(boolean wanted);

    /** Bytes were added to the output while writing is wanted. */
    protected abstract void outputReady();

    /** Releases the engine's resources; with CLOSE_ON_FREE, closes what it wraps. */
    protected abstract void closeEngine();

    /**
     * An EOF, ERROR or TIMEOUT is being reported ({@code reasons}, with {@code cause} for an ERROR): a socket
     * BufferEvent remembers the first, which its Flight Recorder ConnectionClose event names. Loop thread.
     */
    void ended(int reasons, Throwable cause) {
    }

    /**
     * This BufferEvent's own read or write timeout ({@link #setTimeouts}) fired; the event callback hears of it right
     * after. Not called for a TIMEOUT a layer passes up from the BufferEvent below. For an engine whose state a
     * timeout concerns (a TLS handshake still running); the default does nothing. Loop thread.
     *
     * @param reasons {@code READING|TIMEOUT} or {@code WRITING|TIMEOUT}
     */
    protected void timeoutFired(int reasons) {
    }

    /**
     * {@code n} bytes were removed from the front of the output, by anyone (the engine after a write, the user, a
     * layer moving them). For an engine that lends the output's front to a write in flight; the default does nothing.
     *
     * @param n how many bytes left the front of the output
     */
    protected void outputRemoved(long n) {
    }

    /**
     * Refuses a {@link #moveTo} this engine cannot do now (throws saying why); the default refuses every move, for
     * engines that cannot move.
     *
     * @throws UnsupportedOperationException or {@link IllegalStateException}: the move is refused
     */
    protected void checkMovable() {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot move to another loop; only"
                + " socket BufferEvents can");
    }

    /**
     * Stops the engine on the old loop for {@link #moveTo} (reading and writing are suspended already): drops what
     * belongs to the old base and, once no operation is in flight, runs {@code whenIdle} on the old loop's thread.
     *
     * @param whenIdle hands the BufferEvent over; run it exactly once, unless the BufferEvent closes first
     */
    protected void detachEngine(Runnable whenIdle) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot move to another loop");
    }

    /** Starts the engine on {@link #base}, the new loop, after {@link #moveTo}; runs on its thread. */
    protected void attachEngine() {
    }

    /**
     * Pushes data through for {@link #flush}; the default does nothing (a socket sends as fast as it can).
     *
     * @param what {@code Ev.READ}, {@code Ev.WRITE} or both, as given to {@link #flush}
     * @param mode the mode given to {@link #flush}
     */
    protected void flushEngine(int what, FlushMode mode) {
    }

    /**
     * Declares this BufferEvent a layer over {@code underlying} (a filter, TLS), which it moves its output into.
     * The two are linked for the write timeout: this layer's timeout then runs while bytes written through it are
     * still held anywhere below ({@link #outputPending}), and restarts when bytes leave the bottom of the chain;
     * this layer's own {@link #writeDone} (bytes handed down) does not restart it. Undone by {@link #close()}.
     * Loop thread.
     *
     * @param underlying the BufferEvent below, which receives this one's output
     */
    protected final void layerOver(BufferEvent underlying) {
        requireLoop();
        below = underlying;
        underlying.above = this;
    }

    /**
     * Whether {@code b}, or a BufferEvent it is a {@linkplain #layerOver layer} over (and so on down the chain),
     * still holds output to send. Closed BufferEvents hold none. Loop thread.
     *
     * @param b the top of the chain to look at, or null
     * @return true if {@code b} or a BufferEvent below it still holds output
     */
    protected static boolean outputPending(BufferEvent b) {
        for (BufferEvent x = b; x != null && !x.closed; x = x.below) {
            if (x.output.length() > 0) {
                return true;
            }
        }
        return false;
    }

    /** Throws unless on the loop thread; for methods that touch the buffers. */
    protected final void requireLoop() {
        if (!base.inLoopThread()) {
            throw new IllegalStateException("this BufferEvent method must be called on its loop thread ("
                    + "calling thread: " + Thread.currentThread().getName() + "); hand it over with base.execute()");
        }
    }

    /**
     * Runs {@code r} as the base's owner: now if the calling thread owns the base (so that {@code r} cannot
     * interleave with a loop starting elsewhere) or the base is closed (then any thread may release what is left),
     * queued if THREADSAFE, else an IllegalStateException. With THREADSAFE, an owner's {@code r} runs after the
     * calls other threads queued before it ({@link StrangerCalls#call}).
     *
     * @param r what to run as the owner
     */
    protected final void onLoop(Runnable r) {
        if (strangers != null) {
            // in order, following the BufferEvent if it moves; never dropped by a closing base; and an owner's call
            // acts only after the calls queued before it (its own among them, queued before the BufferEvent moved)
            strangers.call(r);
        } else if (!base.runIfOwner(r)) {
            throw new IllegalStateException("BufferEvent used from thread " + Thread.currentThread().getName()
                    + ", not its loop thread: make it with BevOption.THREADSAFE, or hand the call to the loop with"
                    + " base.execute()");
        }
    }

    // ------------------------------------------------------------------------------------------------ private

    /**
     * On the running loop of {@code b}, this BufferEvent's base, before an owner's call acts at once: the THREADSAFE
     * calls queued before it run first, so that a thread whose earlier call was queued (on the old loop, before a
     * {@link #moveTo}) and which now runs this loop does not overtake it. Nothing happens, nothing is allocated,
     * when none are queued.
     */
    private void catchUp(EventBase b) {
        if (strangers != null) {
            strangers.catchUp(b);
        }
    }

    /** Throws if closed: {@code what} would be dropped silently, as libevent does. */
    private void checkOpen(String what) {
        if (closed) {
            throw new IllegalStateException(what + " on a closed BufferEvent (" + this + "): it has dropped its"
                    + " buffers and stopped; check isClosed() first, or stop using it once you close it");
        }
    }

    private void addUnlessClosed(byte[] copy) {
        if (!closed) {
            output.add(copy);
        }
    }

    private static void checkDirections(int what) {
        if (what == 0 || (what & ~(Ev.READ | Ev.WRITE)) != 0) {
            throw new IllegalArgumentException("expected Ev.READ, Ev.WRITE or both, got " + Ev.toString(what));
        }
    }

    private static Duration positive(Duration d, String which) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("expected a positive " + which + " timeout or null for none, got " + d);
        }
        return d;
    }

    private void setEnabled(int now) {
        boolean readBefore = readWanted();
        boolean writeBefore = writeWanted();
        enabled = now;
        readStateChanged(readBefore);
        writeStateChanged(writeBefore);
    }

    private void readStateChanged(boolean before) {
        boolean now = readWanted();
        if (now != before) {
            readInterestChanged(now);
            armReadTimer();
        }
    }

    private void writeStateChanged(boolean before) {
        boolean now = writeWanted();
        if (now != before) {
            writeInterestChanged(now);
            armWriteTimer(true);
        }
    }

    private void checkReadWatermark() {
        if (ex.readHigh > 0 && input.length() >= ex.readHigh) {
            if ((readSuspended & SUSPEND_WM) == 0) {
                if (ex.inputWatch == null) {
                    x().inputWatch = input.addCallback((b, orig, added, deleted) -> {
                        if (deleted > 0) {
                            checkReadWatermark();
                        }
                    });
                }
                ex.inputWatch.setEnabled(true);
                suspendRead(SUSPEND_WM);
            }
        } else if ((readSuspended & SUSPEND_WM) != 0) {
            if (ex.inputWatch != null) {
                ex.inputWatch.setEnabled(false);
            }
            unsuspendRead(SUSPEND_WM);
        }
    }

    /**
     * The owner hook of both buffers (called after every change): refuses changes from other threads and additions
     * to a closed output; for the output, starts sending and updates writability.
     */
    private void bufferChanged(EvBuffer b, long orig, long added, long deleted) {
        if (!base.inLoopThread()) {
            throw new IllegalStateException("the " + (b == output ? "output" : "input") + " buffer of " + this
                    + " was changed from thread " + Thread.currentThread().getName() + ", not its loop thread;"
                    + " buffers are never thread-safe: from other threads use write(byte[]) on a BufferEvent made"
                    + " with BevOption.THREADSAFE, or hand the work to the loop with base.execute()");
        }
        if (b != output) {
            return;
        }
        if (deleted > 0) {
            outputRemoved(deleted);
            BevFutures f = ex.futures;
            if (f != null) {
                f.outputRemoved(deleted);
            }
        }
        if (closed) {
            if (added > 0) {
                b.drain(b.length()); // give the memory back: they will never be sent
                throw new IllegalStateException("added " + added + " bytes to the output of a closed BufferEvent ("
                        + this + "); they were dropped: check isClosed() first");
            }
            return;
        }
        if (added > 0 && writeWanted()) {
            armWriteTimer(false); // starts it if it is not running; adding is not progress
            outputReady();
        } else if (deleted > 0 && output.length() == 0 && !closed) {
            armWriteTimer(false); // emptied (by the user, say): stops it unless bytes still wait below
        }
        updateWritability();
    }

    private void updateWritability() {
        if (closed) {
            return;
        }
        boolean was = unwritable;
        if (ex.writeHigh <= 0) {
            unwritable = false;
        } else if (!unwritable && output.length() > ex.writeHigh) {
            unwritable = true;
        } else if (unwritable && output.length() <= ex.writeLow) {
            unwritable = false;
        }
        if (was != unwritable && ex.writabilityCallback != null) {
            if ((options & BevOption.DEFER_CALLBACKS) != 0) {
                defer(DEFERRED_WRITABILITY);
            } else {
                lastCallback = ex.writabilityCallback;
                ex.writabilityCallback.onWritabilityChanged(this, !unwritable);
            }
        }
    }

    private void armReadTimer() {
        if (ex.readTimer == null) {
            return;
        }
        if (ex.readTimeout != null && readWanted()) {
            ex.readTimer.add(ex.readTimeout);
        } else {
            ex.readTimer.remove();
        }
    }

    /**
     * Bytes left this transport, the bottom of its chain: this BufferEvent and each layer up from here restart
     * their write timers (or stop them, everything sent).
     */
    private void sent() {
        for (BufferEvent b = this; b != null && !b.closed; b = b.above) {
            b.armWriteTimer(true);
        }
    }

    /**
     * The write timeout runs while writing is wanted and output is {@linkplain #outputPending pending}, else it is
     * stopped. {@code restart}: on progress (bytes sent), a change of settings or of what is wanted, it starts over;
     * otherwise (bytes added, or handed to a layer below) it starts only if it is not already running, as libevent
     * arms it when output becomes pending. So a producer adding to a connection whose peer stopped reading is timed
     * out: its adds never push the deadline back.
     */
    private void armWriteTimer(boolean restart) {
        Event t = ex.writeTimer;
        if (t == null) {
            return;
        }
        if (ex.writeTimeout != null && writeWanted() && outputPending(this)) {
            if (restart || !t.isPending()) {
                t.add(ex.writeTimeout);
            }
        } else {
            t.remove();
        }
    }

    private void timedOut(int direction) {
        int reasons = (direction == Ev.READ ? BevEvent.READING : BevEvent.WRITING) | BevEvent.TIMEOUT;
        timeoutFired(reasons);
        fireEvent(reasons, null);
    }

    /**
     * Wraps {@code body}, a piece of this BufferEvent's own plumbing that an event of its base runs (a timer, the
     * deferred-callback event, a layer's pump), so that when it runs long the stall detector and the Flight
     * Recorder's {@code io.jevent.SlowCallback} name the user callback it ran, not the library's class. Costs one
     * field write per run.
     *
     * @param body what the event runs, on the loop thread
     * @return the event callback to give the base
     */
    protected final io.jevent.EventCallback plumbing(Runnable body) {
        return new Plumbing(this, body);
    }

    /**
     * An event callback of the library's that runs user callbacks of a BufferEvent and says which it ran last
     * (the callback class the stall detector and SlowCallback report). Subclassed by a driver whose callback needs
     * the event.
     */
    static class Plumbing implements io.jevent.EventCallback, AttributedCallback {
        final BufferEvent bev;
        private final Runnable body;

        Plumbing(BufferEvent bev, Runnable body) {
            this.bev = bev;
            this.body = body;
        }

        @Override
        public void onEvent(Event event, int what) {
            bev.lastCallback = null;
            body.run();
        }

        @Override
        public final Object userCallback() {
            return bev.lastCallback;
        }
    }

    private void fireRead() {
        if ((options & BevOption.DEFER_CALLBACKS) != 0) {
            defer(DEFERRED_READ);
        } else if (readCallback != null) {
            lastCallback = readCallback;
            readCallback.onData(this);
        }
    }

    private void fireWrite() {
        if ((options & BevOption.DEFER_CALLBACKS) != 0) {
            defer(DEFERRED_WRITE);
        } else if (writeCallback != null) {
            lastCallback = writeCallback;
            writeCallback.onData(this);
        }
    }

    private void defer(int what) {
        x().deferredPending |= what;
        if (ex.deferEvent == null) {
            x().deferEvent = base.newUserEvent(plumbing(this::runDeferred));
        }
        ex.deferEvent.activate(Ev.READ);
    }

    /**
     * Runs what {@link #defer} collected, in this order: CONNECTED (on its own), read, write, writability, then
     * the other events merged into one call (their reasons or-ed, the first cause kept), then the futures. Stops as
     * soon as a callback closes this BufferEvent. A callback that throws does not stop the others: what was collected with it
     * (an EOF that came with the bytes a read callback rejected) is still delivered, and the first exception is
     * then rethrown to the base's error handler, the others added to it as suppressed. Documented in
     * docs/bufferevent.md.
     */
    private void runDeferred() {
        int pending = ex.deferredPending;
        x().deferredPending = 0;
        if (closed) {
            return;
        }
        RuntimeException failure = null;
        if ((pending & DEFERRED_CONNECTED) != 0 && eventCallback != null) {
            try {
                lastCallback = eventCallback;
                eventCallback.onEvent(this, BevEvent.CONNECTED, null);
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        if ((pending & DEFERRED_READ) != 0 && !closed && readCallback != null && input.length() >= ex.readLow) {
            try {
                lastCallback = readCallback;
                readCallback.onData(this);
            } catch (RuntimeException e) {
                failure = firstOf(failure, e);
            }
        }
        if ((pending & DEFERRED_WRITE) != 0 && writeCallback != null && !closed) {
            try {
                lastCallback = writeCallback;
                writeCallback.onData(this);
            } catch (RuntimeException e) {
                failure = firstOf(failure, e);
            }
        }
        if ((pending & DEFERRED_WRITABILITY) != 0 && ex.writabilityCallback != null && !closed) {
            try {
                lastCallback = ex.writabilityCallback;
                ex.writabilityCallback.onWritabilityChanged(this, !unwritable);
            } catch (RuntimeException e) {
                failure = firstOf(failure, e);
            }
        }
        if ((pending & DEFERRED_EVENT) != 0 && !closed) {
            int reasons = ex.deferredReasons;
            Throwable cause = ex.deferredCause;
            x().deferredReasons = 0;
            x().deferredCause = null;
            if (eventCallback != null && reasons != 0) { // 0: already delivered by a run a callback re-entered
                try {
                    lastCallback = eventCallback;
                    eventCallback.onEvent(this, reasons, cause);
                } catch (RuntimeException e) {
                    failure = firstOf(failure, e);
                }
            }
        }
        if ((pending & DEFERRED_FUTURES) != 0 && !closed) {
            ex.futures.settle(); // last: the futures complete after the callbacks (a dependent's throw stays its own)
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static RuntimeException firstOf(RuntimeException first, RuntimeException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    private void closeNow() {
        if (closed) {
            return;
        }
        CompletableFuture<BufferEvent> move = ex.moving;
        if (move != null) {
            x().moving = null;
            move.completeExceptionally(new IllegalStateException(this + " was closed before its move finished"));
        }
        boolean readBefore = readWanted();
        boolean writeBefore = writeWanted();
        closed = true;
        if (below != null && below.above == this) {
            below.above = null; // what stays below (given back, or lingering) owes this layer nothing now
        }
        if (readBefore) {
            readInterestChanged(false);
        }
        if (writeBefore) {
            writeInterestChanged(false);
        }
        if (ex.readTimer != null) {
            ex.readTimer.close();
        }
        if (ex.writeTimer != null) {
            ex.writeTimer.close();
        }
        if (ex.deferEvent != null) {
            ex.deferEvent.close();
        }
        if (ex.rateLimiter != null) {
            RateLimiter l = ex.rateLimiter;
            x().rateLimiter = null;
            l.detached(this);
        }
        if (ex.fill != null) {
            ex.fill.clear(); // a pending readInto is dropped without a callback
        }
        closeEngine();
        input.drain(input.length());
        output.drain(output.length());
        BevFutures f = ex.futures;
        if (f != null) {
            f.closed(); // last: dependents see a closed BufferEvent
        }
    }
}
