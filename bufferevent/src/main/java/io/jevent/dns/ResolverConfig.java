package io.jevent.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What a stub {@link Resolver} asks and how: name servers, the search list and {@code ndots}, the time to wait per
 * attempt and the number of rounds over the servers, the hosts table consulted first, and the cache's size.
 * Immutable: each {@code with*} method returns a changed copy.
 *
 * <pre>{@code
 * ResolverConfig c = ResolverConfig.system();                                           // /etc/resolv.conf, /etc/hosts
 * ResolverConfig t = ResolverConfig.nameservers(new InetSocketAddress("127.0.0.1", 5353)); // a server of your own
 * }</pre>
 *
 * <p>Defaults are resolv.conf(5)'s: {@code ndots:1}, {@code timeout:5}, {@code attempts:2}, no search list, and
 * {@code 127.0.0.1:53} when no name server is given.
 */
public final class ResolverConfig {
    /** resolv.conf(5): at most 15 for {@code ndots}. */
    static final int MAX_NDOTS = 15;
    private static final InetSocketAddress LOCAL_DNS = new InetSocketAddress(InetAddress.getLoopbackAddress(), 53);

    private final List<InetSocketAddress> nameservers;
    private final List<String> search;
    private final int ndots;
    private final Duration timeout;
    private final int attempts;
    private final HostsFile hosts;
    private final int cacheSize;

    private ResolverConfig(List<InetSocketAddress> nameservers, List<String> search, int ndots, Duration timeout,
            int attempts, HostsFile hosts, int cacheSize) {
        this.nameservers = nameservers;
        this.search = search;
        this.ndots = ndots;
        this.timeout = timeout;
        this.attempts = attempts;
        this.hosts = hosts;
        this.cacheSize = cacheSize;
    }

    /**
     * The defaults with no hosts table and {@code 127.0.0.1:53} as the only server.
     *
     * @return the default configuration
     */
    public static ResolverConfig defaults() {
        return new ResolverConfig(List.of(LOCAL_DNS), List.of(), 1, Duration.ofSeconds(5), 2, HostsFile.EMPTY, 1024);
    }

    /**
     * The defaults, asking the given servers, in this order, with no search list and no hosts table: what a tool
     * taking {@code --nameserver HOST:PORT} wants.
     *
     * @param servers one or more servers, resolved addresses with their ports
     * @return the configuration
     * @throws IllegalArgumentException if none is given or one is unresolved
     */
    public static ResolverConfig nameservers(InetSocketAddress... servers) {
        return defaults().withNameservers(servers);
    }

