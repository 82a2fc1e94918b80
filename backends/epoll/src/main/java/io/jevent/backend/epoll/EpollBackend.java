package io.jevent.backend.epoll;

import io.jevent.EventConfig;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The epoll backend, Linux's default (preference 10). Features: {@link Feature#ET}, {@link Feature#O1},
 * {@link Feature#EARLY_CLOSE} (EPOLLRDHUP). Not {@link Feature#FDS}: epoll refuses regular files. Its
 * {@link #netOps()} is the posix layer's.
 */
public final class EpollBackend implements Backend {
    private static final Set<Feature> FEATURES =
            Collections.unmodifiableSet(EnumSet.of(Feature.ET, Feature.O1, Feature.EARLY_CLOSE));

    /** Called by {@link java.util.ServiceLoader}. */
    public EpollBackend() {
    }

    @Override
    public String name() {
        return "epoll";
    }

    @Override
    public int preference() {
        return 10;
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public boolean isAvailable() {
        return Epoll.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Epoll.ensureAvailability();
        return new EpollReadiness(EpollReadiness.INITIAL_EVENTS);
    }

    @Override
    public NetOps netOps() {
        return PosixNetOps.instance();
    }

    @Override
    public String toString() {
        return "epoll";
    }

    /** Native backends watch raw descriptors. */
    @Override
    public Class<? extends io.jevent.spi.Handle> handleType() {
        return io.jevent.spi.FdHandle.class;
    }
}
