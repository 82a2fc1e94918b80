package io.jevent.dns;

import io.jevent.EventBase;
import io.jevent.conformance.ConformanceBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stub {@link Resolver} against a real DNS server ({@link Dnsmasq}) and against silent or lying UDP peers, on
 * the backend under test: A and AAAA answers, the cache (no second query in dnsmasq's log), coalescing (N lookups,
 * one query), NXDOMAIN and its negative cache, timeouts, fail-over, TCP after truncation, CNAME chains, the search
 * list, spoofed and malformed answers, and the loop kept alive while a lookup is out.
 */
public abstract class DnsResolverConformance extends ConformanceBase {
    static final InetAddress V4 = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
    }

    static List<String> standardHosts() {
        List<String> h = new ArrayList<>(List.of("127.0.0.1 www.test", "::1 www.test", "10.9.9.9 v4only.test",
                "10.1.1.1 other.test"));
        for (int i = 1; i <= 60; i++) {
            h.add("10.0.1." + i + " big.test");
        }
        return h;
    }

    Dnsmasq dnsmasq(String... extra) throws Exception {
        Dnsmasq d = Dnsmasq.start(dir, standardHosts(), extra);
        closeAfter.add(d);
        return d;
    }

    /** A UDP socket that reads queries and never answers. */
    DatagramSocket silent() throws IOException {
        DatagramSocket s = new DatagramSocket(0, V4);
        closeAfter.add(s);
        return s;
    }

    Resolver resolver(EventBase base, ResolverConfig c) {
        Resolver r = Resolver.create(base, c);
        closeAfter.add(r::close);
        return r;
    }

    /** The outcome of one lookup, after running the loop until dispatch() ends by itself. */
    record Got(DnsResult result, DnsException failure, boolean onLoop) {
    }

    Got lookup(EventBase base, Resolver r, String host, AddressFamily f) {
        Got[] got = new Got[1];
        r.lookup(host, f, (res, e) -> got[0] = new Got(res, e, base.inRunningLoop()));
        dispatchWithin(base);
        assertNotNull(got[0], "dispatch() ended before the lookup of " + host + " answered");
        assertTrue(got[0].onLoop, "the callback ran off the loop thread");
        return got[0];
    }

    static List<InetAddress> ips(String... literals) throws IOException {
        List<InetAddress> out = new ArrayList<>();
        for (String s : literals) {
            out.add(InetAddress.getByName(s));
        }
        return out;
    }

    @Test
    void shouldAnswerAAndAaaaFromDnsmasq() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        Got any = lookup(base, r, "www.test", AddressFamily.ANY);
        assertNull(any.failure);
        assertEquals(ips("127.0.0.1", "::1"), any.result.addresses());
        assertEquals(DnsResult.Source.DNS, any.result.source());
        assertEquals("www.test", any.result.canonicalName());
        assertTrue(any.result.ttlSeconds() > 0 && any.result.ttlSeconds() <= 60, "ttl " + any.result.ttlSeconds());
        assertEquals(ips("10.9.9.9"), lookup(base, r, "V4ONLY.test.", AddressFamily.IPV4).result.addresses());
        assertEquals(1, d.queries("www.test", "A"));
        assertEquals(1, d.queries("www.test", "AAAA"));
    }

    @Test
    void shouldServeASecondLookupFromTheCache() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        assertEquals(DnsResult.Source.DNS, lookup(base, r, "other.test", AddressFamily.IPV4).result.source());
        Got second = lookup(base, r, "Other.Test", AddressFamily.IPV4);
        assertEquals(DnsResult.Source.CACHE, second.result.source());
        assertEquals(ips("10.1.1.1"), second.result.addresses());
        assertEquals(1, d.queries("other.test", "A"), "the second lookup must not reach the server: "
                + d.logLines());
    }

    @Test
    void shouldCoalesceConcurrentLookupsIntoOneQuery() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        int n = 25;
        List<DnsResult> results = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.lookup("www.test", AddressFamily.ANY, (res, e) -> {
                assertNull(e);
                results.add(res);
            });
        }
        dispatchWithin(base);
        assertEquals(n, results.size());
        for (DnsResult res : results) {
            assertEquals(ips("127.0.0.1", "::1"), res.addresses());
        }
        assertEquals(1, d.queries("www.test", "A"), "N lookups => one A query: " + d.logLines());
        assertEquals(1, d.queries("www.test", "AAAA"), "N lookups => one AAAA query");
    }

    @Test
    void shouldReportNxdomainAndCacheItForTheSoaMinimum() throws Exception {
        // authoritative for test.: negative answers carry the SOA (minimum 60 s) that negative caching needs
        Dnsmasq d = dnsmasq("--auth-server=ns.test,127.0.0.1", "--auth-zone=test", "--auth-ttl=60",
                "--auth-soa=1,hostmaster.test,1200,120,1209600");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        Got first = lookup(base, r, "nx.test", AddressFamily.IPV4);
        assertNull(first.result);
        assertEquals(DnsException.Reason.NAME_NOT_FOUND, first.failure.reason());
        Got second = lookup(base, r, "nx.test", AddressFamily.IPV4);
        assertEquals(DnsException.Reason.NAME_NOT_FOUND, second.failure.reason());
        assertTrue(second.failure.getCause().getMessage().contains("cached"), () -> "" + second.failure.getCause());
        assertEquals(1, d.queries("nx.test", "A"), "the negative answer is cached: " + d.logLines());
        Got nodata = lookup(base, r, "v4only.test", AddressFamily.IPV6);
        assertEquals(DnsException.Reason.NO_DATA, nodata.failure.reason());
        lookup(base, r, "v4only.test", AddressFamily.IPV6);
        assertEquals(1, d.queries("v4only.test", "AAAA"), "NODATA is cached too");
    }

    @Test
    void shouldTimeOutAgainstASilentServerWithFreshIdsAndPorts() throws Exception {
        DatagramSocket quiet = silent();
        InetSocketAddress addr = (InetSocketAddress) quiet.getLocalSocketAddress();
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(addr).withTimeout(Duration.ofMillis(100))
                .withAttempts(3));
        long t0 = System.nanoTime();
        Got got = lookup(base, r, "www.test", AddressFamily.IPV4);
        long tookMs = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(DnsException.Reason.TIMEOUT, got.failure.reason());
        assertTrue(tookMs >= 650, "the wait doubles each round, 100 + 200 + 400 ms; took " + tookMs + " ms");
        // the three queries are waiting in the silent socket's buffer
        quiet.setSoTimeout(2000);
        Set<Integer> ports = new HashSet<>();
        Set<Integer> ids = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            quiet.receive(p);
            ports.add(p.getPort());
            ids.add(((p.getData()[0] & 0xff) << 8) | (p.getData()[1] & 0xff));
        }
        quiet.setSoTimeout(50);
        assertThrows(SocketTimeoutException.class, () -> quiet.receive(new DatagramPacket(new byte[512], 512)),
                "exactly attempts x servers queries");
        assertEquals(3, ports.size(), "every attempt from a fresh source port: " + ports);
        assertTrue(ids.size() >= 2, "query ids are random: " + ids);
    }

    @Test
    void shouldFailOverFromASilentServerToTheNext() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        DatagramSocket quiet = silent();
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers((InetSocketAddress) quiet.getLocalSocketAddress(),
                d.address).withTimeout(Duration.ofMillis(150)));
        Got got = lookup(base, r, "www.test", AddressFamily.IPV4);
        assertNull(got.failure);
        assertEquals(ips("127.0.0.1"), got.result.addresses());
        assertEquals(1, d.queries("www.test", "A"));
    }

    @Test
    void shouldAskAgainOverTcpWhenTheAnswerIsTruncated() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        Got got = lookup(base, r, "big.test", AddressFamily.IPV4);
        assertNull(got.failure);
        Set<InetAddress> want = new HashSet<>();
        for (int i = 1; i <= 60; i++) {
            want.add(InetAddress.getByName("10.0.1." + i));
        }
        assertEquals(want, new HashSet<>(got.result.addresses()), "all 60 addresses: only TCP carries them");
        assertEquals(2, d.queries("big.test", "A"), "one UDP query (truncated), one TCP query: " + d.logLines());
    }

    @Test
    void shouldFollowCnameChains() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/", "--cname=alias.test,www.test", "--cname=alias2.test,alias.test");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address));
        Got got = lookup(base, r, "alias2.test", AddressFamily.ANY);
        assertNull(got.failure);
        assertEquals(ips("127.0.0.1", "::1"), got.result.addresses());
        assertEquals("www.test", got.result.canonicalName());
    }

    @Test
    void shouldWalkTheSearchList() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers(d.address).withSearch(List.of("nowhere.test",
                "test")));
        Got got = lookup(base, r, "www", AddressFamily.IPV4);
        assertNull(got.failure);
        assertEquals("www.test", got.result.canonicalName());
        assertEquals(1, d.queries("www.nowhere.test", "A"), "the first suffix was tried first");
    }

    @Test
    void shouldAnswerFromTheHostsTableAndLiteralsWithoutAsking() throws Exception {
        DatagramSocket quiet = silent();
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers((InetSocketAddress) quiet.getLocalSocketAddress())
                .withHosts(HostsFile.parse("10.7.7.7 printer.lan printer\n")));
        Got h = lookup(base, r, "PRINTER", AddressFamily.ANY);
        assertEquals(DnsResult.Source.HOSTS, h.result.source());
        assertEquals(ips("10.7.7.7"), h.result.addresses());
        Got lit = lookup(base, r, "::1", AddressFamily.IPV6);
        assertEquals(DnsResult.Source.LITERAL, lit.result.source());
        assertEquals(DnsException.Reason.NO_DATA, lookup(base, r, "10.0.0.1", AddressFamily.IPV6).failure.reason());
        assertEquals(DnsException.Reason.NO_DATA, lookup(base, r, "printer", AddressFamily.IPV6).failure.reason(),
                "a listed name is not asked of a server for the other family");
        assertEquals(ips("127.0.0.1", "::1"), lookup(base, r, "localhost", AddressFamily.ANY).result.addresses(),
                "localhost is the loopback even when the table does not list it (RFC 6761)");
        quiet.setSoTimeout(50);
        assertThrows(SocketTimeoutException.class, () -> quiet.receive(new DatagramPacket(new byte[512], 512)),
                "no query reached the server");
    }

    @Test
    void shouldRejectNamesThatCannotExistAtTheCall() {
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.defaults());
        String label64 = "a".repeat(64);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.lookup(label64 + ".test", AddressFamily.ANY, (res, f) -> { }));
        assertTrue(e.getMessage().contains("63"), e.getMessage());
        String long254 = ("a".repeat(50) + ".").repeat(5) + "abc";
        assertEquals(258, long254.length());
        e = assertThrows(IllegalArgumentException.class, () -> r.lookup(long254, AddressFamily.ANY, (res, f) -> { }));
        assertTrue(e.getMessage().contains("253"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> r.lookup("a..b", AddressFamily.ANY, (res, f) -> { }));
        assertTrue(e.getMessage().contains("empty label"), e.getMessage());
        assertEquals(0, base.workInFlight(), "a refused name leaves no work behind");
    }

    @Test
    void shouldIgnoreSpoofedAndMismatchedAnswersAndTakeTheRealOne() throws Exception {
        try (FakeServer fake = new FakeServer()) {
            fake.reply = (query, from, s) -> {
                int id = ((query[0] & 0xff) << 8) | (query[1] & 0xff);
                try (DatagramSocket other = new DatagramSocket(0, V4)) { // right everything, wrong source port
                    send(other, FakeServer.answer(id, "www.test", 1, "10.6.6.6"), from);
                }
                send(s, FakeServer.answer(id ^ 1, "www.test", 1, "10.6.6.7"), from); // wrong id
                send(s, FakeServer.answer(id, "wwx.test", 1, "10.6.6.8"), from); // wrong question
                send(s, FakeServer.answer(id, "www.test", 28, "::6"), from); // wrong type
                send(s, new byte[] {query[0], query[1], 1}, from); // too short to be anything
                send(s, FakeServer.answer(id, "WWW.Test", 1, "10.1.2.3"), from); // the real one (0x20 case)
            };
            EventBase base = newBase();
            Resolver r = resolver(base, ResolverConfig.nameservers(fake.address()).withTimeout(Duration.ofSeconds(5)));
            Got got = lookup(base, r, "www.test", AddressFamily.IPV4);
            assertNull(got.failure, () -> "" + got.failure);
            assertEquals(ips("10.1.2.3"), got.result.addresses());
        }
    }

    @Test
    void shouldFailTheLookupOnAMalformedAnswerWithoutThrowingOnTheLoop() throws Exception {
        try (FakeServer fake = new FakeServer()) {
            fake.reply = (query, from, s) -> {
                byte[] a = FakeServer.answer(((query[0] & 0xff) << 8) | (query[1] & 0xff), "www.test", 1, "10.0.0.1");
                // the answer's owner name: a pointer to itself, a compression loop
                int owner = a.length - 16;
                a[owner] = (byte) 0xc0;
                a[owner + 1] = (byte) owner;
                send(s, a, from);
            };
            EventBase base = newBase();
            List<Throwable> loopErrors = new CopyOnWriteArrayList<>();
            base.setCallbackErrorHandler((ev, t) -> loopErrors.add(t));
            Resolver r = resolver(base, ResolverConfig.nameservers(fake.address()));
            Got got = lookup(base, r, "www.test", AddressFamily.IPV4);
            assertEquals(DnsException.Reason.MALFORMED, got.failure.reason(), () -> "" + got.failure);
            assertEquals(List.of(), loopErrors);
        }
    }

    @Test
    void shouldSurviveAServerThatAnswersWithMutatedMessages() throws Exception {
        try (FakeServer fake = new FakeServer()) {
            java.util.concurrent.atomic.AtomicLong seeds = new java.util.concurrent.atomic.AtomicLong();
            fake.reply = (query, from, s) -> {
                DnsMessage q;
                try {
                    q = DnsMessage.decode(java.nio.ByteBuffer.wrap(query));
                } catch (DnsFormatException e) {
                    throw new IOException(e);
                }
                byte[] a = FakeServer.answer(q.id(), q.questionName(), q.questionType(), "10.0.0.1");
                java.util.SplittableRandom rnd = new java.util.SplittableRandom(seeds.incrementAndGet());
                switch (rnd.nextInt(4)) {
                    case 0 -> a = java.util.Arrays.copyOf(a, rnd.nextInt(a.length)); // cut
                    case 1 -> a[12 + rnd.nextInt(a.length - 12)] = (byte) rnd.nextInt(256); // a byte past the id
                    case 2 -> { // a pointer anywhere in the answer
                        int at = a.length - 16 + rnd.nextInt(2);
                        a[at] = (byte) (0xc0 | rnd.nextInt(4));
                        a[at + 1] = (byte) rnd.nextInt(256);
                    }
                    default -> { // the record count made large
                        a[6] = (byte) rnd.nextInt(256);
                        a[7] = (byte) rnd.nextInt(256);
                    }
                }
                send(s, a, from);
            };
            EventBase base = newBase();
            List<Throwable> loopErrors = new CopyOnWriteArrayList<>();
            base.setCallbackErrorHandler((ev, t) -> loopErrors.add(t));
            Resolver r = resolver(base, ResolverConfig.nameservers(fake.address()).withTimeout(Duration.ofMillis(300))
                    .withAttempts(1).withCacheSize(0));
            long descriptorsBefore = io.jevent.conformance.Descriptors.openNow();
            int n = 200;
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                r.lookup("n" + i + ".test", AddressFamily.IPV4, (res, e) -> outcomes.add(res != null ? "ok"
                        : e.reason().name()));
            }
            dispatchWithin(base);
            assertEquals(n, outcomes.size(), "every lookup ends, with an answer or a DnsException");
            assertEquals(List.of(), loopErrors, "nothing thrown on the loop");
            var spread = outcomes.stream().collect(java.util.stream.Collectors.groupingBy(x -> x,
                    java.util.stream.Collectors.counting()));
            assertTrue(spread.containsKey("MALFORMED") && spread.containsKey("ok"),
                    "mutations both break answers and leave some whole: " + spread);
            // NIO releases a registered channel's descriptor at the selector's next select: give it one
            base.once(null, io.jevent.Ev.TIMEOUT, Duration.ofMillis(1), (ev, w) -> { });
            dispatchWithin(base);
            assertTrue(io.jevent.conformance.Descriptors.openNow() <= descriptorsBefore,
                    () -> "every query's socket is closed when it ends: " + descriptorsBefore + " -> "
                            + io.jevent.conformance.Descriptors.openNow());
        }
    }

    @Test
    void shouldKeepDispatchRunningWhileALookupIsOutAndDeliverThroughAFuture() throws Exception {
        Dnsmasq d = dnsmasq("--local=/test/");
        DatagramSocket quiet = silent();
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers((InetSocketAddress) quiet.getLocalSocketAddress(),
                d.address).withTimeout(Duration.ofMillis(200)));
        CompletableFuture<DnsResult> f = r.lookup("www.test", AddressFamily.IPV6);
        assertEquals(1, base.workInFlight());
        dispatchWithin(base); // nothing else is pending: only the lookup keeps dispatch() from returning at once
        assertTrue(f.isDone(), "dispatch() returned before the answer");
        assertEquals(ips("::1"), f.get(1, TimeUnit.SECONDS).addresses());
        assertEquals(0, base.workInFlight());
    }

    @Test
    void shouldFailLookupsInFlightWhenClosed() throws Exception {
        DatagramSocket quiet = silent();
        EventBase base = newBase();
        Resolver r = resolver(base, ResolverConfig.nameservers((InetSocketAddress) quiet.getLocalSocketAddress()));
        List<DnsException> got = new ArrayList<>();
        r.lookup("www.test", AddressFamily.ANY, (res, e) -> got.add(e));
        base.newTimer((ev, w) -> r.close()).add(Duration.ofMillis(20));
        dispatchWithin(base);
        assertEquals(1, got.size());
        assertEquals(DnsException.Reason.CLOSED, got.get(0).reason());
        Got after = lookup(base, r, "www.test", AddressFamily.ANY);
        assertEquals(DnsException.Reason.CLOSED, after.failure.reason());
    }

    /** The JDK resolver keeps Resolver.close's promise too: a lookup still on its helper fails CLOSED, once. */
    @Test
    void shouldFailSystemLookupsInFlightWhenClosed() throws Exception {
        EventBase base = newBase();
        List<Runnable> held = new ArrayList<>(); // the helper that has not got round to the lookup yet
        Resolver r = Resolver.system(base, held::add);
        closeAfter.add(r::close);
        List<DnsException> got = new ArrayList<>();
        r.lookup("localhost", AddressFamily.ANY, (res, e) -> got.add(e));
        base.newTimer((ev, w) -> r.close()).add(Duration.ofMillis(20));
        dispatchWithin(base);
        assertEquals(1, got.size(), "the lookup in flight got its callback at close");
        assertEquals(DnsException.Reason.CLOSED, got.get(0).reason());
        assertEquals(1, held.size());
        held.get(0).run(); // the helper's answer, late: dropped
        base.loop(io.jevent.LoopFlag.NONBLOCK);
        assertEquals(1, got.size(), "one callback per lookup");
        Got after = lookup(base, r, "localhost", AddressFamily.ANY);
        assertEquals(DnsException.Reason.CLOSED, after.failure.reason());
    }

    static void send(DatagramSocket s, byte[] b, java.net.SocketAddress to) throws IOException {
        s.send(new DatagramPacket(b, b.length, to));
    }
}
