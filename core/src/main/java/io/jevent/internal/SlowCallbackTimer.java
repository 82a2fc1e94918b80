package io.jevent.internal;

/**
 * Times a loop's callbacks for {@link SlowCallback} while a recording enables it; one per base, used by its loop
 * thread only.
 *
 * <p>The loop asks {@link #refresh()} once per pass, and only while it returned true brackets each callback with
 * {@link #begin()} and {@link #end}. Then one event object, made with the timer, is reused: {@code begin} and
 * {@code end} take the Flight Recorder's own timestamps (two reads of its tick counter), and only a callback that ran
 * past the threshold has its description built and is committed. Off (no recording enables the event), a dispatch
 * costs the one branch on the loop's copy of the flag.
 */
public final class SlowCallbackTimer {
    /** Reused for every callback timed: begin() and end() overwrite its times, commit() happens past the threshold. */
    private final SlowCallback event = new SlowCallback();
    private final String backend;

    /**
     * A timer for one loop.
     *
     * @param backend the base's backend, recorded in each event
     */
    public SlowCallbackTimer(String backend) {
        this.backend = backend;
    }

    /** {@return whether callbacks are to be timed in this loop pass} Loop thread. */
    public boolean refresh() {
        return FlightEvents.slowCallbacks();
    }

    /** A callback starts. Loop thread. */
    public void begin() {
        event.begin();
    }

    /**
     * The callback begun last returned; commits it if it ran at least the threshold. Loop thread.
     *
     * @param task whether it was a task (else an event callback)
     * @param what the event or the task, described only when committed
     * @param callback the callback's object (the task itself for a task)
     */
    public void end(boolean task, Object what, Object callback) {
        SlowCallback e = event;
        e.end();
        if (e.shouldCommit()) {
            e.kind = task ? "task" : "event";
            e.what = String.valueOf(what);
            e.callbackClass = AttributedCallback.resolve(callback).getClass(); // the user's, not the plumbing
            e.backend = backend;
            e.commit();
            e.what = null;
            e.callbackClass = null;
        }
    }
}
