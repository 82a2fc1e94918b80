package io.jevent.backend.iocp;

import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Kernel32;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The multi-threaded completion option ({@code jevent.iocp.threads=N > 0}): one completion port for every base of the
 * JVM, dequeued by N daemon threads ({@link Dequeuer}). Each base's engine registers under a key (a small index); a
 * socket is associated with the port under its engine's key, so each completion reaches the engine that posted it and
 * runs on that base's loop thread: callbacks of one connection never run concurrently, whichever thread dequeued them.
 * Made at the first base that asks for it; lives as long as the JVM.
 */
final class PortGroup {
    private static final Logger LOG = LoggerFactory.getLogger(PortGroup.class);
    private static PortGroup shared;

    private final long port;
    private volatile AtomicReferenceArray<IocpEngine> engines = new AtomicReferenceArray<>(64);
    private final LongFunction<IocpEngine> lookup = k -> {
        AtomicReferenceArray<IocpEngine> a = engines;
        return k > 0 && k < a.length() ? a.get((int) k) : null;
    };

    private PortGroup(int threads) throws IOException {
        long p = Kernel32.CreateIoCompletionPort(-1L, 0L, 0L, threads);
        if (p == 0) {
            throw WinErrors.exception("CreateIoCompletionPort", WinNative.lastError());
        }
        port = p;
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(new Dequeuer(port, lookup), "jevent-iocp-" + i);
            t.setDaemon(true);
            t.start();
        }
        LOG.debug("iocp: shared completion port {} with {} dequeuer threads", port, threads);
    }

    /** The JVM's group with {@code threads} dequeuers (the first caller's count wins). */
    static synchronized PortGroup shared(int threads) throws IOException {
        if (shared == null) {
            shared = new PortGroup(threads);
        }
        return shared;
    }

    long port() {
        return port;
    }

    /** Registers the engine {@code make} builds for a new key; returns the key. */
    synchronized long register(LongFunction<IocpEngine> make) {
        AtomicReferenceArray<IocpEngine> a = engines;
        int k = 1;
        while (k < a.length() && a.get(k) != null) {
            k++;
        }
        if (k == a.length()) {
            AtomicReferenceArray<IocpEngine> b = new AtomicReferenceArray<>(a.length() * 2);
            for (int i = 0; i < a.length(); i++) {
                b.set(i, a.get(i));
            }
            engines = b;
            a = b;
        }
        a.set(k, make.apply(k));
        return k;
    }

    /** Forgets a closed base's engine; its key may be reused (its sockets are closed by then). */
    synchronized void unregister(long key) {
        engines.set((int) key, null);
    }
}
