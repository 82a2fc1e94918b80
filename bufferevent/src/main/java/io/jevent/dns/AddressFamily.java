package io.jevent.dns;

/** Which addresses a lookup wants: A records (IPv4), AAAA records (IPv6), or both. */
public enum AddressFamily {
    /** IPv4: A records. */
    IPV4,
    /** IPv6: AAAA records. */
    IPV6,
    /** Both, queried in parallel; IPv4 addresses first in the answer, as the JDK orders them by default. */
    ANY
}
