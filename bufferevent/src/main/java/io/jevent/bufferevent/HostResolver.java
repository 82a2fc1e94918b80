package io.jevent.bufferevent;

import io.jevent.EventBase;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Name lookups off the loop thread (Dillo's rule: the loop never blocks): the blocking
 * {@link InetAddress#getAllByName} runs on a small pool of daemon threads and the answer is handed back to the
 * loop thread through {@link EventBase#execute}. A later issue brings a full asynchronous resolver.
 */
final class HostResolver {
    /** At most this many lookups at once ({@code jevent.resolver.threads}, default 4); others queue. */
    private static final int THREADS = Integer.getInteger("jevent.resolver.threads", 4);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final ExecutorService POOL = pool();

    private HostResolver() {
    }

    private static ExecutorService pool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "jevent-resolver-" + SEQ.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    /** Resolves {@code host}; {@code then} runs on {@code base}'s loop thread with an address or a failure. */
    static void resolve(EventBase base, String host, int port, BiConsumer<InetSocketAddress, Exception> then) {
        POOL.execute(() -> {
            InetSocketAddress addr = null;
            Exception failure = null;
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                if (all.length == 0) {
                    throw new UnknownHostException(host + ": no addresses");
                }
                addr = new InetSocketAddress(all[0], port);
            } catch (Exception e) {
                failure = e;
            }
            InetSocketAddress a = addr;
            Exception f = failure;
            base.execute(() -> then.accept(a, f));
        });
    }
}
