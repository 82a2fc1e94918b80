package io.jevent.dns;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One question, (name, type), on the wire until it has an answer, shared by every lookup waiting for it.
 *
 * <p><b>Attempts.</b> {@code attempts} rounds over the servers, in order: attempt {@code i} asks server
 * {@code i % n} and waits {@code timeout << (i / n)} (the wait doubles each round, up to 8 times the first). Each
 * attempt opens a fresh UDP socket bound to port 0, so its source port is one the OS picked at random, and draws a
 * fresh id from a {@link java.security.SecureRandom}. A timeout, a server failure (SERVFAIL, REFUSED, ...), a failed
 * send or a broken TCP exchange moves on to the next attempt; when none is left, the last failure is the outcome.
 *
 * <p><b>Checking an answer</b> (anti-spoofing). A datagram counts only if it comes from the address and port asked,
 * carries the query's id, is a response, and repeats the question (name case-insensitively, type, class IN);
 * anything else is ignored (logged at debug) and the attempt keeps waiting until its deadline, which a flood of
 * forgeries does not move (the deadline is a timer of its own). A datagram that passes those checks up to the id
 * but then does not parse fails the query as {@link DnsException.Reason#MALFORMED}: garbage from the server itself.
 *
 * <p><b>Truncation.</b> An answer with TC set is asked again over TCP to the same server (two-byte length prefix,
 * RFC 1035 section 4.2.2), within a fresh deadline of the attempt's length.
 *
 * <p><b>Answers.</b> The CNAME chain is followed from the question's name through the answer section (at most 16
 * links, no name twice); addresses of the type asked at its end are the answer, cached for the smallest TTL along
 * the chain. A chain that ends without addresses and without an SOA (the server did not chase it) is asked again for
 * its last name, up to 8 times. NXDOMAIN and NODATA are cached for the SOA's negative TTL (RFC 2308), and not at all
 * without an SOA.
 *
 * <p>Loop thread only.
 */
final class DnsQuery {
    private static final Logger log = LoggerFactory.getLogger(DnsQuery.class);
    private static final int MAX_CHAIN = 16;
    private static final int MAX_FOLLOW_UPS = 8;
    /** Datagrams read per readiness callback before the loop gets a turn again. */
    private static final int MAX_DATAGRAMS_PER_WAKE = 16;
    private static final InetSocketAddress ANY_V4 = new InetSocketAddress(anyAddress(false), 0);
    private static final InetSocketAddress ANY_V6 = new InetSocketAddress(anyAddress(true), 0);

    private final StubResolver resolver;
    private final NetOps ops;
    final String name;
    final int type;
    final String key;
    private final int depth;
    final List<Consumer<StubResolver.Outcome>> waiters = new ArrayList<>(1);

    private int attempt = -1;
    private int id;
    private InetSocketAddress server;
    private long attemptNanos;
    private Handle socket;
    private Event io;
    private Event deadline;
    private boolean tcp;
    private boolean connecting;
    private ByteBuffer tcpOut;
    private final ByteBuffer tcpLength = ByteBuffer.allocate(2);
    private ByteBuffer tcpIn;
    /** Why the last attempt failed: the outcome if it was the last. */
    private DnsException lastFailure;
    private boolean done;

    DnsQuery(StubResolver resolver, String name, int type, String key, int depth) {
        this.resolver = resolver;
        this.ops = resolver.ops;
        this.name = name;
        this.type = type;
        this.key = key;
        this.depth = depth;
    }

