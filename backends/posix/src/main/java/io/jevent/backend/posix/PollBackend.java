package io.jevent.backend.posix;

import io.jevent.EventConfig;
import io.jevent.backend.posix.internal.Os;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The poll(2) backend: portable fallback, O(n) per poll, level-triggered only. Features: {@link Feature#FDS}
 * (any descriptor) and, on Linux, {@link Feature#EARLY_CLOSE} (POLLRDHUP, which macOS lacks). Preference 30: chosen
 * after epoll/kqueue.
 */
public final class PollBackend implements Backend {
    private static final Set<Feature> FEATURES = Collections.unmodifiableSet(
            Os.LINUX ? EnumSet.of(Feature.FDS, Feature.EARLY_CLOSE) : EnumSet.of(Feature.FDS));

    /** Called by {@link java.util.ServiceLoader}. */
    public PollBackend() {
    }

    @Override
    public String name() {
        return "poll";
    }

    @Override
    public int preference() {
        return 30;
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public boolean isAvailable() {
        return Posix.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Posix.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Posix.ensureAvailability();
        return new PollReadiness();
    }

    @Override
    public NetOps netOps() {
        return PosixNetOps.instance();
    }

    @Override
    public String toString() {
        return "poll";
    }

    /** Native backends watch raw descriptors. */
    @Override
    public Class<? extends io.jevent.spi.Handle> handleType() {
        return io.jevent.spi.FdHandle.class;
    }
}
