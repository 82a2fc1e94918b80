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
    /** The short name users choose it by: {@code "epoll"}, {@code "poll"}, {@code "nio"}, ... */
    String name();

    /** Lower is preferred when no backend is named; epoll and kqueue are 10, poll 30, nio 50. */
    int preference();

    /** What it supports. */
    Set<Feature> features();

    /** Whether it can run on this machine. */
    boolean isAvailable();

    /** Why it cannot run here, or {@code null} when {@link #isAvailable()}. */
    Throwable unavailabilityCause();

    /**
     * Opens a new instance for one {@code EventBase}.
     *
     * @throws IOException if the OS refuses (out of descriptors, ...)
     * @throws IllegalStateException if the backend is not available
     */
    Readiness open(EventConfig config) throws IOException;

    /** The socket operations for handles of this backend's kind. */
    NetOps netOps();

    /**
     * The kind of handle it watches ({@link FdHandle} or {@link ChannelHandle}); events on another kind are
     * refused with a clear message when they are made, not when they are polled.
     */
    default Class<? extends Handle> handleType() {
        return Handle.class;
    }
}
