package io.jevent.backend.iocp;

import io.jevent.EventConfig;
import io.jevent.backend.nio.NioBackend;
import io.jevent.spi.Backend;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IOCP backend (Windows): the NIO selector for the low-level events, and an IOCP completion engine
 * ({@link Feature#COMPLETIONS}) for BufferEvents and the Listener. Preference 60, after nio (50): on Windows a base is
 * on IOCP only when asked for by name ({@code jevent.backend=iocp}) or by
 * {@code requireFeatures(Feature.COMPLETIONS)}. NIO stays the default there because the low-level API (events on
 * handles of {@code base.netOps()}) works only on NIO's handles, while this backend's {@link #netOps()} makes SOCKETs
 * for the engine ({@link SocketHandle}); events take {@link ChannelHandle}s here, as on nio.
 *
 * <p>Tunables, system properties read once and logged at debug: {@code jevent.iocp.threads} (default 0): 0 gives each
 * base its own port, dequeued by its loop; N gives every base one shared port dequeued by N threads (see
 * {@link IocpReadiness}). {@code jevent.iocp.readBufferSize} (65536): the one buffer per base that readAny reads into.
 * {@code jevent.iocp.ringSize} (4096, a power of two): the hand-over ring per base. {@code jevent.iocp.closeWaitMillis}
 * (2000): how long a closing base waits for the kernel to finish its cancelled requests before it leaves their memory
 * allocated rather than free it under the kernel.
 */
public final class IocpBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(IocpBackend.class);
    /** The name users choose it by. */
    public static final String NAME = "iocp";
    /** Dequeuer threads of the shared port ({@code jevent.iocp.threads}); 0: a port per base. */
    static final int THREADS = Integer.getInteger("jevent.iocp.threads", 0);

    static {
        LOG.debug("jevent.iocp.threads={}, jevent.iocp.readBufferSize={}, jevent.iocp.ringSize={},"
                + " jevent.iocp.closeWaitMillis={}", THREADS, IocpEngine.READ_BUFFER_SIZE, IocpEngine.RING_SIZE,
                IocpEngine.CLOSE_WAIT_MILLIS);
    }

    private static final Set<Feature> FEATURES = Collections.unmodifiableSet(EnumSet.of(Feature.COMPLETIONS));

    private final int threads;

    /** Called by {@link java.util.ServiceLoader}: {@code jevent.iocp.threads} dequeuers. */
    public IocpBackend() {
        this(THREADS);
    }

    /**
     * A backend whose bases share one port dequeued by {@code threads} threads, or own a port each ({@code 0}).
     *
     * @param threads {@code >= 0}
     * @throws IllegalArgumentException if {@code threads < 0}
     */
    public IocpBackend(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("expected threads >= 0 (0: a port per base), got " + threads);
        }
        this.threads = threads;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int preference() {
        return 60;
    }

    @Override
    public Set<Feature> features() {
        return FEATURES;
    }

    @Override
    public boolean isAvailable() {
        return Iocp.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return Iocp.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        Iocp.ensureAvailability();
        Readiness nio = new NioBackend().open(config);
        try {
            return new IocpReadiness(nio, threads > 0 ? PortGroup.shared(threads) : null);
        } catch (IOException | RuntimeException e) {
            nio.close();
            throw e;
        }
    }

    /** Winsock operations on {@link SocketHandle}s. */
    @Override
    public NetOps netOps() {
        return IocpNetOps.instance();
    }

    /** Events watch NIO {@link ChannelHandle}s (the selector); SOCKETs go to the engine. */
    @Override
    public Class<? extends Handle> handleType() {
        return ChannelHandle.class;
    }

    @Override
    public String toString() {
        return NAME;
    }
}
