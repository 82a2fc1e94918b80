/**
 * Name lookups for an {@link io.jevent.EventBase}, answered on its loop thread (libevent's evdns).
 *
 * <p>Design note. {@link io.jevent.dns.Resolver} is the public face; a lookup is given a name and an
 * {@link io.jevent.dns.AddressFamily} and answers through a {@link io.jevent.dns.LookupCallback} (or a
 * {@code CompletableFuture}) on the loop thread, always later than the call. Each lookup holds an
 * {@link io.jevent.InFlightWork} from the call to its answer, which is how {@code dispatch()} knows to stay alive;
 * that is also the one path an answer takes to the loop, so a base closed meanwhile drops it quietly.
 *
 * <p>{@code StubResolver} (from {@link io.jevent.dns.Resolver#create}) runs entirely on the loop thread and blocks
 * nowhere: the hosts table first, then the {@code DnsCache} (positive answers for their TTL, NXDOMAIN and NODATA for
 * the SOA's negative TTL, least recently used dropped past the capacity), then the coalescing table of queries in
 * flight, keyed by (name, type), so concurrent lookups of one name share one {@code DnsQuery}. A query is a small
 * state machine on the base's events: per attempt a fresh UDP socket (random source port) and a SecureRandom id,
 * a READ event and a deadline timer of its own (forged datagrams cannot stretch it); TC moves it to TCP on the same
 * server; a timeout, a failing server or a broken exchange moves it to the next server, the wait doubling each round.
 * Answers are checked against the question (source address and port, id, QR, name case-insensitively, type, class)
 * before they count. {@code DnsMessage} decodes with every read bounds-checked and compression pointers required to
 * point strictly backwards, so hostile bytes end as a {@code DnsFormatException} for that lookup and never as an
 * exception on the loop or a loop without end.
 *
 * <p>{@code SystemResolver} (from {@link io.jevent.dns.Resolver#system}) is the JDK's blocking resolver on helper
 * threads, kept for names only the platform's name service knows.
 *
 * <p>UDP goes through the backend's {@link io.jevent.spi.NetOps} datagram operations and TCP through its stream
 * operations, with events on the base, so the resolver runs on every backend, completion engines included.
 */
package io.jevent.dns;