    private static InetAddress anyAddress(boolean v6) {
        try {
            return InetAddress.getByAddress(new byte[v6 ? 16 : 4]);
        } catch (java.net.UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
    }

    private String what() {
        return name + " " + StubResolver.typeName(type);
    }

    void start() {
        nextAttempt();
    }

    private void nextAttempt() {
        closeSocket();
        if (done) {
            return;
        }
        List<InetSocketAddress> servers = resolver.config.nameservers();
        int total = servers.size() * resolver.config.attempts();
        attempt++;
        if (attempt >= total) {
            finish(StubResolver.Outcome.failed(lastFailure != null ? lastFailure
                    : new DnsException(DnsException.Reason.TIMEOUT, what() + ": no answer", null), false));
            return;
        }
        server = servers.get(attempt % servers.size());
        int round = attempt / servers.size();
        attemptNanos = resolver.config.timeout().toNanos() << Math.min(round, 3);
        id = resolver.random.nextInt(65536);
        tcp = false;
        ByteBuffer q = DnsMessage.encodeQuery(ByteBuffer.allocate(DnsNames.MAX_NAME + 2 + 16), id, name, type).flip();
        try {
            socket = ops.openDatagram(server.getAddress() instanceof Inet6Address ? ANY_V6 : ANY_V4);
            long n = ops.sendTo(socket, q, server);
            if (n == NetOps.WOULD_BLOCK) {
                throw new IOException("sendto would block on a fresh socket");
            }
        } catch (IOException | RuntimeException e) {
            lastFailure = new DnsException(DnsException.Reason.NETWORK, what() + ": sending to " + server + ": " + e,
                    e);
            log.debug("{}", lastFailure.getMessage());
            nextAttempt();
            return;
        }
        resolver.queriesSent++;
        log.debug("asked {} for {} (id {}, attempt {}, wait {} ms)", server, what(), id, attempt + 1,
                attemptNanos / 1_000_000);
        io = resolver.base().newEvent(socket, Ev.READ | Ev.PERSIST, (ev, w) -> onDatagrams());
        io.add();
        armDeadline();
    }

    private void armDeadline() {
        if (deadline == null) {
            deadline = resolver.base().newTimer((ev, w) -> onTimeout());
        }
        deadline.add(attemptNanos, TimeUnit.NANOSECONDS);
    }

    private void onTimeout() {
        lastFailure = new DnsException(DnsException.Reason.TIMEOUT, what() + ": no answer from " + server
                + (tcp ? " over TCP" : "") + " within " + Duration.ofNanos(attemptNanos).toMillis() + " ms", null);
        log.debug("{}", lastFailure.getMessage());
        nextAttempt();
    }

    private void onDatagrams() {
        ByteBuffer b = resolver.receiveBuffer;
        for (int i = 0; i < MAX_DATAGRAMS_PER_WAKE && !done && !tcp && socket != null; i++) {
            b.clear();
            InetSocketAddress from;
            try {
                from = ops.receiveFrom(socket, b);
            } catch (IOException e) {
                lastFailure = new DnsException(DnsException.Reason.NETWORK, what() + ": receiving from " + server
                        + ": " + e, e);
                nextAttempt();
                return;
            }
            if (from == null) {
                return;
            }
            if (!from.equals(server)) {
                log.debug("{}: a datagram from {}, not the server asked ({}), ignored", what(), from, server);
                continue;
            }
            b.flip();
            onMessage(b);
        }
    }

    /** A message from the server asked, over UDP or TCP. */
    private void onMessage(ByteBuffer b) {
        int got = DnsMessage.peekId(b);
        if (got != id) {
            log.debug("{}: answer with id {} (asked {}) or too short ({} bytes), ignored", what(), got, id,
                    b.remaining());
            if (tcp) {
                failAttempt(DnsException.Reason.MALFORMED, "a TCP answer with id " + got + ", expected " + id);
            }
            return;
        }
        DnsMessage m;
        try {
            m = DnsMessage.decode(b);
        } catch (DnsFormatException e) {
            finish(StubResolver.Outcome.failed(new DnsException(DnsException.Reason.MALFORMED, what()
                    + ": malformed answer from " + server + ": " + e.getMessage(), e), false));
            return;
        }
        if (!m.isResponse() || !m.questionName().equals(name) || m.questionType() != type
                || m.questionClass() != DnsRecord.CLASS_IN) {
            log.debug("{}: answer to another question ({} type {} class {}, response {}), ignored", what(),
                    m.questionName(), m.questionType(), m.questionClass(), m.isResponse());
            if (tcp) {
                failAttempt(DnsException.Reason.MALFORMED, "a TCP answer to another question");
            }
            return;
        }
        if (m.isTruncated()) {
            if (tcp) {
                failAttempt(DnsException.Reason.MALFORMED, "a truncated answer over TCP");
            } else {
                startTcp();
            }
            return;
        }
        switch (m.rcode()) {
            case DnsMessage.RCODE_OK -> answered(m);
            case DnsMessage.RCODE_NAME_ERROR -> {
                long negTtl = negativeTtl(m);
                resolver.cache.putNegative(key, DnsException.Reason.NAME_NOT_FOUND, negTtl, resolver.base().nanoTime());
                finish(StubResolver.Outcome.failed(new DnsException(DnsException.Reason.NAME_NOT_FOUND, what()
                        + ": no such name (NXDOMAIN from " + server + ")", null), false));
            }
            default -> failAttempt(DnsException.Reason.SERVER_FAILURE, "rcode " + m.rcode() + " ("
                    + rcodeName(m.rcode()) + ")");
        }
    }

    private static String rcodeName(int rcode) {
        return switch (rcode) {
            case DnsMessage.RCODE_FORMAT_ERROR -> "FORMERR";
            case DnsMessage.RCODE_SERVER_FAILURE -> "SERVFAIL";
            case 4 -> "NOTIMP";
            case DnsMessage.RCODE_REFUSED -> "REFUSED";
            default -> "unknown";
        };
    }

    private void failAttempt(DnsException.Reason why, String detail) {
        lastFailure = new DnsException(why, what() + ": " + detail + " from " + server, null);
        log.debug("{}", lastFailure.getMessage());
        nextAttempt();
    }

    private static long negativeTtl(DnsMessage m) {
        long t = 0;
        for (DnsRecord soa : m.authority()) {
            t = Math.max(t, soa.ttl());
        }
        return t;
    }

    /** NOERROR: follows the CNAME chain to the addresses. */
    private void answered(DnsMessage m) {
        String current = name;
        long ttl = Long.MAX_VALUE;
        Set<String> seen = new HashSet<>();
        seen.add(current);
        for (int links = 0;; links++) {
            List<InetAddress> found = new ArrayList<>();
            long addrTtl = Long.MAX_VALUE;
            DnsRecord cname = null;
            for (DnsRecord rr : m.answers()) {
                if (rr.dnsClass() != DnsRecord.CLASS_IN || !rr.name().equals(current)) {
                    continue;
                }
                if (rr.type() == type) {
                    found.add(rr.address());
                    addrTtl = Math.min(addrTtl, rr.ttl());
                } else if (rr.type() == DnsRecord.CNAME && cname == null) {
                    cname = rr;
                }
            }
            if (!found.isEmpty()) {
                ttl = Math.min(ttl, addrTtl);
                resolver.cache.putPositive(key, found, current, ttl, resolver.base().nanoTime());
                finish(StubResolver.Outcome.found(List.copyOf(found), current, ttl, false));
                return;
            }
            if (cname == null) {
                break;
            }
            ttl = Math.min(ttl, cname.ttl());
            current = cname.target();
            if (links == MAX_CHAIN || !seen.add(current)) {
                finish(StubResolver.Outcome.failed(new DnsException(DnsException.Reason.MALFORMED, what()
                        + ": CNAME chain " + (links == MAX_CHAIN ? "longer than " + MAX_CHAIN : "loops at " + current)
                        + " in the answer from " + server, null), false));
                return;
            }
        }
        if (!current.equals(name) && m.authority().isEmpty() && depth < MAX_FOLLOW_UPS) {
            followUp(current, ttl);
            return;
        }
        long negTtl = negativeTtl(m);
        resolver.cache.putNegative(key, DnsException.Reason.NO_DATA, negTtl, resolver.base().nanoTime());
        finish(StubResolver.Outcome.failed(new DnsException(DnsException.Reason.NO_DATA, what() + ": no "
                + StubResolver.typeName(type) + " record" + (current.equals(name) ? "" : " at the end of its CNAME"
                + " chain, " + current), null), false));
    }

    /** The server gave a CNAME chain without its end: asks for the end, and answers with what that gets. */
    private void followUp(String target, long chainTtl) {
        closeSocket();
        log.debug("{}: following CNAME to {}", what(), target);
        resolver.resolve(target, type, depth + 1, o -> {
            if (o.failure() != null) {
                finish(StubResolver.Outcome.failed(o.failure(), false));
                return;
            }
            long ttl = Math.min(chainTtl, o.ttl());
            resolver.cache.putPositive(key, o.addresses(), o.canonicalName(), ttl, resolver.base().nanoTime());
            finish(StubResolver.Outcome.found(o.addresses(), o.canonicalName(), ttl, false));
        });
    }

    // ------------------------------------------------------------------------------------------------- TCP

    private void startTcp() {
        closeSocket();
        tcp = true;
        log.debug("{}: truncated answer from {}, asking again over TCP", what(), server);
        ByteBuffer q = DnsMessage.encodeQuery(ByteBuffer.allocate(2 + DnsNames.MAX_NAME + 2 + 16).position(2), id,
                name, type);
        tcpOut = q.putShort(0, (short) (q.position() - 2)).flip();
        tcpLength.clear();
        tcpIn = null;
        try {
            socket = ops.connect(server);
        } catch (IOException | RuntimeException e) {
            failAttempt(DnsException.Reason.SERVER_FAILURE, "TCP connect failed (" + e + ")");
            return;
        }
        connecting = true;
        resolver.queriesSent++;
        io = resolver.base().newEvent(socket, Ev.WRITE | Ev.PERSIST, (ev, w) -> onTcpWritable());
        io.add();
        armDeadline();
    }

    private void onTcpWritable() {
        try {
            if (connecting) {
                if (!ops.finishConnect(socket)) {
                    return;
                }
                connecting = false;
            }
            long n = ops.write(socket, new ByteBuffer[] {tcpOut}, 0, 1);
            if (n == NetOps.WOULD_BLOCK || tcpOut.hasRemaining()) {
                return;
            }
        } catch (IOException e) {
            failAttempt(DnsException.Reason.SERVER_FAILURE, "TCP exchange failed (" + e + ")");
            return;
        }
        io.close();
        io = resolver.base().newEvent(socket, Ev.READ | Ev.PERSIST, (ev, w) -> onTcpReadable());
        io.add();
    }

    private void onTcpReadable() {
        try {
            for (;;) {
                ByteBuffer dst = tcpIn == null ? tcpLength : tcpIn;
                long n = ops.read(socket, new ByteBuffer[] {dst}, 0, 1);
                if (n == NetOps.WOULD_BLOCK) {
                    return;
                }
                if (n == 0) {
                    failAttempt(DnsException.Reason.SERVER_FAILURE, "TCP connection closed before the whole answer");
                    return;
                }
                if (dst.hasRemaining()) {
                    continue;
                }
                if (tcpIn == null) {
                    int len = tcpLength.getShort(0) & 0xffff;
                    if (len < DnsMessage.HEADER) {
                        failAttempt(DnsException.Reason.MALFORMED, "a TCP answer of " + len + " bytes");
                        return;
                    }
                    tcpIn = ByteBuffer.allocate(len);
                    continue;
                }
                tcpIn.flip();
                onMessage(tcpIn);
                return;
            }
        } catch (IOException e) {
            failAttempt(DnsException.Reason.SERVER_FAILURE, "TCP exchange failed (" + e + ")");
        }
    }

    // --------------------------------------------------------------------------------------------- the end

    private void closeSocket() {
        if (io != null) {
            io.close();
            io = null;
        }
        if (deadline != null) {
            deadline.remove();
        }
        if (socket != null) {
            try {
                ops.close(socket);
            } catch (IOException e) {
                log.debug("{}: closing {} failed", what(), socket, e);
            }
            socket = null;
        }
    }

    /** The outcome: every waiter gets it, the query leaves the table; once. */
    void finish(StubResolver.Outcome o) {
        if (done) {
            return;
        }
        done = true;
        closeSocket();
        if (deadline != null) {
            deadline.close();
            deadline = null;
        }
        resolver.finished(this);
        for (Consumer<StubResolver.Outcome> w : waiters) {
            w.accept(o);
        }
    }
}
