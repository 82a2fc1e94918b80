package io.jevent.backend.kqueue;

import com.sun.jna.Platform;
import io.jevent.EventConfig;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.spi.Backend;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The kqueue backend: the default on macOS and the BSDs (preference 10). On Linux it runs over libkqueue, an
 * emulation on top of epoll, when that library is configured ({@code -Djevent.kqueue.library}); there it is never
 * chosen unless named (preference {@value #EMULATED_PREFERENCE}, after epoll and poll), since epoll does the same
 * work with one layer less. Features: {@link Feature#ET} ({@code EV_CLEAR}), {@link Feature#O1},
 * {@link Feature#EARLY_CLOSE} ({@code EV_EOF} on the read filter). Its {@link #netOps()} is the posix layer's.
 */
public final class KqueueBackend implements Backend {
    /** Preference where kqueue is emulated (Linux): after every native choice. */
    static final int EMULATED_PREFERENCE = 40;

    private static final Set<Feature> FEATURES =
            Collections.unmodifiableSet(EnumSet.of(Feature.ET, Feature.O1, Feature.EARLY_CLOSE));

    /** Called by {@link java.util.ServiceLoader}. */
    public KqueueBackend() {
    }

    @Override
    public String name() {
        return "kqueue";
    }

    @Override
    public int preference() {
        return Platform.isLinux() ? EMULATED_PREFERENCE : 10;
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public boolean isAvailable() {
        return Kqueue.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Kqueue.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Kqueue.ensureAvailability();
        return new KqueueReadiness(KqueueReadiness.INITIAL_EVENTS);
    }

    @Override
    public NetOps netOps() {
        return PosixNetOps.instance();
    }

    @Override
    public String toString() {
        return "kqueue";
    }

    /** Native backends watch raw descriptors. */
    @Override
    public Class<? extends Handle> handleType() {
        return FdHandle.class;
    }
}
