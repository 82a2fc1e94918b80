package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS between our client and our server over loopback TCP, and chains with TLS, on the backend under test. */
public abstract class TlsConformance extends FilterTestSupport {

    /** Records events of one side. */
    static final class Events {
        final List<String> seen = new ArrayList<>();
        int last;
        Throwable cause;
        boolean connected;

        BufferEvent.EventCallback callback(EventBase base, boolean breakOnEnd) {
            return (b, reasons, c) -> {
                seen.add(BevEvent.toString(reasons));
                if (reasons == BevEvent.CONNECTED) {
                    connected = true;
                    return;
                }
                last = reasons;
                cause = c;
                b.close();
                if (breakOnEnd) {
                    base.loopBreak();
                }
            };
        }
    }

    @Test
    void shouldEchoThroughTlsWithSniAlpnAndReportConnectedAfterHandshake() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server().alpn("h2", "http/1.1"),
                BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost")
                .alpn("http/1.1"), BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(server, problems);
        byte[] payload = data(21, 2 << 20);
        byte[] got = roundTrip(base, client, payload, Duration.ofSeconds(20), problems);
        assertEquals(List.of(), problems);
        assertArrayEquals(payload, got);
        assertEquals("http/1.1", client.applicationProtocol());
        assertEquals("TLSv1.3", client.session().getProtocol());
        client.close();
        assertTrue(tcp[0].isClosed() || tcp[0].output().length() > 0, "closing the top closes (or lingers) below");
        loopWithin(base, 0, Duration.ofSeconds(10)); // the server sees close_notify and closes
        assertTrue(server.isClosed(), "the server got EOF from close_notify");
    }

    @Test
    void shouldNegotiateOnlyTheConfiguredProtocolAndCipherSuite() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server().protocols("TLSv1.2")
                .cipherSuites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
                BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(server, problems);
        byte[] payload = data(22, 64 << 10);
        byte[] got = roundTrip(base, client, payload, Duration.ofSeconds(20), problems);
        assertEquals(List.of(), problems);
        assertArrayEquals(payload, got);
        assertEquals("TLSv1.2", client.session().getProtocol(), "the server allowed TLS 1.2 only");
        assertTrue(client.session().getCipherSuite().contains("AES_128_GCM"), client.session().getCipherSuite());
        client.close();
        loopWithin(base, 0, Duration.ofSeconds(10));
    }

    /** A TLS pair over loopback TCP, handshaken, with no callbacks set. */
    private TlsBufferEvent[] handshakenPair(EventBase base, SocketBufferEvent[] tcp) {
        TlsCerts certs = TlsCerts.get();
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        int[] connected = {0};
        BufferEvent.EventCallback cb = (b, r, c) -> {
            if (r != BevEvent.CONNECTED) {
                throw new AssertionError("handshake failed: " + BevEvent.toString(r), c);
            }
            if (++connected[0] == 2) {
                base.loopBreak();
            }
        };
        server.setCallbacks(null, null, cb);
        client.setCallbacks(null, null, cb);
        loopWithin(base, io.jevent.LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals(2, connected[0]);
        server.setCallbacks(null, null, null);
        client.setCallbacks(null, null, null);
        return new TlsBufferEvent[] {server, client};
    }

    @Test
    void shouldStopReadingTheSocketWhileTlsReadingIsDisabled() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent[] p = handshakenPair(base, tcp);
        TlsBufferEvent server = p[0];
        TlsBufferEvent client = p[1];
        client.disable(Ev.READ);
        byte[] payload = data(23, 4 << 20);
        server.write(payload);
        long[] pendingBelow = {-1};
        base.newTimer((ev, w) -> {
            pendingBelow[0] = tcp[0].input().length(); // ciphertext the socket layer took while TLS read nothing
            base.loopBreak();
        }).add(Duration.ofMillis(300));
        loopWithin(base, io.jevent.LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertTrue(pendingBelow[0] >= 0 && pendingBelow[0] <= 512 * 1024,
                "the socket layer kept reading ciphertext nobody takes: " + pendingBelow[0] + " bytes");
        byte[] got = new byte[payload.length];
        int[] have = {0};
        client.setCallbacks(b -> {
            have[0] += b.read(got, have[0], got.length - have[0]);
            if (have[0] == got.length) {
                base.loopBreak();
            }
        }, null, null);
        client.enable(Ev.READ);
        loopWithin(base, io.jevent.LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertArrayEquals(payload, got, "everything arrives once reading resumes");
        client.close();
        server.close();
    }

    @Test
    void shouldEndCleanlyWhenCloseNotifyArrivesWhileTlsCannotRead() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent[] p = handshakenPair(base, tcp);
        TlsBufferEvent server = p[0];
        TlsBufferEvent client = p[1];
        byte[] payload = data(24, 200_000);
        client.setWatermark(Ev.READ, 0, 16 * 1024); // TLS stops decrypting at 16 KiB until the user drains
        byte[] got = new byte[payload.length];
        int[] have = {0};
        boolean[] draining = {false};
        List<String> end = new ArrayList<>();
        client.setCallbacks(b -> {
            if (draining[0]) {
                have[0] += b.read(got, have[0], got.length - have[0]);
            }
        }, null, (b, r, c) -> {
            end.add(BevEvent.toString(r) + (c == null ? "" : " " + c));
            base.loopBreak();
        });
        client.enable(Ev.READ);
        server.write(payload);
        server.flush(Ev.WRITE, io.jevent.bufferevent.FlushMode.FINISHED);
        server.close(); // close_notify and FIN follow the data
        base.newTimer((ev, w) -> {
            draining[0] = true;
            have[0] += client.read(got, have[0], got.length - have[0]);
        }).add(Duration.ofMillis(300));
        loopWithin(base, io.jevent.LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("READING|EOF"), end, "a clean close_notify, not a truncation");
        assertEquals(payload.length, have[0]);
        assertArrayEquals(payload, got);
        client.close();
    }

    private Events handshakeWith(SSLContext serverCtx, SSLContext clientCtx, TlsOptions serverOpts,
                                 TlsOptions clientOpts) throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], serverCtx, serverOpts, BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], clientCtx, clientOpts, BevOption.CLOSE_ON_FREE);
        Events ev = new Events();
        server.setCallbacks(null, null, (b, r, c) -> {
            if (r != BevEvent.CONNECTED) {
                b.close();
            }
        });
        server.enable(Ev.READ);
        client.setCallbacks(null, null, (b, r, c) -> {
            ev.seen.add(BevEvent.toString(r));
            if (r == BevEvent.CONNECTED) {
                ev.connected = true;
            } else {
                ev.last = r;
                ev.cause = c;
            }
            b.close();
            base.loopBreak();
        });
        client.enable(Ev.READ);
        loopWithin(base, 0, Duration.ofSeconds(10));
        return ev;
    }

    @Test
    void shouldRejectSelfSignedServerUnlessTrusted() throws IOException {
        TlsCerts certs = TlsCerts.get();
        Events bad = handshakeWith(certs.selfSignedServer(), certs.client(), TlsOptions.server(),
                TlsOptions.client("localhost"));
        assertFalse(bad.connected, bad.seen.toString());
        assertEquals(BevEvent.ERROR, bad.last & BevEvent.ERROR, bad.seen.toString());
        assertInstanceOf(SSLHandshakeException.class, bad.cause);
        Events good = handshakeWith(certs.selfSignedServer(), certs.clientTrustingSelfSigned(), TlsOptions.server(),
                TlsOptions.client("localhost"));
        assertTrue(good.connected, good.seen + " " + good.cause);
    }

    @Test
    void shouldRejectExpiredCertificate() throws IOException {
        TlsCerts certs = TlsCerts.get();
        Events ev = handshakeWith(certs.expiredServer(), certs.client(), TlsOptions.server(),
                TlsOptions.client("localhost"));
        assertFalse(ev.connected);
        assertInstanceOf(SSLHandshakeException.class, ev.cause);
        Throwable root = ev.cause;
        StringBuilder chain = new StringBuilder();
        for (Throwable t = root; t != null; t = t.getCause()) {
            chain.append(t).append(" <- ");
        }
        assertTrue(chain.toString().contains("CertificateExpiredException") || chain.toString().contains("validity"),
                chain.toString());
    }

    @Test
    void shouldRequireClientCertificateWhenServerNeedsOne() throws IOException {
        TlsCerts certs = TlsCerts.get();
        TlsOptions need = TlsOptions.server().clientAuth(TlsOptions.ClientAuth.NEED);
        Events with = handshakeWith(certs.server(), certs.clientWithCert(), need, TlsOptions.client("localhost"));
        assertTrue(with.connected, with.seen + " " + with.cause);
        // TLS 1.3: the client sees the server's rejection after its own handshake finished, as a read error
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        Events srv = new Events();
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), need, BevOption.CLOSE_ON_FREE);
        server.setCallbacks(null, null, srv.callback(base, true));
        server.enable(Ev.READ);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        client.setCallbacks(null, null, (b, r, c) -> { });
        client.enable(Ev.READ);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertFalse(srv.connected, srv.seen.toString());
        assertInstanceOf(SSLHandshakeException.class, srv.cause);
        client.close();
    }

    @Test
    void shouldReportTruncationUnlessDirtyShutdownAllowed() throws IOException {
        TlsCerts certs = TlsCerts.get();
        for (boolean allow : new boolean[] {false, true}) {
            EventBase base = newBase();
            SocketBufferEvent[] tcp = tcpPair(base);
            TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
            TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost")
                    .allowDirtyShutdown(allow), BevOption.CLOSE_ON_FREE);
            server.setCallbacks(b -> {
                b.input().drain(b.input().length());
                tcp[1].close(); // the TCP connection ends without close_notify
            }, null, null);
            server.enable(Ev.READ);
            Events ev = new Events();
            StringBuilder got = new StringBuilder();
            client.setCallbacks(b -> got.append(b.input().length()), null, ev.callback(base, true));
            client.enable(Ev.READ);
            client.write("ping".getBytes());
            loopWithin(base, 0, Duration.ofSeconds(10));
            assertTrue(ev.connected);
            if (allow) {
                assertEquals(BevEvent.READING | BevEvent.EOF, ev.last, ev.seen.toString());
            } else {
                assertEquals(BevEvent.READING | BevEvent.ERROR, ev.last, ev.seen.toString());
                assertInstanceOf(SSLException.class, ev.cause);
                assertTrue(ev.cause.getMessage().startsWith("truncated"), ev.cause.getMessage());
            }
        }
    }

    @Test
    void shouldReportGarbageAsErrorWithoutDeliveringPlaintext() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        Events ev = new Events();
        long[] delivered = {0};
        server.setCallbacks(b -> delivered[0] += b.input().drain(b.input().length()), null, ev.callback(base, true));
        server.enable(Ev.READ);
        tcp[0].enable(Ev.READ);
        tcp[0].write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes());
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(BevEvent.ERROR, ev.last & BevEvent.ERROR, ev.seen.toString());
        assertInstanceOf(SSLException.class, ev.cause);
        assertEquals(0, delivered[0]);
        assertFalse(ev.connected);
        tcp[0].close();
    }

    @Test
    void shouldEchoThroughTlsOverZlibOverSocket() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        ZlibOptions z = ZlibOptions.defaults().interactive(true);
        BufferEvent client = Filters.tls(Filters.zlib(tcp[0], z, BevOption.CLOSE_ON_FREE), certs.client(),
                TlsOptions.client("localhost"), BevOption.CLOSE_ON_FREE);
        BufferEvent server = Filters.tls(Filters.zlib(tcp[1], z, BevOption.CLOSE_ON_FREE), certs.serverPkcs12(),
                TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(server, problems);
        byte[] payload = ZlibFilterTest.text(22, 1 << 20);
        byte[] got = roundTrip(base, client, payload, Duration.ofSeconds(20), problems);
        assertEquals(List.of(), problems);
        assertArrayEquals(payload, got);
        client.close();
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertTrue(server.isClosed());
        assertTrue(tcp[1].isClosed(), "closing the top of a CLOSE_ON_FREE chain closes all of it");
    }

    /**
     * 1 MiB echoed through {@code rateLimit(tls(socket))} at 4 MiB/s both ways, checked against what the token bucket
     * allows. 4 MiB/s in 50 ms ticks grants 4,194,304 / 20 = 209,715.2 tokens per tick; ticks count from the bucket's
     * creation and tick 0's share is the initial fill (one tick's worth: the 256 KiB burst only caps what an idle
     * bucket keeps). So by the start of tick {@code n} each direction has been granted at most
     * {@code ceil((n + 1) * 209,715.2)} bytes: 209,716 in tick 0, 838,861 up to tick 3, and 1,048,576 (1 MiB) only
     * from tick 4, 200 ms after creation. The clock starts just before {@code rateLimit()} creates the bucket, and
     * every time is read after the bytes it checks went through, so a loaded machine only makes the bound looser,
     * never wrong. A limiter twice too fast exceeds the bound in its first ticks (it grants 419,431 in tick 0).
     */
    @Test
    void shouldEchoThroughRateLimitOverTlsOverSocket() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        byte[] payload = data(23, 1 << 20);
        // handshake first: the bytes measured are the transfer's alone
        TlsBufferEvent[] tls = handshakenPair(base, tcp);
        BufferEvent server = tls[0];
        List<String> problems = new ArrayList<>();
        long rate = 4 << 20;
        long tickNanos = TimeUnit.MILLISECONDS.toNanos(50);
        long t0 = System.nanoTime();
        BufferEvent client = Filters.rateLimit(tls[1], TokenBucketConfig.perSecond(rate, 256 << 10),
                BevOption.CLOSE_ON_FREE);
        // what the server has received by a time is at most what the client's write bucket granted by then
        long[] echoed = {0};
        server.setCallbacks(b -> {
            echoed[0] += b.input().length();
            checkGranted("the server received", echoed[0], "write", t0, tickNanos, rate, problems);
            b.write(b.input());
            b.flush(Ev.WRITE, FlushMode.FLUSH);
        }, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED && (reasons & BevEvent.EOF) == 0) {
                problems.add("server: " + BevEvent.toString(reasons) + " " + cause);
            }
            if (reasons != BevEvent.CONNECTED) {
                b.close();
            }
        });
        server.enable(Ev.READ | Ev.WRITE);
        byte[] got = new byte[payload.length];
        int[] have = {0};
        client.setCallbacks(b -> {
            have[0] += b.read(got, have[0], got.length - have[0]);
            checkGranted("the client got back", have[0], "read", t0, tickNanos, rate, problems);
            if (have[0] == got.length) {
                b.base().loopBreak();
            }
        }, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                problems.add("client: " + BevEvent.toString(reasons) + " " + cause);
                b.base().loopBreak();
            }
        });
        client.enable(Ev.READ | Ev.WRITE);
        client.write(payload);
        client.flush(Ev.WRITE, FlushMode.FLUSH);
        loopWithin(base, 0, Duration.ofSeconds(20));
        long took = System.nanoTime() - t0;
        assertEquals(List.of(), problems);
        assertArrayEquals(payload, got);
        long floor = 4 * tickNanos;
        assertTrue(took >= floor, "1 MiB at 4 MiB/s took only " + took / 1e9 + " s; the token bucket allows no less"
                + " than " + floor / 1e9 + " s");
        client.close();
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertTrue(tcp[0].isClosed() || tcp[0].output().length() > 0);
        assertNotNull(server);
    }

    /**
     * Adds a problem (the first only) when {@code bytes} passed a {@code perSecond(rate)} bucket made at {@code t0}
     * are more than it can have granted by now: {@code ceil((n + 1) * rate / 20)} by the start of tick {@code n}.
     * Now is read after the bytes went through, so the tick is never earlier than theirs.
     */
    private static void checkGranted(String what, long bytes, String bucket, long t0, long tickNanos, long rate,
                                     List<String> problems) {
        long tick = (System.nanoTime() - t0) / tickNanos;
        long granted = ((tick + 1) * rate + 19) / 20;
        if (bytes > granted && problems.isEmpty()) {
            problems.add(what + " " + bytes + " bytes by tick " + tick + "; the " + bucket + " bucket grants at most "
                    + granted);
        }
    }
}
