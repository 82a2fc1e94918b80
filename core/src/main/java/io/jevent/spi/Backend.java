package io.jevent.spi;

import io.jevent.EventConfig;

import java.io.IOException;
import java.util.Set;

/**
 * A way of waiting for events, found through {@link java.util.ServiceLoader}: each backend module lists its
 * implementation in {@code META-INF/services/io.jevent.spi.Backend}.
 *
 * <p>Loading an implementation class never fails, even where it cannot run (epoll on macOS): it reports
 * {@link #isAvailable()} {@code false} and keeps the reason in {@link #unavailabilityCause()}.
 */
public interface Backend {
    /** {@return the short name users choose it by: {@code "epoll"}, {@code "poll"}, {@code "nio"}, ...} */
    String name();

    /**
     * {@return its rank when no backend is named: lower is preferred}; epoll and kqueue are 10, poll 30, nio 50.
     */
    int preference();

    /** {@return what it supports, never null} */
    Set<Feature> features();

    /** {@return whether it can run on this machine} */
    boolean isAvailable();

    /** {@return why it cannot run here, or {@code null} when {@link #isAvailable()}} */
    Throwable unavailabilityCause();

    /**
     * Opens a new instance for one {@code EventBase}.
     *
     * @param config the base's configuration (flags, features asked for), not null
     * @return the new instance, owned by the caller, which closes it with its base
     * @throws IOException if the OS refuses (out of descriptors, ...)
     * @throws IllegalStateException if the backend is not available
     */
    Readiness open(EventConfig config) throws IOException;

    /** {@return the socket operations for handles of this backend's kind} */
    NetOps netOps();

    /**
     * The kind of handle it watches ({@link FdHandle} or {@link ChannelHandle}); events on another kind are
     * refused with a clear message when they are made, not when they are polled.
     *
     * @return the handle class; the default, {@link Handle}, accepts any kind
     */
    default Class<? extends Handle> handleType() {
        return Handle.class;
    }
}
