package io.jevent.dns;

import java.net.InetAddress;

/**
 * One resource record of an answer, reduced to what a stub resolver uses: its owner name (canonical), type, class,
 * TTL in seconds, and its data: an {@link InetAddress} for A and AAAA, the target name for CNAME, the negative-cache
 * TTL ({@code min(TTL, MINIMUM)}, RFC 2308) for SOA, nothing for other types.
 */
record DnsRecord(String name, int type, int dnsClass, long ttl, InetAddress address, String target) {
    static final int A = 1;
    static final int CNAME = 5;
    static final int SOA = 6;
    static final int AAAA = 28;
    static final int CLASS_IN = 1;
}
