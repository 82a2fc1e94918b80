package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.internal.FlightEvents;
import jdk.jfr.consumer.RecordedEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static io.jevent.filter.FlightRecorderConformance.TLS;
import static io.jevent.filter.FlightRecorderConformance.enabling;
import static io.jevent.filter.FlightRecorderConformance.named;
import static io.jevent.filter.FlightRecorderConformance.one;
import static io.jevent.filter.FlightRecorderConformance.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Flight Recorder's io.jevent.TlsHandshake on real loopback TLS connections, read back from the dumped recording:
 * protocol, suite and peer of a handshake that finished; its time and peer over a socket still to connect; the failure
 * of one that failed; the outcome around a read timeout (of the TLS layer or of the socket below) that fired during
 * it. Run per backend: the socket below is each driver's.
 */
public abstract class TlsHandshakeRecordingConformance extends FilterTestSupport {

    private String local(SocketBufferEvent b) throws IOException {
        return FlightEvents.address(netOps().localAddress(b.handle()));
    }

    @Test
    void shouldRecordATlsHandshakeWithProtocolCipherSuiteAndPeer() throws Exception {
        EventBase base = newBase();
        TlsCerts certs = TlsCerts.get();
        String[] addr = new String[2];
        TlsBufferEvent[] tls = new TlsBufferEvent[2];
        List<String> problems = new ArrayList<>();
        List<RecordedEvent> events = record(enabling(TLS), () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            addr[0] = local(tcp[0]);
            addr[1] = local(tcp[1]);
            tls[0] = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"), BevOption.CLOSE_ON_FREE);
            tls[1] = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
            int[] connected = {0};
            BufferEvent.EventCallback cb = (b, reasons, cause) -> {
                if (reasons != BevEvent.CONNECTED) {
                    problems.add(BevEvent.toString(reasons) + " " + cause);
                    base.loopBreak();
                } else if (++connected[0] == 2) {
                    base.loopBreak();
                }
            };
            tls[0].setCallbacks(null, null, cb);
            tls[1].setCallbacks(null, null, cb);
            loopWithin(base, 0, Duration.ofSeconds(20));
            tls[0].close();
            tls[1].close();
        });
        assertEquals(List.of(), problems);
        List<RecordedEvent> hs = named(events, TLS);
        RecordedEvent c = one(hs, TLS, "peer", addr[1]);
        RecordedEvent s = one(hs, TLS, "peer", addr[0]);
        assertTrue(c.getBoolean("client"));
        assertFalse(s.getBoolean("client"));
        for (int i = 0; i < 2; i++) {
            RecordedEvent e = i == 0 ? c : s;
            assertEquals("ok", e.getString("outcome"), () -> "handshake " + e);
            assertEquals(tls[i].engine().getSession().getProtocol(), e.getString("protocol"));
            assertEquals(tls[i].engine().getSession().getCipherSuite(), e.getString("cipherSuite"));
            assertNull(e.getString("failure"));
            assertFalse(e.getDuration().isNegative() || e.getDuration().isZero(), "a duration event");
        }
    }

    @Test
    void shouldTimeAndAddressAHandshakeOverASocketStillToConnectFromItsConnect() throws Exception {
        EventBase base = newBase();
        TlsCerts certs = TlsCerts.get();
        String[] serverAddr = new String[1];
        java.time.Instant[] connectAt = new java.time.Instant[1];
        List<String> problems = new ArrayList<>();
        List<RecordedEvent> events = record(enabling(TLS), () -> {
            TlsBufferEvent[] server = new TlsBufferEvent[1];
            Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> server[0] = Filters.tls(
                    SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE), certs.server(), TlsOptions.server(),
                    BevOption.CLOSE_ON_FREE));
            java.net.SocketAddress at = l.localAddress();
            serverAddr[0] = FlightEvents.address(at);
            // the usual client: TLS over a socket that connects afterwards (TlsClient in the examples does so)
            SocketBufferEvent socket = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            TlsBufferEvent client = Filters.tls(socket, certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            client.setCallbacks(null, null, (b, reasons, cause) -> {
                if (reasons != BevEvent.CONNECTED) {
                    problems.add(BevEvent.toString(reasons) + " " + cause);
                }
                base.loopBreak();
            });
            base.newTimer((ev, w) -> { // the connect comes later (a lookup first, say): that wait is no handshake
                connectAt[0] = java.time.Instant.now();
                socket.connect(at);
            }).add(Duration.ofMillis(300));
            loopWithin(base, 0, Duration.ofSeconds(20));
            client.close();
            if (server[0] != null) {
                server[0].close();
            }
            l.close();
        });
        assertEquals(List.of(), problems);
        RecordedEvent c = named(events, TLS).stream().filter(e -> e.getBoolean("client")).findFirst()
                .orElseThrow(() -> new AssertionError("no client handshake recorded: " + events));
        assertEquals("ok", c.getString("outcome"), () -> "handshake " + c);
        assertEquals(serverAddr[0], c.getString("peer"), "the socket's peer, as over a socket connected before");
        // its start is the connect's (the clocks may differ by a little; the wait before was 300 ms)
        assertFalse(c.getStartTime().isBefore(connectAt[0].minusMillis(100)), () -> "the handshake started at "
                + c.getStartTime() + ", the connect at " + connectAt[0]);
    }

    @Test
    void shouldNameTheFailureOfAFailedHandshake() throws Exception {
        EventBase base = newBase();
        TlsCerts certs = TlsCerts.get();
        Throwable[] clientFailure = new Throwable[1];
        String[] serverAddr = new String[1];
        List<RecordedEvent> events = record(enabling(TLS), () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            serverAddr[0] = local(tcp[1]);
            // the client trusts only the test CA; the server shows a self-signed certificate
            TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            TlsBufferEvent server = Filters.tls(tcp[1], certs.selfSignedServer(), TlsOptions.server(),
                    BevOption.CLOSE_ON_FREE);
            int[] ended = {0};
            client.setCallbacks(null, null, (b, reasons, cause) -> {
                clientFailure[0] = cause;
                b.close();
                if (++ended[0] == 2) {
                    base.loopBreak();
                }
            });
            server.setCallbacks(null, null, (b, reasons, cause) -> {
                b.close();
                if (++ended[0] == 2) {
                    base.loopBreak();
                }
            });
            loopWithin(base, 0, Duration.ofSeconds(20));
        });
        assertNotNull(clientFailure[0], "the client reported the failure");
        RecordedEvent c = one(events, TLS, "peer", serverAddr[0]);
        assertEquals("failed", c.getString("outcome"));
        assertEquals(clientFailure[0].toString(), c.getString("failure"), "the failure the client reported");
        assertNull(c.getString("protocol"));
        List<RecordedEvent> server = named(events, TLS).stream().filter(e -> !e.getBoolean("client"))
                .collect(Collectors.toList());
        assertEquals(1, server.size(), () -> "the server's handshake: " + events);
        assertEquals("failed", server.get(0).getString("outcome"), () -> "the server's: " + server.get(0));
        assertNotNull(server.get(0).getString("failure"));
    }

    /**
     * A read timeout of the socket below fires while the server is still silent; the client's user enables reading
     * again on the TLS layer (as over a plain socket) and the handshake then finishes: recorded "ok", no failure, not
     * as failed at the timeout.
     */
    @Test
    void shouldRecordAHandshakeThatFinishedAfterATimeoutOfTheSocketBelowAsOk() throws Exception {
        EventBase base = newBase();
        TlsCerts certs = TlsCerts.get();
        String[] serverAddr = new String[1];
        int[] timeouts = {0};
        List<String> problems = new ArrayList<>();
        List<RecordedEvent> events = record(enabling(TLS), () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            serverAddr[0] = local(tcp[1]);
            tcp[0].setTimeouts(Duration.ofMillis(100), null); // the server starts its TLS only later
            TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            TlsBufferEvent[] server = new TlsBufferEvent[1];
            int[] connected = {0};
            BufferEvent.EventCallback cb = (b, reasons, cause) -> {
                if (b == client && reasons == (BevEvent.READING | BevEvent.TIMEOUT)) {
                    timeouts[0]++;
                    b.enable(Ev.READ); // wait on
                } else if (reasons == BevEvent.CONNECTED) {
                    if (++connected[0] == 2) {
                        base.loopBreak();
                    }
                } else {
                    problems.add((b == client ? "client " : "server ") + BevEvent.toString(reasons) + " " + cause);
                    base.loopBreak();
                }
            };
            client.setCallbacks(null, null, cb);
            base.newTimer((ev, w) -> {
                server[0] = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
                server[0].setCallbacks(null, null, cb);
            }).add(Duration.ofMillis(400));
            loopWithin(base, 0, Duration.ofSeconds(20));
            client.close();
            if (server[0] != null) {
                server[0].close();
            }
        });
        assertEquals(List.of(), problems);
        assertTrue(timeouts[0] > 0, "the socket's read timeout fired during the handshake");
        RecordedEvent c = one(events, TLS, "peer", serverAddr[0]);
        assertEquals("ok", c.getString("outcome"), () -> "handshake " + c);
        assertNull(c.getString("failure"), () -> "handshake " + c);
        assertNotNull(c.getString("protocol"), () -> "handshake " + c);
    }

    @Test
    void shouldRecordAHandshakeClosedAfterTheTlsLayersOwnTimeoutAsTimedOut() throws Exception {
        closedAfterATimeout(false);
    }

    @Test
    void shouldRecordAHandshakeClosedAfterATimeoutOfTheSocketBelowAsTimedOut() throws Exception {
        closedAfterATimeout(true);
    }

    /**
     * The server never answers the ClientHello; a read timeout (of the socket below, or of the TLS layer itself)
     * fires and the client's user closes: recorded "timed out", naming which timeout, not "closed" nor "failed".
     */
    private void closedAfterATimeout(boolean below) throws Exception {
        EventBase base = newBase();
        TlsCerts certs = TlsCerts.get();
        String[] serverAddr = new String[1];
        List<String> reported = new ArrayList<>();
        List<RecordedEvent> events = record(enabling(TLS), () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            serverAddr[0] = local(tcp[1]);
            if (below) {
                tcp[0].setTimeouts(Duration.ofMillis(150), null);
            }
            TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            if (!below) {
                client.setTimeouts(Duration.ofMillis(150), null);
            }
            client.setCallbacks(null, null, (b, reasons, cause) -> {
                reported.add(BevEvent.toString(reasons));
                b.close();
                base.loopBreak();
            });
            client.enable(Ev.READ);
            loopWithin(base, 0, Duration.ofSeconds(20));
            tcp[1].close();
        });
        assertEquals(List.of("READING|TIMEOUT"), reported);
        RecordedEvent c = one(events, TLS, "peer", serverAddr[0]);
        assertEquals("timed out", c.getString("outcome"), () -> "handshake " + c);
        String failure = c.getString("failure");
        assertTrue(failure != null && failure.contains("READING|TIMEOUT")
                && failure.contains(below ? "BufferEvent below" : "TLS BufferEvent"), () -> "handshake " + c);
        assertNull(c.getString("protocol"));
    }
}
