package io.jevent.buffer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;

/**
 * The process-wide pool of direct-memory {@link Segment}s, with a per-thread cache in front so that a loop thread
 * takes and returns segments without touching shared state (okio {@code SegmentPool}, with netty's thread caches).
 *
 * <p>Tunables, system properties read once when the class loads and logged at debug:
 * <ul>
 *   <li>{@code jevent.buffer.segmentSize}, default 16384. 16 KiB is the largest TLS record and libevent's
 *       default single read and write size ({@code MAX_SINGLE_READ_DEFAULT}), so one segment takes one record or
 *       one ordinary read, and four pages keep the syscall count low on bulk transfers. Lower it (down to 256) to
 *       save memory with many mostly-idle connections that each hold a few bytes.</li>
 *   <li>{@code jevent.buffer.poolMaxSegments}, default 1024 (16 MiB at the default size): the bound on segments
 *       kept by the shared pool. A segment returned when the pool is full is left to the GC, which frees its
 *       direct memory only when the heap is collected; a pool too small for the working set of busy connections
 *       therefore turns into churn of new direct buffers and high resident memory (seen: 1.1 GB RSS in the
 *       100-connection echo self-test with a 256-segment pool). Segments are never freed explicitly: a view handed
 *       out of one may still be alive (see {@link Segment#shares}).</li>
 *   <li>{@code jevent.buffer.threadCacheSegments}, default 64: the bound of each thread's cache. When it is full
 *       half of it moves to the shared pool in one locked step; when it is empty it refills half from there.</li>
 * </ul>
 *
 * <p>{@link #take} and {@link #recycle} allocate nothing while the caches hold segments; they allocate a direct
 * buffer only when both the thread cache and the shared pool are empty.
 *
 * <p><b>Out of direct memory.</b> {@link #take} throws the allocation's {@link OutOfMemoryError}. Reads on a peer's
 * behalf use {@link #tryTake} instead, which answers null. The JDK's reservation calls {@code System.gc()} and
 * sleeps, about half a second in all, before it gives up; so after a failed allocation {@link #tryTake} answers
 * null at once, without allocating, for a pause that doubles from 10 ms to 1 s while allocations keep failing and
 * starts again at 10 ms after one succeeds. Segments coming back to the pool are handed out meanwhile as usual.
 */
