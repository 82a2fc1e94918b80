package io.jevent;

/** What runs when an {@link Event} becomes active. Always called on the base's loop thread. */
@FunctionalInterface
public interface EventCallback {
    /**
     * Handles the event.
     *
     * @param event the event that fired
     * @param what why: a subset of {@link Ev#TIMEOUT}, {@link Ev#READ}, {@link Ev#WRITE}, {@link Ev#SIGNAL},
     *     {@link Ev#CLOSED}, or whatever was passed to {@link Event#activate}
     */
    void onEvent(Event event, int what);
}
