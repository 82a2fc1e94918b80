package io.jevent;

import io.jevent.internal.AttributedCallback;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters behind {@link EventBase#statistics()} and the stall detector ({@link EventConfig#warnOnStall}).
 *
 * <p><b>Cost.</b> Plain {@code long} fields written by the loop thread only: a callback or a task costs one
 * increment, an iteration two clock reads (around the poll) and one volatile write ({@link #published}) that
 * publishes everything counted so far. A reader on another thread reads that volatile first, so it sees every
 * field as of the last poll. Nothing allocates. Timing single callbacks costs two more clock reads per callback and
 * happens only while the stall detector is on ({@link #timing}); off, it is one branch on a field of the loop (shared
 * with the Flight Recorder's SlowCallback timing: see {@code io.jevent.internal.SlowCallbackTimer}).
 *
 * <p><b>Stalls.</b> A callback or task that ran longer than the threshold is counted and reported once, after it
 * returned, with one SLF4J warning naming it and the time it took (so "every callback returns quickly" can be
 * checked in production). The description is built only for a stall.
 */
final class LoopCounters {
    private static final Logger log = LoggerFactory.getLogger(EventBase.class);

    /** Stall threshold in nanoseconds; 0: the detector is off and no callback is timed. */
    final long stallNanos;
    /** Whether single callbacks are timed (the stall detector is on). */
    final boolean timing;

    private long iterations;
    private long callbacks;
    private long tasks;
    private long ioReports;
    private long waitNanos;
    private long workNanos;
    private long stalls;
    private long longest;
    /** End of the last poll (start of the work after it); 0 while no loop runs. */
    private long workStart;
    /**
     * {@link #iterations} as of the last poll, written last at each poll and read first by other threads: publishes
     * the fields above (64-bit fields, which HotSpot reads and writes whole).
     */
    private volatile long published;

    LoopCounters(long stallNanos) {
        this.stallNanos = stallNanos;
        this.timing = stallNanos > 0;
    }

    /** One event callback ran. Loop thread. */
    void callbackRan() {
        callbacks++;
    }

    /** One task ran. Loop thread. */
    void taskRan() {
        tasks++;
    }

    /**
     * A poll of the backend ran from {@code before} to {@code after} and reported {@code reported} handles or
     * completions; the time since the previous poll was work. Loop thread.
     */
    void polled(long before, long after, int reported) {
        if (workStart != 0) {
            workNanos += before - workStart;
        }
        waitNanos += after - before;
        workStart = after;
        if (reported > 0) {
            ioReports += reported;
        }
        iterations++;
        published = iterations;
    }

    /** The loop returns at {@code now}: the work since its last poll counts, and is published. Loop thread. */
    void loopExited(long now) {
        if (workStart != 0) {
            workNanos += now - workStart;
            workStart = 0;
        }
        published = iterations;
    }

    /**
     * A callback or task that started at {@code start} returned (only called while {@link #timing}): records the
     * longest, and counts and reports a stall. {@code what} is an {@link Event} or a task. Loop thread.
     */
    void timed(Object what, long start) {
        long took = System.nanoTime() - start;
        if (took > longest) {
            longest = took;
        }
        if (took > stallNanos) {
            stalls++;
            reportStall(what, took);
        }
    }

    private void reportStall(Object what, long took) {
        String description = what instanceof Event
                ? what + " (callback " + AttributedCallback.resolve(((Event) what).callback()).getClass().getName()
                        + ")"
                : "task " + what.getClass().getName();
        log.warn("loop stalled: {} ran for {} ms, longer than the warnOnStall threshold of {} ms; no other event of"
                + " this loop was served meanwhile", description, millis(took), millis(stallNanos));
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }

    /** A snapshot; any thread (see the class comment). */
    LoopStatistics snapshot() {
        // the volatile read first: what the loop wrote before its last publication is visible after it (it is the
        // iteration count itself, so the read cannot be dropped)
        long it = published;
        return new LoopStatistics(it, callbacks, tasks, ioReports, waitNanos, workNanos, stalls, longest);
    }
}
