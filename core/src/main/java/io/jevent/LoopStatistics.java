package io.jevent;

/**
 * A snapshot of one {@link EventBase}'s counters, taken by {@link EventBase#statistics()} from any thread: how busy
 * a loop is, so that an unbalanced {@link EventBaseGroup} shows. Counts start at the base's creation and never reset;
 * compare two snapshots ({@link #minus}) for a rate.
 *
 * <p>Taken from another thread, a snapshot is what the loop had published at its last poll: at most one loop
 * iteration old, and consistent with itself (every field as of that poll).
 *
 * @param iterations loop iterations, one backend poll each
 * @param callbacks event callbacks run (I/O, timers, signals, user events)
 * @param tasks tasks run ({@link EventBase#execute} and other threads' queued calls)
 * @param ioReports handles the backend reported ready, plus completions a completion engine delivered (their
 *     handlers run inside the poll)
 * @param waitNanos time spent inside the backend's poll: waiting, and on a completion engine also running the
 *     completion handlers it delivers
 * @param workNanos time spent between polls: timers, tasks and callbacks
 * @param stalls callbacks and tasks that ran longer than {@link EventConfig#warnOnStall}; 0 when it is off
 * @param longestCallbackNanos the longest callback or task so far; measured only while
 *     {@link EventConfig#warnOnStall} is on (0 otherwise), since timing every callback costs two clock reads
 */
public record LoopStatistics(long iterations, long callbacks, long tasks, long ioReports, long waitNanos,
                             long workNanos, long stalls, long longestCallbackNanos) {

    /**
     * The share of time spent working rather than waiting, between 0 and 1 (0 before any time was measured).
     *
     * @return {@code workNanos / (workNanos + waitNanos)}
     */
    public double busyRatio() {
        long total = workNanos + waitNanos;
        return total <= 0 ? 0 : (double) workNanos / total;
    }

    /**
     * The counts accumulated since {@code earlier} (a snapshot of the same base); the longest callback stays this
     * snapshot's.
     *
     * @param earlier an older snapshot of the same base
     * @return the differences, field by field
     */
    public LoopStatistics minus(LoopStatistics earlier) {
        return new LoopStatistics(iterations - earlier.iterations, callbacks - earlier.callbacks,
                tasks - earlier.tasks, ioReports - earlier.ioReports, waitNanos - earlier.waitNanos,
                workNanos - earlier.workNanos, stalls - earlier.stalls, longestCallbackNanos);
    }
}
