package io.jevent;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Work running away from the loop thread whose result comes back to it: a host-name lookup, a TLS delegated task,
 * a file read. Made by {@link EventBase#beginWork}; until {@link #finish} it counts as pending, so
 * {@link EventBase#dispatch()} does not return for lack of events while an answer is still to come.
 *
 * <pre>{@code
 * InFlightWork work = base.beginWork("lookup of " + host);
 * pool.execute(() -> {
 *     InetAddress[] found = InetAddress.getAllByName(host); // blocking, off the loop
 *     work.finish(() -> connect(found));                    // runs on the loop thread
 * });
 * }</pre>
 *
 * <p>Every path of the work must end in exactly one {@code finish}, failures included (hand the failure over in
 * the result), or the loop waits for it for ever.
 */
public final class InFlightWork {
    private final EventBase base;
    private final String what;
    private final AtomicBoolean finished = new AtomicBoolean();

    InFlightWork(EventBase base, String what) {
        this.base = base;
        this.what = what;
    }

    /**
     * Hands the result to the loop: {@code onLoop} runs on the loop thread before its next poll, and from then on
     * this work no longer counts as pending. Any thread. If the base was closed meanwhile, the result is dropped
     * (logged at debug) and nothing is thrown: a helper thread cannot know when a base closes.
     *
     * @param onLoop what to do with the result, on the loop thread
     * @return true if {@code onLoop} was handed to the loop, false if it was dropped because the base is closed
     * @throws IllegalStateException if this work was finished already
     */
    public boolean finish(Runnable onLoop) {
        Objects.requireNonNull(onLoop, "onLoop");
        if (!finished.compareAndSet(false, true)) {
            throw new IllegalStateException(this + " was finished already; begin new work for another result");
        }
        return base.finishWork(this, onLoop);
    }

    /** {@return whether {@link #finish} was called} */
    public boolean isFinished() {
        return finished.get();
    }

    @Override
    public String toString() {
        return "InFlightWork[" + what + "]";
    }
}
