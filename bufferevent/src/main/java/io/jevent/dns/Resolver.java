package io.jevent.dns;

import io.jevent.EventBase;
import io.jevent.InFlightWork;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Name lookups for one {@link EventBase}, with the outcome delivered on its loop thread (libevent's evdns).
 *
 * <p>Two kinds: {@link #create} makes a non-blocking DNS stub client that runs on the loop itself (UDP with TCP
 * fallback, a cache, coalescing: see {@code StubResolver}); {@link #system} runs the JDK's blocking
 * {@link InetAddress#getAllByName} on helper threads, for names only the platform's name service knows (NSS
 * modules, mDNS). {@link #forBase} gives the base's default, which {@code BufferEvent.connectHostname} uses.
 *
 * <p>A lookup in flight counts as work of the base ({@link EventBase#beginWork}): {@code dispatch()} does not return
 * for lack of events before its callback has run. The callback always runs later, on the loop thread, never inside
 * {@code lookup} (even for a cached answer or an IP literal), so a caller on the loop sees no re-entrancy. If the
 * base closes first the callback never runs (and a future view never completes).
 *
 * <p>{@code lookup} may be called from any thread; a name that cannot exist (longer than 253 characters, a label
 * longer than 63 or empty) is refused at once with an {@link IllegalArgumentException}.
 */
public abstract class Resolver implements AutoCloseable {
    /**
     * Each base's default resolver, made on first use. The resolver holds its base, so the weak keys alone would
     * never let go: entries of closed bases are purged (and their resolvers closed) on every access.
     */
    private static final Map<EventBase, Resolver> DEFAULTS = new WeakHashMap<>();

    /** The base whose loop thread receives the answers. */
    protected final EventBase base;

    Resolver(EventBase base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /**
     * A DNS stub client on {@code base}'s loop.
     *
     * @param base where lookups run and answers are delivered
     * @param config servers, search list, timeouts, hosts table, cache size
     * @return the resolver; {@link #close} it before the base
     */
    public static Resolver create(EventBase base, ResolverConfig config) {
        return new StubResolver(base, Objects.requireNonNull(config, "config"));
    }

    /**
     * The JDK's resolver ({@link InetAddress#getAllByName}) on a shared pool of daemon threads
     * ({@code jevent.resolver.threads}, default 4), answers handed back to {@code base}'s loop thread.
     *
     * @param base where answers are delivered
     * @return the resolver
     */
    public static Resolver system(EventBase base) {
        return new SystemResolver(base, null);
    }

    /**
     * The JDK's resolver running on {@code executor}.
     *
     * @param base where answers are delivered
     * @param executor where the blocking lookups run; a refused lookup fails with {@link DnsException.Reason#SYSTEM}
     * @return the resolver
     */
    public static Resolver system(EventBase base, Executor executor) {
        return new SystemResolver(base, Objects.requireNonNull(executor, "executor"));
    }

    /**
     * The base's default resolver: the one given to {@link #setDefault}, else a stub client made on first use from
     * {@link ResolverConfig#system()} ({@code /etc/resolv.conf} and {@code /etc/hosts}); on a backend without
     * datagram sockets (IOCP) the JDK's resolver on helper threads ({@link #system(EventBase)}).
     *
     * @param base the base
     * @return its default resolver
     */
    public static Resolver forBase(EventBase base) {
        Objects.requireNonNull(base, "base");
        synchronized (DEFAULTS) {
            purgeClosed();
            // a backend without datagram sockets (IOCP) resolves through the JDK on helper threads
            return DEFAULTS.computeIfAbsent(base, b -> b.netOps().supportsDatagrams()
                    ? create(b, ResolverConfig.system()) : system(b));
        }
    }

    /**
     * Makes {@code resolver} its base's default (what {@link #forBase} and {@code connectHostname} use).
     *
     * @param resolver the resolver
     */
    public static void setDefault(Resolver resolver) {
        synchronized (DEFAULTS) {
            purgeClosed();
            DEFAULTS.put(resolver.base, resolver);
        }
    }

    /** Drops the defaults of closed bases, closing them (their sockets, if lookups were left in flight). */
    private static void purgeClosed() {
        DEFAULTS.entrySet().removeIf(e -> {
            if (e.getKey().isClosed()) {
                e.getValue().close();
                return true;
            }
            return false;
        });
    }

    /** @return the base whose loop thread receives the answers */
    public final EventBase base() {
        return base;
    }

    /**
     * Looks {@code host} up; {@code callback} runs later on the loop thread.
     *
     * @param host a host name or an IP literal
     * @param family which addresses
     * @param callback receives the addresses or the failure
     * @throws IllegalArgumentException if {@code host} cannot be a name (too long, a label too long or empty)
     * @throws IllegalStateException if the base is closed
     */
    public final void lookup(String host, AddressFamily family, LookupCallback callback) {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(callback, "callback");
        InetAddress literal = IpLiterals.parse(host);
        String name = literal == null ? DnsNames.check(host) : null;
        InFlightWork work = base.beginWork("lookup of " + host);
        Delivery d = new Delivery(host, work, callback);
        if (literal != null) {
            boolean v4 = literal instanceof Inet4Address;
            if (family == AddressFamily.ANY || v4 == (family == AddressFamily.IPV4)) {
                d.succeed(new DnsResult(host, host, List.of(literal), 0, DnsResult.Source.LITERAL));
            } else {
                d.fail(new DnsException(DnsException.Reason.NO_DATA, host + " is an " + (v4 ? "IPv4" : "IPv6")
                        + " address, and " + family + " was asked", null));
            }
            return;
        }
        Runnable start = () -> start(name, host, family, d);
        if (!base.runIfOwner(start)) {
            try {
                base.execute(start);
            } catch (IllegalStateException closed) {
                d.fail(new DnsException(DnsException.Reason.CLOSED, "lookup of " + host + ": the base is closed",
                        closed));
            }
        }
    }

    /**
     * Looks {@code host} up, both families.
     *
     * @param host a host name or an IP literal
     * @param callback receives the addresses or the failure, on the loop thread
     * @throws IllegalArgumentException if {@code host} cannot be a name
     */
    public final void lookup(String host, LookupCallback callback) {
        lookup(host, AddressFamily.ANY, callback);
    }

    /**
     * A future view of {@link #lookup(String, AddressFamily, LookupCallback)}: completed on the loop thread with the
     * result, or exceptionally with the {@link DnsException}.
     *
     * @param host a host name or an IP literal
     * @param family which addresses
     * @return the future
     * @throws IllegalArgumentException if {@code host} cannot be a name
     */
    public final CompletableFuture<DnsResult> lookup(String host, AddressFamily family) {
        CompletableFuture<DnsResult> f = new CompletableFuture<>();
        lookup(host, family, (r, e) -> {
            if (e != null) {
                f.completeExceptionally(e);
            } else {
                f.complete(r);
            }
        });
        return f;
    }

    /**
     * Starts a lookup of {@code name} (canonical). Loop thread (or the owner while no loop runs).
     *
     * @param name canonical name
     * @param host the name as asked
     * @param family which addresses
     * @param d where the outcome goes, exactly once
     */
    abstract void start(String name, String host, AddressFamily family, Delivery d);

    /**
     * Stops: lookups in flight fail with {@link DnsException.Reason#CLOSED}, sockets are closed, the cache is
     * emptied; later lookups fail the same way. Idempotent. Call it on the loop thread, or while no loop runs.
     */
    @Override
    public abstract void close();

    /**
     * The one way out of a lookup: hands the outcome to the loop thread through the lookup's {@link InFlightWork},
     * once.
     */
    static final class Delivery {
        final String host;
        private final InFlightWork work;
        private final LookupCallback callback;
        private final AtomicBoolean done = new AtomicBoolean();

        Delivery(String host, InFlightWork work, LookupCallback callback) {
            this.host = host;
            this.work = work;
            this.callback = callback;
        }

        void succeed(DnsResult r) {
            if (done.compareAndSet(false, true)) {
                work.finish(() -> callback.onLookup(r, null));
            }
        }

        void fail(DnsException e) {
            if (done.compareAndSet(false, true)) {
                work.finish(() -> callback.onLookup(null, e));
            }
        }
    }
}
