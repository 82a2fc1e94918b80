package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.InFlightWork;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Name lookups off the loop thread (Dillo's rule: the loop never blocks): the blocking
 * {@link InetAddress#getAllByName} runs on a small pool of daemon threads and the answer is handed back to the
 * loop thread as {@link InFlightWork}, so the loop keeps running while a lookup is out, and an answer that comes
 * after the base closed is dropped (logged at debug) instead of failing on the pool's thread.
 */
final class HostResolver {
    /** At most this many lookups at once ({@code jevent.resolver.threads}, default 4); others queue. */
    private static final int THREADS = Integer.getInteger("jevent.resolver.threads", 4);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final ExecutorService POOL = pool();
    /** Where lookups run: {@link #POOL}, or what a test put there to hold lookups back. */
    private static volatile Executor executor = POOL;

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

    /**
     * Makes lookups run on {@code e} (null: the default pool) and returns the previous executor; for tests, which
     * delay real lookups with it.
     */
    static Executor useExecutor(Executor e) {
        Executor old = executor;
        executor = e == null ? POOL : e;
        return old;
    }

    /** Resolves {@code host}; {@code then} runs on {@code base}'s loop thread with an address or a failure. */
    static void resolve(EventBase base, String host, int port, BiConsumer<InetSocketAddress, Exception> then) {
        InFlightWork work = base.beginWork("lookup of " + host);
        Runnable lookup = () -> {
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
            work.finish(() -> then.accept(a, f));
        };
        try {
            executor.execute(lookup);
        } catch (RuntimeException refused) {
            // the lookup never started: its work must still finish, or dispatch() would wait for it for ever; the
            // refusal reaches the connection's event callback as the lookup's failure
            UnknownHostException failure = new UnknownHostException("lookup of " + host + " refused by its executor: "
                    + refused);
            failure.initCause(refused);
            work.finish(() -> then.accept(null, failure));
        }
    }
}
