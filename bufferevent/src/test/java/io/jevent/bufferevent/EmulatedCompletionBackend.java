package io.jevent.bufferevent;

import io.jevent.EventConfig;
import io.jevent.backend.epoll.EpollBackend;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * A test-only completion engine, {@code "emulated"}: epoll underneath, with every {@link io.jevent.spi.CompletionEngine}
 * operation carried out by a non-blocking call once epoll says the socket is ready ({@link EmulatedEngine}). It lets
 * the completion driver of {@link SocketBufferEvent} and the {@link Listener} run the BufferEvent suites on real
 * sockets where io_uring is missing, and covers both read modes: {@code "emulated"} picks read buffers itself
 * ({@code readAny}), {@code "emulated-await"} does not ({@code awaitReadable}, then a synchronous read), as IOCP's
 * zero-byte receive will. Never chosen by default (preference 1000).
 */
public class EmulatedCompletionBackend implements Backend {
    private final Backend epoll = new EpollBackend();

    /** Whether the engine selects read buffers ({@code readAny}). */
    boolean selectsReadBuffers() {
        return true;
    }

    @Override
    public String name() {
        return "emulated";
    }

    @Override
    public int preference() {
        return 1000;
    }

    @Override
    public Set<Feature> features() {
        EnumSet<Feature> f = EnumSet.copyOf(epoll.features());
        f.add(Feature.COMPLETIONS);
        return f;
    }

    @Override
    public boolean isAvailable() {
        return epoll.isAvailable();
    }

    @Override
    public Throwable unavailabilityCause() {
        return epoll.unavailabilityCause();
    }

    @Override
    public Readiness open(EventConfig config) throws IOException {
        return new EmulatedEngine(epoll.open(config), epoll.netOps(), selectsReadBuffers());
    }

    @Override
    public NetOps netOps() {
        return epoll.netOps();
    }

    @Override
    public Class<? extends Handle> handleType() {
        return epoll.handleType();
    }

    /** {@code "emulated-await"}: the engine does not select read buffers. */
    public static final class Await extends EmulatedCompletionBackend {
        @Override
        boolean selectsReadBuffers() {
            return false;
        }

        @Override
        public String name() {
            return "emulated-await";
        }
    }
}
