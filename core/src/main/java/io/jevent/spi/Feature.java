package io.jevent.spi;

/** What a backend can do, as libevent's {@code EV_FEATURE_*}; required through {@code EventConfig.require}. */
public enum Feature {
    /** Edge-triggered events ({@code Ev.ET}) are honoured. */
    ET,
    /** Adding, removing and reporting one handle costs O(1), not O(number of handles). */
    O1,
    /** Any file descriptor may be watched, not only sockets (pipes, ttys, eventfds). */
    FDS,
    /** Peer close is reported as {@code Ev.CLOSED} without reading (EPOLLRDHUP / POLLRDHUP). */
    EARLY_CLOSE,
    /** The backend is also a completion engine ({@code Readiness.completions()}): io_uring, IOCP. */
    COMPLETIONS
}
