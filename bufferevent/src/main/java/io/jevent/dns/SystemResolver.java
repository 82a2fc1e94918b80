package io.jevent.dns;

import io.jevent.EventBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Resolver#system}: the blocking {@link InetAddress#getAllByName} on helper threads (Dillo's rule: the loop
 * never blocks), the answer handed back to the loop thread. No cache of its own (the JDK keeps one), no coalescing.
 * An answer that comes after the base closed is dropped (logged at debug) instead of failing on the helper thread.
 * {@link #close} fails the lookups still on a helper with {@code CLOSED} at once; their late answers are dropped.
 */
final class SystemResolver extends Resolver {
    private static final Logger log = LoggerFactory.getLogger(SystemResolver.class);
    /** At most this many lookups at once ({@code jevent.resolver.threads}, default 4); others queue. */
    private static final int THREADS = Integer.getInteger("jevent.resolver.threads", 4);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final ExecutorService POOL = pool();

    static {
        log.debug("jevent.resolver.threads = {}", THREADS);
    }

    private final Executor executor;
    private volatile boolean closed;
    /** Lookups handed to the executor whose answer has not come: what {@link #close} fails. */
    private final Set<Delivery> inFlight = ConcurrentHashMap.newKeySet();

    SystemResolver(EventBase base, Executor executor) {
        super(base);
        this.executor = executor == null ? POOL : executor;
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

    @Override
    void start(String name, String host, AddressFamily family, Delivery d) {
        inFlight.add(d); // before the check: a close() either sees this lookup or is seen here
        if (closed) {
            inFlight.remove(d);
            d.fail(new DnsException(DnsException.Reason.CLOSED, "lookup of " + host + ": the resolver is closed",
                    null));
            return;
        }
        Runnable lookup = () -> {
            try {
                InetAddress[] all = InetAddress.getAllByName(host);
                List<InetAddress> picked = new ArrayList<>(all.length);
                for (InetAddress a : all) {
                    boolean v4 = a instanceof Inet4Address;
                    if (family == AddressFamily.ANY || v4 == (family == AddressFamily.IPV4)) {
                        picked.add(a);
                    }
                }
                if (picked.isEmpty()) {
                    d.fail(new DnsException(DnsException.Reason.NO_DATA, host + ": no " + family + " address"
                            + " from the system resolver", null));
                } else {
                    d.succeed(new DnsResult(host, name, List.copyOf(picked), 0, DnsResult.Source.SYSTEM));
                }
            } catch (Exception e) {
                d.fail(new DnsException(DnsException.Reason.SYSTEM, host + ": " + e.getMessage(), e));
            } finally {
                inFlight.remove(d);
            }
        };
        try {
            executor.execute(lookup);
        } catch (RuntimeException refused) {
            // the lookup never started: it must still finish, or dispatch() would wait for it for ever
            inFlight.remove(d);
            d.fail(new DnsException(DnsException.Reason.SYSTEM, "lookup of " + host + " refused by its executor: "
                    + refused, refused));
        }
    }

    @Override
    public void close() {
        closed = true;
        // a helper may be blocked in getAllByName for long: the lookups fail now, and its late answer is dropped
        // (a Delivery delivers once)
        for (Delivery d : inFlight) {
            inFlight.remove(d);
            d.fail(new DnsException(DnsException.Reason.CLOSED, "lookup of " + d.host + ": the resolver was closed",
                    null));
        }
    }

    @Override
    public String toString() {
        return "SystemResolver[" + base + "]";
    }
}
