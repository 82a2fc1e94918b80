package io.jevent;

/**
 * Who may touch an {@link EventBase}'s state right now, and how that changes hands: the owner rule in one place.
 *
 * <p><b>The rule.</b> One thread at a time owns a base, and only it touches the base's state directly:
 * <ul>
 * <li>while {@link EventBase#loop} runs, the thread running it (the <em>looper</em>);</li>
 * <li>while no loop runs, the thread that ran the last loop or, before any, the thread that created the base (the
 * <em>holder</em>): the code around {@code dispatch()} acts at once, before and after it;</li>
 * <li>once the base is closed, nobody in particular: no loop can run again, so any thread may release what is
 * left (close or remove events, close BufferEvents), one at a time.</li>
 * </ul>
 * Every other call is queued for the loop. Ownership moves only through {@code loop()}: it makes its caller the
 * owner, and the caller stays the holder after it returns.
 *
 * <p><b>The hand-off.</b> A holder's direct calls, acts after {@code close()}, the hand-off at {@code loop()}'s
 * entry and exit, and {@code close()} itself all run holding this object's monitor. So a {@code loop()} starting on
 * another thread waits until a call the holder has begun is finished, and from then on the old holder's calls see
 * that they are no longer the owner's and are queued. Before, the two threads could both be inside the timer heap
 * (lost timers, a {@code NullPointerException} in its sift), or a loop could start sleeping just as a timer went in
 * behind its back. The looper itself takes no lock: nobody can take a running loop's base away (a second
 * {@code loop()} throws), so its calls, the dispatch path, stay a volatile read and nothing more. Nor does any
 * other thread that is neither the looper nor the holder ({@link #isStranger}): it could not act anyway, and waiting
 * for the holder's monitor would make it wait for application code the holder runs under it.
 *
 * <p><b>Encoded state.</b> {@link #looper} is non-null exactly while a loop runs; {@link #holder} is the owner while
 * it is null. Both are written under the monitor and volatile so that the looper's check ({@link #isLooping}) and
 * {@link #owns} need no lock. {@link #closed} is set once, under the monitor, and never cleared.
 */
final class LoopOwner {
    /** The thread inside {@code loop()}, or null. */
    private volatile Thread looper;
    /** The owner while no loop runs: the last looper, or the creator. */
    private volatile Thread holder;
    /** Set by {@code EventBase.close()}; from then on every thread may act on what is left. */
    private volatile boolean closed;

    LoopOwner(Thread creator) {
        this.holder = creator;
    }

    /** Whether the calling thread is running the loop: it may act at once, without a lock. The dispatch path. */
    boolean isLooping() {
        return looper == Thread.currentThread();
    }

    /**
     * Whether the calling thread may act on the base: it owns it, or the base is closed. For a holder this is a
     * snapshot: another thread may start a loop and take the base at any moment; act through {@link #mayActNow()}
     * under the monitor instead.
     */
    boolean owns() {
        Thread me = Thread.currentThread();
        Thread l = looper;
        return l == me || closed || (l == null && holder == me);
    }

    /**
     * Whether the calling thread is a stranger to the base: it neither runs the loop nor holds the base, and the base
     * is open. Needs no monitor, and a stranger must not take it: the holder may be inside a compound operation that
     * runs application code, and that code may wait for a lock the stranger holds (a deadlock). The answer holds
     * for the whole of the caller's call: only the caller itself can make itself the holder (by running
     * {@code loop()}). Only {@code close()} can end it; a stranger that then queues finds the base closed and acts.
     */
    boolean isStranger() {
        Thread me = Thread.currentThread();
        return looper != me && holder != me && !closed;
    }

    /**
     * Whether the calling thread may act at once: it runs the loop, or no loop runs and it is the holder, or the
     * base is closed. Must be called holding this object's monitor, and the act must happen before releasing it.
     */
    boolean mayActNow() {
        Thread me = Thread.currentThread();
        Thread l = looper;
        return l == me || closed || (l == null && holder == me);
    }

    /**
     * Makes the calling thread the looper; the caller must hold the monitor.
     *
     * @throws IllegalStateException if the base is closed or a loop already runs
     */
    void enterLoop() {
        if (closed) {
            throw new IllegalStateException("the EventBase is closed");
        }
        Thread l = looper;
        if (l != null) {
            throw new IllegalStateException("the loop is already running on " + l.getName() + "; to run code on it"
                    + " use execute(), to stop it use loopExit() or loopBreak()");
        }
        Thread me = Thread.currentThread();
        looper = me;
        holder = me;
    }

    /** The loop returned: its thread stays the holder. The caller must hold the monitor. */
    void exitLoop() {
        looper = null;
    }

    /** The running loop's thread, or null. */
    Thread looper() {
        return looper;
    }

    /** Whether the base is closed. */
    boolean isClosed() {
        return closed;
    }

    /**
     * Marks the base closed; the caller must hold the monitor.
     *
     * @return false if it was closed already
     * @throws IllegalStateException if a loop runs
     */
    boolean close() {
        if (closed) {
            return false;
        }
        Thread l = looper;
        if (l != null) {
            throw new IllegalStateException("close() while the loop runs on " + l.getName()
                    + ": call loopExit() or loopBreak() and close after dispatch returns");
        }
        closed = true;
        holder = null;
        return true;
    }

    @Override
    public String toString() {
        Thread l = looper;
        Thread h = holder;
        if (closed) {
            return "closed";
        }
        return l != null ? "looping on " + l.getName() : "held by " + (h == null ? "nobody" : h.getName());
    }
}
