package io.jevent;

/**
 * Receives what a user callback or task threw. The default logs it through SLF4J (warn) with the event's
 * identity and lets the loop go on; see {@link EventBase#setCallbackErrorHandler}.
 */
@FunctionalInterface
public interface CallbackErrorHandler {
    /**
     * Handles a failure.
     *
     * @param event the event whose callback threw, or {@code null} for a task given to
     *     {@link EventBase#execute(Runnable)}
     * @param failure what was thrown (never an {@link Error}: those are rethrown from the loop)
     */
    void onCallbackError(Event event, Throwable failure);
}
