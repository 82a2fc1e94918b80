package io.jevent.bufferevent;

import io.jevent.EventConfig;
import io.jevent.backend.uring.UringBackend;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;

import java.io.IOException;
import java.util.Set;

/**
 * {@code "uring-await"}, for tests: the io_uring backend with engines that do not select read buffers
 * ({@code new UringBackend(false)}), so that the completion driver waits for readability and then reads, on the real
 * kernel. Found through this module's test {@code META-INF/services}; never chosen by default (preference 1000).
 */
public final class UringAwaitBackend implements Backend {
    private final UringBackend uring = new UringBackend(false);

    @Override
    public String name() {
        return "uring-await";
    }

    @Override
    public int preference() {
        return 1000;
    }

    @Override
    public Set<Feature> features() {
        return uring.features();
    }

    @Override
    public boolean isAvailable() {
        return uring.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return uring.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        return uring.open(config);
    }

    @Override
    public NetOps netOps() {
        return uring.netOps();
    }

    @Override
    public Class<? extends Handle> handleType() {
        return uring.handleType();
    }
}
