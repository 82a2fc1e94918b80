package io.jevent.dns;

import java.net.InetAddress;
import java.util.List;

/**
 * The addresses a lookup found.
 *
 * @param host the name as asked
 * @param canonicalName the name the addresses belong to after CNAMEs and the search list (canonical form)
 * @param addresses one or more addresses; for {@link AddressFamily#ANY}, IPv4 ones first
 * @param ttlSeconds how long the answer may be kept (the smallest TTL along the CNAME chain; 0 for literals and
 *     the hosts table)
 * @param source where the answer came from
 */
public record DnsResult(String host, String canonicalName, List<InetAddress> addresses, long ttlSeconds,
        Source source) {
    /** Where an answer came from. */
    public enum Source {
        /** The host was an IP address literal. */
        LITERAL,
        /** The hosts table. */
        HOSTS,
        /** The resolver's cache. */
        CACHE,
        /** A name server, just now. */
        DNS,
        /** The JDK's resolver. */
        SYSTEM
    }
}
