package io.jevent.bufferevent;

/** How hard {@link BufferEvent#flush} pushes, as libevent's {@code bufferevent_flush_mode}. */
public enum FlushMode {
    /** Ordinary processing: a filter may hold back data it has not got enough of. */
    NORMAL,
    /** Push out everything possible now (zlib: a sync flush), without ending the stream. */
    FLUSH,
    /** The stream is over: push everything and end it (zlib: finish; pair: the partner sees EOF). */
    FINISHED
}
