package io.jevent.dns;

import io.jevent.EventBase;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * {@link Resolver#create}: a DNS stub client that runs on the loop thread and never blocks it.
 *
 * <p><b>Shape.</b> A user's lookup ({@link Lookup}) walks the names the search list makes of the host; for each it
 * needs one answer per record type (A, AAAA or both in parallel). An answer comes from the hosts table, the
 * {@link DnsCache}, or a {@link DnsQuery} on the wire; queries in flight are keyed by (name, type) in
 * {@link #inFlight}, so N concurrent lookups of one name make one query (Dillo's server channel) and all of them
 * get its outcome.
 *
 * <p><b>Local names.</b> A name the hosts table lists is answered from it alone: its addresses of the family asked,
 * or NODATA if it lists none of that family (no server is asked, as glibc's {@code files} source does).
 * {@code localhost} and names under it are the loopback addresses when the table does not list them (RFC 6761).
 *
 * <p><b>Search list</b> (resolv.conf(5)): a name ending in a dot is asked as is; a name with at least {@code ndots}
 * dots is asked as is first, then with each search suffix; a shorter one with the suffixes first. A candidate that
 * does not exist (NXDOMAIN) or has no address (NODATA) moves on to the next; any other failure (timeout, server
 * failure, malformed answer) ends the lookup with that failure.
 *
 * <p>State is confined to the loop thread (the base's owner while no loop runs).
 */
final class StubResolver extends Resolver {
    private static final Logger log = LoggerFactory.getLogger(StubResolver.class);

    private static final InetAddress LOOPBACK_V4 = IpLiterals.parse("127.0.0.1");
    private static final InetAddress LOOPBACK_V6 = IpLiterals.parse("::1");

    final ResolverConfig config;
    final NetOps ops;
    final DnsCache cache;
    /** Query ids; a SecureRandom, so an off-path attacker cannot predict them. */
    final SecureRandom random = new SecureRandom();
    /** Where UDP answers are received: one per resolver, reused by every query (loop thread only). */
    final ByteBuffer receiveBuffer = ByteBuffer.allocateDirect(65535);
    /** Queries on the wire by cache key: the coalescing table. */
    private final Map<String, DnsQuery> inFlight = new HashMap<>();
    /** Every query on the wire, follow-ups included: what {@link #close} stops. */
    private final Set<DnsQuery> active = new HashSet<>();
    /** Queries sent, for tests and statistics. */
    long queriesSent;
    private boolean closed;

    StubResolver(EventBase base, ResolverConfig config) {
        super(base);
        if (!base.netOps().supportsDatagrams()) {
            throw new IllegalArgumentException("the stub resolver needs datagram sockets, which backend '"
                    + base.method() + "' does not offer: use Resolver.system(base) (the JDK's resolver on helper"
                    + " threads), as Resolver.forBase does there");
        }
        this.config = config;
        this.ops = base.netOps();
        this.cache = new DnsCache(config.cacheSize());
        log.debug("stub resolver on {}: {}", base, config);
    }

    @Override
    void start(String name, String host, AddressFamily family, Delivery d) {
        if (closed) {
            d.fail(new DnsException(DnsException.Reason.CLOSED, "lookup of " + host + ": the resolver is closed",
                    null));
            return;
        }
        List<InetAddress> fromHosts = config.hosts().lookup(name, family);
        if (!fromHosts.isEmpty()) {
            d.succeed(new DnsResult(host, name, fromHosts, 0, DnsResult.Source.HOSTS));
            return;
        }
        if (config.hosts().contains(name)) {
            // listed, but not for this family: the table is the authority for its names, as glibc's files source
            d.fail(new DnsException(DnsException.Reason.NO_DATA, host + ": the hosts table lists no " + family
                    + " address for it", null));
            return;
        }
        if (name.equals("localhost") || name.endsWith(".localhost")) {
            // RFC 6761 section 6.3: never asked of a server, always the loopback
            List<InetAddress> lo = new ArrayList<>(2);
            if (family != AddressFamily.IPV6) {
                lo.add(LOOPBACK_V4);
            }
            if (family != AddressFamily.IPV4) {
                lo.add(LOOPBACK_V6);
            }
            d.succeed(new DnsResult(host, name, lo, 0, DnsResult.Source.HOSTS));
            return;
        }
        new Lookup(host, family, candidates(name, host.endsWith(".")), d).next();
    }

    /** The names to ask for {@code name}, in order (see the class comment). */
    List<String> candidates(String name, boolean absolute) {
        List<String> out = new ArrayList<>(config.search().size() + 1);
        if (absolute || config.search().isEmpty()) {
            out.add(name);
            return out;
        }
        boolean asIsFirst = DnsNames.dots(name) >= config.ndots();
        if (asIsFirst) {
            out.add(name);
        }
        for (String s : config.search()) {
            String c = name + "." + s;
            if (c.length() <= DnsNames.MAX_NAME) {
                out.add(c);
            }
        }
        if (!asIsFirst) {
            out.add(name);
        }
        return out;
    }

    /**
     * Gets the answer for ({@code name}, {@code type}) into {@code then}: from the cache at once, else by joining the
     * query in flight or starting one. {@code depth} counts CNAME follow-ups, bounded by {@link DnsQuery}; a
     * follow-up ({@code depth > 0}) never joins a query in flight, nor is joined, since that query may be the one
     * waiting for it (a CNAME loop spread over answers would wait for ever).
     */
    void resolve(String name, int type, int depth, Consumer<Outcome> then) {
        String key = DnsCache.key(name, type);
        DnsCache.Entry e = cache.get(key, base.nanoTime());
        if (e != null) {
            log.trace("cache hit {}", key);
            long left = e.secondsLeft(base.nanoTime());
            then.accept(e.isPositive()
                    ? Outcome.found(e.addresses(), e.canonicalName(), left, true)
                    : Outcome.failed(new DnsException(e.negative(), name + " " + typeName(type) + ": "
                            + (e.negative() == DnsException.Reason.NAME_NOT_FOUND ? "no such name" : "no address")
                            + " (cached, " + left + " s left)", null), true));
            return;
        }
        DnsQuery q = depth == 0 ? inFlight.get(key) : null;
        if (q != null) {
            log.trace("joining the query in flight for {}", key);
            q.waiters.add(then);
            return;
        }
        q = new DnsQuery(this, name, type, key, depth);
        active.add(q);
        q.waiters.add(then);
        if (depth == 0) {
            inFlight.put(key, q);
        }
        q.start();
    }

    /** A query ended: it leaves the coalescing table. */
    void finished(DnsQuery q) {
        inFlight.remove(q.key, q);
        active.remove(q);
    }

    /** Queries on the wire now. */
    int queriesInFlight() {
        return inFlight.size();
    }

    static String typeName(int type) {
        return type == DnsRecord.A ? "A" : type == DnsRecord.AAAA ? "AAAA" : "type " + type;
    }

    @Override
    public void close() {
        Runnable r = () -> {
            if (closed) {
                return;
            }
            closed = true;
            for (DnsQuery q : new ArrayList<>(active)) {
                q.finish(Outcome.failed(new DnsException(DnsException.Reason.CLOSED, q.name + " "
                        + typeName(q.type) + ": the resolver was closed", null), false));
            }
            cache.clear();
        };
        base.runAsOwner(r);
    }

    @Override
    public String toString() {
        return "StubResolver[" + config.nameservers() + ", " + inFlight.size() + " queries in flight, cache "
                + cache.size() + "]";
    }

    /** The answer for one (name, type): addresses, or a failure. */
    record Outcome(List<InetAddress> addresses, String canonicalName, long ttl, boolean fromCache,
            DnsException failure) {
        static Outcome found(List<InetAddress> a, String cname, long ttl, boolean cached) {
            return new Outcome(a, cname, ttl, cached, null);
        }

        static Outcome failed(DnsException e, boolean cached) {
            return new Outcome(List.of(), null, 0, cached, e);
        }

        /** A failure that means "try the next name of the search list". */
        boolean isNegative() {
            return failure != null && (failure.reason() == DnsException.Reason.NAME_NOT_FOUND
                    || failure.reason() == DnsException.Reason.NO_DATA);
        }
    }

    /** One user's lookup: the search-list walk, one or two types per name. */
    private final class Lookup {
        private final String host;
        private final AddressFamily family;
        private final List<String> names;
        private final Delivery delivery;
        private int index = -1;
        private Outcome v4;
        private Outcome v6;
        private int waiting;
        /** Some candidate exists without addresses: the final failure is NO_DATA rather than NAME_NOT_FOUND. */
        private boolean sawNoData;
        /** The last candidate's negative answer: the cause of the final failure. */
        private DnsException lastNegative;

        Lookup(String host, AddressFamily family, List<String> names, Delivery delivery) {
            this.host = host;
            this.family = family;
            this.names = names;
            this.delivery = delivery;
        }

        void next() {
            index++;
            if (index == names.size()) {
                DnsException.Reason r = sawNoData ? DnsException.Reason.NO_DATA : DnsException.Reason.NAME_NOT_FOUND;
                delivery.fail(new DnsException(r, host + ": " + (r == DnsException.Reason.NO_DATA
                        ? "no " + family + " address" : "no such name") + " (asked " + names + ")", lastNegative));
                return;
            }
            String name = names.get(index);
            v4 = null;
            v6 = null;
            int round = index;
            waiting = family == AddressFamily.ANY ? 2 : 1;
            if (family != AddressFamily.IPV6) {
                resolve(name, DnsRecord.A, 0, o -> done(round, o, true));
            }
            if (family != AddressFamily.IPV4 && round == index) {
                resolve(name, DnsRecord.AAAA, 0, o -> done(round, o, false));
            }
        }

        private void done(int round, Outcome o, boolean isV4) {
            if (round != index) {
                return; // cannot happen: the next name starts only when both answers are in
            }
            if (isV4) {
                v4 = o;
            } else {
                v6 = o;
            }
            if (--waiting > 0) {
                return;
            }
            List<InetAddress> all = new ArrayList<>();
            String cname = null;
            long ttl = Long.MAX_VALUE;
            boolean cached = true;
            for (Outcome x : new Outcome[] {v4, v6}) {
                if (x != null && x.failure == null) {
                    all.addAll(x.addresses);
                    cname = cname == null ? x.canonicalName : cname;
                    ttl = Math.min(ttl, x.ttl);
                    cached &= x.fromCache;
                }
            }
            if (!all.isEmpty()) {
                delivery.succeed(new DnsResult(host, cname, List.copyOf(all), ttl,
                        cached ? DnsResult.Source.CACHE : DnsResult.Source.DNS));
                return;
            }
            for (Outcome x : new Outcome[] {v4, v6}) {
                if (x != null && !x.isNegative()) {
                    delivery.fail(x.failure.forHost(host));
                    return;
                }
                if (x != null) {
                    lastNegative = x.failure;
                    sawNoData |= x.failure.reason() == DnsException.Reason.NO_DATA;
                }
            }
            next();
        }
    }
}
