package io.jevent.backend.nio;

import io.jevent.EventConfig;
import io.jevent.spi.Backend;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.nio.channels.Selector;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NIO {@link Selector} backend: runs on every JVM and needs no native code, at the price of no features
 * (level-triggered only, no early-close detection, sockets only). Found through {@link java.util.ServiceLoader};
 * preference 50, so any native backend wins when no backend is named.
 */
public final class NioBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(NioBackend.class);

    /** The name users choose this backend by. */
    public static final String NAME = "nio";

    /** Stateless, so one instance serves every base. */
    private static final NioNetOps NET_OPS = new NioNetOps();

    /** Public no-argument constructor for {@link java.util.ServiceLoader}. */
    public NioBackend() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 50;
    }

    /**
     * None: NIO cannot do edge-triggered events, early close, O(1) changes on every platform, or non-socket fds.
     *
     * @return a new, empty, mutable {@link EnumSet} (an EnumSet rather than {@code Set.of()} so that callers may
     *     {@code EnumSet.copyOf} it, which rejects an empty collection of any other type)
     */
    @Override
    public Set<Feature> features() {
        return EnumSet.noneOf(Feature.class);
    }

    /** Always {@code true}: the JDK's selector is available on every platform. */
    @Override
    public boolean isAvailable() {
        return true;
    }

    /** Always {@code null}. */
    @Override
    public Throwable unavailabilityCause() {
        return null;
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Objects.requireNonNull(config, "config");
        Selector selector = Selector.open();
        LOG.debug("opened nio backend on {}", selector);
        return new NioReadiness(selector);
    }

    @Override
    public NetOps netOps() {
        return NET_OPS;
    }

    /** NIO watches {@link ChannelHandle}s only. */
    @Override
    public Class<? extends Handle> handleType() {
        return ChannelHandle.class;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
