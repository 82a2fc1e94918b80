package io.jevent.bufferevent;

/** What a {@link Filter} says after a call, libevent's {@code bufferevent_filter_result}. */
public enum FilterResult {
    /** Some output was produced (or nothing was left to do). */
    OK,
    /** More input is needed before more output can be produced; call again when it arrives. */
    NEED_MORE,
    /** The input cannot be processed; {@link Filter#failure()} says why. The connection gets an ERROR event. */
    ERROR
}
