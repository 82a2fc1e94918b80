package io.jevent.backend.uring;

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
 * The io_uring backend (preference 20, after epoll): readiness through poll requests for the low-level API, and a
 * {@link io.jevent.spi.CompletionEngine} ({@link Feature#COMPLETIONS}) for BufferEvents. Features: {@link Feature#ET}
 * (multishot poll), {@link Feature#O1}, {@link Feature#FDS} (poll requests accept any descriptor),
 * {@link Feature#EARLY_CLOSE} (POLLRDHUP). Its {@link #netOps()} is the posix layer's.
 */
public final class UringBackend implements Backend {
    private static final Set<Feature> FEATURES = Collections.unmodifiableSet(EnumSet.of(
            Feature.ET, Feature.O1, Feature.FDS, Feature.EARLY_CLOSE, Feature.COMPLETIONS));

    /** Whether its engines read into provided buffers ({@link io.jevent.spi.CompletionEngine#readAny}). */
    private final boolean providedBuffers;

    /**
     * Called by {@link java.util.ServiceLoader}: engines read into provided buffers unless
     * {@code jevent.uring.bufferRingEntries} is 0.
     */
    public UringBackend() {
        this(UringEngine.BUFFER_RING_ENTRIES > 0);
    }

    /**
     * A backend whose engines read into provided buffers or not. Without them, {@code selectsReadBuffers()} is
     * false: a connection waits for readability (a poll request) and then reads synchronously into its own buffer,
     * and no base registers a buffer ring (256 x 16 KiB by default). Either way a waiting connection lends no memory.
     *
     * @param providedBuffers {@code true} to read into a per-base ring of provided buffers
     *        ({@code selectsReadBuffers()} true), {@code false} to poll for readability and read synchronously
     */
    public UringBackend(boolean providedBuffers) {
        this.providedBuffers = providedBuffers;
    }

    @Override
    public String name() {
        return "uring";
    }

    @Override
    public int preference() {
        return 20;
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public boolean isAvailable() {
        return Uring.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Uring.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Uring.ensureAvailability();
        return new UringReadiness(providedBuffers);
    }

    @Override
    public NetOps netOps() {
        return PosixNetOps.instance();
    }

    @Override
    public Class<? extends Handle> handleType() {
        return FdHandle.class;
    }

    @Override
    public String toString() {
        return "uring";
    }
}