    /**
     * The machine's configuration: {@code /etc/resolv.conf} and {@code /etc/hosts} (a missing file gives the
     * defaults). Reads the files now, on the calling thread.
     *
     * @return the configuration
     * @throws UncheckedIOException if a file exists but cannot be read
     */
    public static ResolverConfig system() {
        try {
            return fromFiles(Path.of("/etc/resolv.conf"), Path.of("/etc/hosts"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The configuration in a resolv.conf-format file and a hosts-format file.
     *
     * @param resolvConf a resolv.conf(5) file; missing: the defaults
     * @param hostsFile a hosts(5) file; missing: an empty table
     * @return the configuration
     * @throws IOException if a file exists but cannot be read
     */
    public static ResolverConfig fromFiles(Path resolvConf, Path hostsFile) throws IOException {
        return ResolvConf.read(resolvConf).withHosts(HostsFile.read(hostsFile));
    }

    /**
     * A copy asking these servers, tried in this order and round-robin on retries.
     *
     * @param servers one or more resolved addresses with ports
     * @return the changed copy
     * @throws IllegalArgumentException if none is given or one is unresolved
     */
    public ResolverConfig withNameservers(InetSocketAddress... servers) {
        return withNameservers(List.of(servers));
    }

    /**
     * A copy asking these servers.
     *
     * @param servers one or more resolved addresses with ports
     * @return the changed copy
     * @throws IllegalArgumentException if the list is empty or an address is unresolved
     */
    public ResolverConfig withNameservers(List<InetSocketAddress> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("expected at least one name server, got none");
        }
        for (InetSocketAddress s : servers) {
            if (Objects.requireNonNull(s, "server").isUnresolved()) {
                throw new IllegalArgumentException("name server " + s + " is unresolved: give an IP address");
            }
        }
        return new ResolverConfig(List.copyOf(servers), search, ndots, timeout, attempts, hosts, cacheSize);
    }

    /**
     * A copy with this search list (resolv.conf's {@code search}): suffixes tried for a name with fewer than
     * {@link #ndots()} dots before the name itself, and after it otherwise.
     *
     * @param domains domain names, each checked as a host name
     * @return the changed copy
     * @throws IllegalArgumentException if a domain cannot be a name
     */
    public ResolverConfig withSearch(List<String> domains) {
        List<String> s = new ArrayList<>(domains.size());
        for (String d : domains) {
            s.add(DnsNames.check(d));
        }
        return new ResolverConfig(nameservers, List.copyOf(s), ndots, timeout, attempts, hosts, cacheSize);
    }

    /**
     * A copy with this {@code ndots}.
     *
     * @param n dots a name needs to be tried as given before the search list, {@code 0..15}
     * @return the changed copy
     * @throws IllegalArgumentException if out of range
     */
    public ResolverConfig withNdots(int n) {
        if (n < 0 || n > MAX_NDOTS) {
            throw new IllegalArgumentException("expected 0 <= ndots <= " + MAX_NDOTS + ", got " + n);
        }
        return new ResolverConfig(nameservers, search, n, timeout, attempts, hosts, cacheSize);
    }

    /**
     * A copy with this first-round timeout per attempt; each later round over the servers waits twice as long.
     *
     * @param t a positive duration
     * @return the changed copy
     * @throws IllegalArgumentException if not positive
     */
    public ResolverConfig withTimeout(Duration t) {
        if (t.isNegative() || t.isZero()) {
            throw new IllegalArgumentException("expected a positive timeout, got " + t);
        }
        return new ResolverConfig(nameservers, search, ndots, t, attempts, hosts, cacheSize);
    }

    /**
     * A copy with this many rounds over the servers.
     *
     * @param n rounds, {@code >= 1}
     * @return the changed copy
     * @throws IllegalArgumentException if below 1
     */
    public ResolverConfig withAttempts(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("expected attempts >= 1, got " + n);
        }
        return new ResolverConfig(nameservers, search, ndots, timeout, n, hosts, cacheSize);
    }

    /**
     * A copy consulting this hosts table before asking a server.
     *
     * @param table the table ({@link HostsFile#EMPTY} for none)
     * @return the changed copy
     */
    public ResolverConfig withHosts(HostsFile table) {
        return new ResolverConfig(nameservers, search, ndots, timeout, attempts, Objects.requireNonNull(table,
                "table"), cacheSize);
    }

    /**
     * A copy whose cache holds at most this many answers (positive and negative), least recently used dropped
     * first; 0 turns caching off.
     *
     * @param n entries, {@code >= 0}
     * @return the changed copy
     * @throws IllegalArgumentException if negative
     */
    public ResolverConfig withCacheSize(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("expected cacheSize >= 0, got " + n);
        }
        return new ResolverConfig(nameservers, search, ndots, timeout, attempts, hosts, n);
    }

    /** @return the servers, in order */
    public List<InetSocketAddress> nameservers() {
        return nameservers;
    }

    /** @return the search list */
    public List<String> search() {
        return search;
    }

    /** @return resolv.conf's {@code ndots} */
    public int ndots() {
        return ndots;
    }

    /** @return the first round's timeout per attempt */
    public Duration timeout() {
        return timeout;
    }

    /** @return rounds over the servers */
    public int attempts() {
        return attempts;
    }

    /** @return the hosts table */
    public HostsFile hosts() {
        return hosts;
    }

    /** @return the cache's capacity in answers */
    public int cacheSize() {
        return cacheSize;
    }

    @Override
    public String toString() {
        return "ResolverConfig[nameservers " + nameservers + ", search " + search + ", ndots " + ndots + ", timeout "
                + timeout.toMillis() + " ms, attempts " + attempts + ", " + hosts + ", cache " + cacheSize + "]";
    }
}
