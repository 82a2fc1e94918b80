package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.InFlightWork;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A local file, or any blocking {@link InputStream} or {@link ReadableByteChannel}, as a read-only BufferEvent: it
 * looks like a connection whose peer sends the file and then closes. Bytes arrive in {@link #input()}, with the same
 * read callback, read watermarks, read timeout, rate limits, {@link #readInto} and end of stream
 * ({@code READING|EOF}) as a socket; a read failure is a {@code READING|ERROR} event carrying the
 * {@link IOException}. Dillo's rule holds: the loop thread never blocks on the file.
 *
 * <p><b>How.</b> Reads run on a helper {@link Executor} (by default a small shared pool of daemon threads,
 * {@code jevent.file.threads}, default 4), one chunk at a time: a helper fills up to {@code jevent.file.chunk} bytes
 * (default 64 KiB, never past the room under the read high watermark nor what a rate limit allows) into pooled
 * segments reserved in a staging buffer of this BufferEvent, then hands them to the loop thread, where they are moved
 * into the input without a copy ({@link EvBuffer#addBuffer}). The next chunk is asked for only then, and only while
 * reading is enabled and not suspended: read-ahead is one chunk, so disabling READ or reaching the high watermark
 * stops reading the file, and a large file is never held in memory whole. A read in flight keeps
 * {@link EventBase#dispatch()} running ({@link InFlightWork}).
 *
 * <p><b>Close.</b> {@link #close()} stops asking for chunks and releases the input; the source is closed (on a
 * closing thread, since closing a stream may block, never queued behind reads) with {@link BevOption#CLOSE_ON_FREE},
 * or once reading ends if the source was opened here ({@link #open}). A chunk in flight at close no longer keeps the
 * loop waiting: its helper drops it when the read ends. Closing the source wakes a read blocked on a channel that
 * closing interrupts (a pipe, a socket); a stream that ignores close keeps its helper thread until its read returns,
 * so give endless streams an executor of their own rather than the shared pool.
 *
 * <p><b>Writing.</b> There is no peer to write to: bytes added to the output are dropped and reported as a
 * {@code WRITING|ERROR} event.
 *
 * <p><b>On a completion engine</b> (io_uring) reads run on the helper threads too; posting file reads to the engine
 * (IORING_OP_READ into the staging segments, with the same one-chunk read-ahead) would take the helper thread out,
 * and is not done.
 */
public final class FileBufferEvent extends BufferEvent {
    private static final Logger log = LoggerFactory.getLogger(FileBufferEvent.class);
    /** Most bytes one helper read hands to the loop. */
    static final int CHUNK = Math.max(1024, Integer.getInteger("jevent.file.chunk", 64 * 1024));
    static final int THREADS = Math.max(1, Integer.getInteger("jevent.file.threads", 4));
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final ExecutorService POOL = pool();
    /**
     * Closes sources: never the read pool, where a close could queue behind the very reads it is meant to wake. Its
     * threads are made on demand and end after a few idle seconds.
     */
    private static final ExecutorService CLOSER = closer();
    /** At most this many vectors per chunk; a segment is 16 KiB or more, so 64 covers any sensible chunk. */
    private static final int MAX_VECS = 64;

    static {
        log.debug("jevent.file.chunk = {}, jevent.file.threads = {}", CHUNK, THREADS);
    }

    /** Opens the source, on a helper thread. */
    @FunctionalInterface
    private interface Opener {
        ReadableByteChannel open() throws IOException;
    }

    private final Executor executor;
    private final String name;
    /** Opens the source on the first read; null once opened (or for a source given open). */
    private Opener opener;
    /** The source; written on the helper thread by the first read, read on the loop after the hand-off. */
    private volatile ReadableByteChannel source;
    /** Whether this BufferEvent opened the source (and so closes it whatever the options). */
    private final boolean ownsSource;
    /** Where a helper reads a chunk; owned by the helper while {@link #inFlight}, by the loop otherwise. */
    private final EvBuffer staging = new EvBuffer();
    /** The helper's views of the reserved space; only touched by the helper during a read. */
    private final ByteBuffer[] vecs = new ByteBuffer[MAX_VECS];
    /** A chunk is being read on a helper thread. Loop thread. */
    private boolean inFlight;
    /**
     * The work of the chunk in flight until one side claims it: the helper, to hand the chunk to the loop; or
     * {@link #close()}, which finishes it so the loop stops waiting for a read that may never end, and leaves the
     * staging buffer and (when due) the source's close to the helper.
     */
    private final AtomicReference<InFlightWork> pending = new AtomicReference<>();
    /** The source ended or failed: no more chunks. Loop thread. */
    private boolean done;
    /** Why the source failed, or null if it ended (or has not). Loop thread. */
    private Throwable endCause;
    /** Reports the end again when reading is enabled after it, as a socket's next read would; made on first use. */
    private Event endAgain;
    /** The source was closed (or its closing was handed to a helper). Loop thread. */
    private boolean sourceClosed;

    private FileBufferEvent(EventBase base, Opener opener, ReadableByteChannel source, boolean owns, Executor executor,
            int options, String name) {
        super(base, options);
        this.opener = opener;
        this.source = source;
        this.ownsSource = owns;
        this.executor = executor == null ? POOL : executor;
        this.name = name;
    }

    /**
     * A BufferEvent that reads the file at {@code path}. The file is opened on a helper thread at the first read, so
     * a missing or unreadable file is a {@code READING|ERROR} event (with the {@link java.nio.file.NoSuchFileException}
     * or other cause), not an exception here; it is closed when reading ends or this BufferEvent closes. Reading
     * starts disabled, as on a socket: {@code enable(Ev.READ)}.
     *
     * @param base the loop the callbacks run on
     * @param path the file to read
     * @param options {@link BevOption} bits
     * @return the BufferEvent, reading disabled
     */
    public static FileBufferEvent open(EventBase base, Path path, int options) {
        Objects.requireNonNull(path, "path");
        return new FileBufferEvent(base, () -> FileChannel.open(path, StandardOpenOption.READ), null, true, null,
                options, path.toString());
    }

    /**
     * A BufferEvent that reads {@code in}, a blocking stream, on {@code executor} (null: the shared pool). The stream
     * is closed on a helper thread when this BufferEvent closes, if {@code options} has
     * {@link BevOption#CLOSE_ON_FREE}.
     *
     * @param base the loop the callbacks run on
     * @param in the stream to read; read on {@code executor} only
     * @param executor where reads run; null for the shared pool
     * @param options {@link BevOption} bits
     * @return the BufferEvent, reading disabled
     */
    public static FileBufferEvent fromStream(EventBase base, InputStream in, Executor executor, int options) {
        Objects.requireNonNull(in, "in");
        return new FileBufferEvent(base, null, Channels.newChannel(in), false, executor, options, in.toString());
    }

    /**
     * A BufferEvent that reads {@code channel} (a {@link FileChannel}, from its position; or any blocking channel) on
     * {@code executor} (null: the shared pool); closed when this BufferEvent closes with
     * {@link BevOption#CLOSE_ON_FREE}.
     *
     * @param base the loop the callbacks run on
     * @param channel a blocking channel
     * @param executor where reads run; null for the shared pool
     * @param options {@link BevOption} bits
     * @return the BufferEvent, reading disabled
     * @throws IllegalArgumentException if {@code channel} is a non-blocking {@link SelectableChannel}
     */
    public static FileBufferEvent fromChannel(EventBase base, ReadableByteChannel channel, Executor executor,
            int options) {
        Objects.requireNonNull(channel, "channel");
        if (channel instanceof SelectableChannel && !((SelectableChannel) channel).isBlocking()) {
            // its read answers 0 when nothing is there, and a helper would ask again at once, for ever
            throw new IllegalArgumentException("expected a blocking channel, got a non-blocking " + channel
                    + ": configureBlocking(true) first, or wrap the socket in a SocketBufferEvent instead");
        }
        return new FileBufferEvent(base, null, channel, false, executor, options, channel.toString());
    }

    private static ExecutorService closer() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "jevent-file-close-" + SEQ.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        return p;
    }

    private static ExecutorService pool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "jevent-file-" + SEQ.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** No handle: a file is not a socket of the base's kind. */
    @Override
    public Handle handle() {
        return null;
    }

    @Override
    protected void readInterestChanged(boolean wanted) {
        if (wanted) {
            requestChunk();
        }
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        if (wanted) {
            outputReady();
        }
    }

    @Override
    protected void outputReady() {
        long n = output.length();
        if (n > 0) {
            output.drain(n);
            fireEvent(BevEvent.WRITING | BevEvent.ERROR, new IOException("a file BufferEvent (" + name
                    + ") is read-only: " + n + " bytes added to its output were dropped"));
        }
    }

    /** Asks a helper for the next chunk, unless one is in flight, the source ended, or reading is not wanted. */
    private void requestChunk() {
        if (inFlight || isClosed() || !readWanted()) {
            return;
        }
        if (done) {
            // reading again after the end: a socket would read the end again, so a readInto asked now ends too
            Event e = endAgain;
            if (e == null) {
                e = base.newUserEvent((ev, what) -> {
                    if (done && !isClosed() && readWanted()) {
                        fireEvent(BevEvent.READING | (endCause == null ? BevEvent.EOF : BevEvent.ERROR), endCause);
                    }
                });
                endAgain = e;
            }
            e.activate(Ev.READ);
            return;
        }
        long allowed = readAllowance(CHUNK);
        if (allowed <= 0) {
            return; // the watermark or rate limit suspension asks again when it lifts
        }
        inFlight = true;
        InFlightWork work = base.beginWork("read of " + name);
        pending.set(work);
        int max = (int) allowed;
        try {
            executor.execute(() -> readChunk(work, max));
        } catch (RuntimeException refused) {
            pending.set(null);
            work.finish(() -> chunkRead(-2, new IOException("reading " + name + " was refused by its executor: "
                    + refused, refused)));
        }
    }

    /** On a helper thread: reads up to {@code max} bytes into {@link #staging}, then hands them to the loop. */
    private void readChunk(InFlightWork work, int max) {
        long got = 0;
        Throwable failure = null;
        try {
            ReadableByteChannel ch = source;
            if (ch == null) {
                ch = opener.open();
                source = ch;
            }
            int k = staging.reserve(max, vecs);
            try {
                for (int i = 0; i < k && got < max; i++) {
                    ByteBuffer v = vecs[i];
                    if (v.remaining() > max - got) {
                        v.limit(v.position() + (int) (max - got));
                    }
                    int start = v.position();
                    int r = ch.read(v);
                    if (r < 0) {
                        if (got == 0) {
                            got = -1;
                        }
                        break;
                    }
                    got += v.position() - start;
                    if (v.hasRemaining()) {
                        break; // a short read: hand over what came; the stream may be slow
                    }
                }
            } finally {
                staging.commit(Math.max(0, got));
                java.util.Arrays.fill(vecs, 0, k, null);
            }
        } catch (IOException | RuntimeException e) {
            failure = e;
        } catch (Error e) {
            handOver(work, -2, e);
            throw e;
        }
        handOver(work, got, failure);
    }

    /** On the helper: gives the chunk to the loop, or drops it if this BufferEvent (or its base) closed meanwhile. */
    private void handOver(InFlightWork work, long n, Throwable failure) {
        if (pending.compareAndSet(work, null) && work.finish(() -> chunkRead(n, failure))) {
            return;
        }
        // closed while reading (close() claimed the work) or the base closed: nobody takes the chunk, and the source
        // is closed here if due (it may have been opened by this very read, after close() looked)
        staging.drain(staging.length());
        ReadableByteChannel ch = source;
        if (ch != null && (ownsSource || (options & BevOption.CLOSE_ON_FREE) != 0)) {
            CLOSER.execute(() -> closeQuietly(ch));
        }
    }

    /**
     * On the loop: a helper read {@code n} bytes into {@link #staging} ({@code -1}: end of stream), or failed.
     */
    private void chunkRead(long n, Throwable failure) {
        inFlight = false;
        if (isClosed()) {
            staging.drain(staging.length());
            closeSourceIfDue();
            return;
        }
        if (n > 0) {
            input.addBuffer(staging); // moves the segments: no copy
        }
        if (failure != null) {
            done = true;
            endCause = failure;
            closeSourceIfOwned();
            fireEvent(BevEvent.READING | BevEvent.ERROR, failure);
            return;
        }
        if (n < 0) {
            done = true;
            closeSourceIfOwned();
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
            return;
        }
        if (n > 0) {
            readDone(n);
        }
        requestChunk(); // a chunk of 0 bytes (a stream with nothing yet) asks again
    }

    @Override
    protected void closeEngine() {
        if (endAgain != null) {
            endAgain.close();
        }
        if (!inFlight) {
            closeSourceIfDue();
            staging.drain(staging.length());
            return;
        }
        InFlightWork w = pending.getAndSet(null);
        if (w != null) {
            // the read may never return (a pipe nobody writes to): the loop stops waiting for it now, and the helper
            // drops the chunk (staging is its own until then) when the read ends
            w.finish(() -> { });
        } // else the helper handed the chunk over already: chunkRead drops it on the loop
        closeSourceIfDue(); // wakes a read blocked on a channel (pipe, socket) that closing interrupts
    }

    private void closeSourceIfOwned() {
        if (ownsSource) {
            closeSource();
        }
    }

    private void closeSourceIfDue() {
        if (ownsSource || (options & BevOption.CLOSE_ON_FREE) != 0) {
            closeSource();
        }
    }

    /** Closes the source on a helper thread (closing a stream may block), once. Loop thread. */
    private void closeSource() {
        if (sourceClosed) {
            return;
        }
        sourceClosed = true;
        ReadableByteChannel ch = source;
        if (ch == null) {
            return; // never opened
        }
        CLOSER.execute(() -> closeQuietly(ch));
    }

    private void closeQuietly(ReadableByteChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            log.debug("closing {} failed", name, e);
        }
    }

    @Override
    public String toString() {
        return "FileBufferEvent[" + name + (done ? " ended" : "") + (isClosed() ? " closed" : "") + ", in "
                + input.length() + "]";
    }
}