final class SegmentPool {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentPool.class);

    /** Bytes in every pooled segment. */
    static final int SEGMENT_SIZE = intProperty("jevent.buffer.segmentSize", 16384, 256, 1 << 24);
    /** Segments the shared pool keeps at most. */
    static final int MAX_POOLED = intProperty("jevent.buffer.poolMaxSegments", 1024, 0, Integer.MAX_VALUE);
    /** Segments each thread's cache keeps at most. */
    static final int THREAD_CACHE = intProperty("jevent.buffer.threadCacheSegments", 64, 2, 1 << 16);
    /** Most buffers handed to one scatter/gather call (Linux IOV_MAX is 1024; libevent uses 128 for writes). */
    static final int IOV_MAX = 128;

    private static final Object LOCK = new Object();
    /** Shared pool, a stack linked through {@link Segment#next}; guarded by LOCK. */
    private static Segment shared;
    /** Segments in {@link #shared}; guarded by LOCK. */
    private static int sharedCount;

    private static final long MIN_ALLOC_PAUSE_NANOS = 10_000_000L;
    private static final long MAX_ALLOC_PAUSE_NANOS = 1_000_000_000L;
    /** When {@link #tryTake} may allocate again after a failure (nanoTime); guarded by LOCK. */
    private static long allocPausedUntil;
    /** The next pause after a failure; guarded by LOCK. */
    private static long allocPauseNanos = MIN_ALLOC_PAUSE_NANOS;
    /** Whether the last allocation of {@link #tryTake} failed (read without the lock on the way to allocating). */
    private static volatile boolean allocFailing;

    private static final ThreadLocal<Local> LOCAL = ThreadLocal.withInitial(Local::new);

    static {
        LOG.debug("EvBuffer segments: jevent.buffer.segmentSize={} jevent.buffer.poolMaxSegments={}"
                + " jevent.buffer.threadCacheSegments={}", SEGMENT_SIZE, MAX_POOLED, THREAD_CACHE);
    }

    private SegmentPool() {
    }

    /** A thread's cache plus its scratch array for scatter/gather calls (so each call allocates nothing). */
    static final class Local {
        /** Cached segments, a stack linked through {@link Segment#next}. */
        Segment head;
        /** Segments in {@link #head}. */
        int count;
        /** Scratch vector for readFrom/writeTo; cleared after each call so it retains nothing. */
        final ByteBuffer[] iov = new ByteBuffer[IOV_MAX];
    }

    static Local local() {
        return LOCAL.get();
    }

    /** An empty pooled segment: {@code pos == limit == 0}. */
    static Segment take() {
        Local l = LOCAL.get();
        if (l.head == null) {
            refill(l);
        }
        Segment s = l.head;
        if (s == null) {
            return new Segment(ByteBuffer.allocateDirect(SEGMENT_SIZE), Segment.POOLED);
        }
        return pop(l, s);
    }

    /**
     * {@link #take}, or null when direct memory is exhausted: the allocation failed now, or failed recently and its
     * pause (see the class comment) has not run out. For reads on a peer's behalf, which wait and retry.
     */
    static Segment tryTake() {
        Local l = LOCAL.get();
        if (l.head == null) {
            refill(l);
        }
        Segment s = l.head;
        if (s != null) {
            return pop(l, s);
        }
        if (allocFailing) {
            synchronized (LOCK) {
                if (System.nanoTime() - allocPausedUntil < 0) {
                    return null;
                }
            }
        }
        ByteBuffer b;
        try {
            b = ByteBuffer.allocateDirect(SEGMENT_SIZE);
        } catch (OutOfMemoryError e) {
            synchronized (LOCK) {
                allocPausedUntil = System.nanoTime() + allocPauseNanos;
                LOG.debug("no direct memory for a segment; reads allocate again in {} ms: {}",
                        allocPauseNanos / 1_000_000, e.getMessage());
                allocPauseNanos = Math.min(allocPauseNanos * 2, MAX_ALLOC_PAUSE_NANOS);
                allocFailing = true;
            }
            return null;
        }
        if (allocFailing) {
            synchronized (LOCK) {
                allocPauseNanos = MIN_ALLOC_PAUSE_NANOS;
                allocFailing = false;
            }
        }
        return new Segment(b, Segment.POOLED);
    }

    private static Segment pop(Local l, Segment s) {
        l.head = s.next;
        l.count--;
        s.next = null;
        return s;
    }

    /** Returns a POOLED segment; it must no longer be in any chain, and no view may see its memory. */
    static void recycle(Segment s) {
        if (s.shares != 0 || s.orphaned) {
            throw new IllegalStateException("recycling a shared segment (shares " + s.shares + "): a view may still"
                    + " see its memory");
        }
        s.pos = 0;
        s.limit = 0;
        s.buf.clear();
        Local l = LOCAL.get();
        if (l.count == THREAD_CACHE) {
            spill(l);
        }
        s.next = l.head;
        l.head = s;
        l.count++;
    }

    private static void refill(Local l) {
        synchronized (LOCK) {
            int n = Math.min(sharedCount, THREAD_CACHE / 2);
            for (int i = 0; i < n; i++) {
                Segment s = shared;
                shared = s.next;
                s.next = l.head;
                l.head = s;
            }
            sharedCount -= n;
            l.count += n;
        }
    }

    private static void spill(Local l) {
        int n = THREAD_CACHE / 2;
        synchronized (LOCK) {
            for (int i = 0; i < n; i++) {
                Segment s = l.head;
                l.head = s.next;
                if (sharedCount < MAX_POOLED) {
                    s.next = shared;
                    shared = s;
                    sharedCount++;
                } else {
                    s.next = null; // left to the GC, which frees the direct memory
                }
            }
        }
        l.count -= n;
    }

    /** Segments in this thread's cache (for tests). */
    static int localCount() {
        return LOCAL.get().count;
    }

    private static int intProperty(String name, int def, int min, int max) {
        String v = System.getProperty(name);
        if (v == null) {
            return def;
        }
        int x;
        try {
            x = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected an integer for system property " + name + ", got '" + v + "'", e);
        }
        if (x < min || x > max) {
            throw new IllegalArgumentException("expected " + min + " <= " + name + " <= " + max + ", got " + x);
        }
        return x;
    }
}
