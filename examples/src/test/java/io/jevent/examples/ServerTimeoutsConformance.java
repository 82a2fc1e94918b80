package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.filter.RateLimits;
import io.jevent.filter.TokenBucketConfig;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example servers' idle and TLS-handshake timeouts, over loopback TCP on the backend under test: peers that
 * connect and say nothing, stop reading, or never finish a handshake are closed after the (short) configured
 * timeout; peers that are still moving bytes are not.
 */
public abstract class ServerTimeoutsConformance extends ExamplesTestSupport {
    /** Generous bound on every loop here: the timeouts are a fraction of a second. */
    private static final Duration BOUND = Duration.ofSeconds(30);

    /** A client that connects and then sends nothing; records how the server ended the connection. */
    private static final class SilentClient {
        final SocketBufferEvent bev;
        final long startNanos = System.nanoTime();
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        long endedNanos = -1;
        int endReasons;

        SilentClient(EventBase base, SocketAddress to, Runnable onEnd) {
            bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> {
                byte[] got = new byte[(int) b.input().length()];
                b.read(got, 0, got.length);
                received.write(got, 0, got.length);
            }, null, (b, reasons, cause) -> {
                if (reasons != BevEvent.CONNECTED && endedNanos < 0) {
                    endedNanos = System.nanoTime();
                    endReasons = reasons;
                    b.close();
                    onEnd.run();
                }
            });
            bev.enable(Ev.READ);
            bev.connect(to);
        }

        boolean ended() {
            return endedNanos >= 0;
        }

        long elapsedNanos() {
            return endedNanos - startNanos;
        }
    }

    /** Runs {@code then} on the loop once {@code cond} holds (checked every 10 ms by a loop timer). */
    private static void when(EventBase base, BooleanSupplier cond, Runnable then) {
        Event[] timer = new Event[1];
        timer[0] = base.newEvent(null, Ev.PERSIST, (ev, what) -> {
            if (cond.getAsBoolean()) {
                timer[0].close();
                then.run();
            }
        });
        timer[0].add(Duration.ofMillis(10));
    }

    /**
     * Tops {@code b}'s output up every 5 ms rather than from its write callback: the client shares the loop with
     * the server, and a write callback that refills keeps the loop writing for as long as the kernel takes bytes
     * (hundreds of milliseconds through TLS over loopback), during which the server's side would not run.
     */
    private static Event pumpEvery(EventBase base, PatternTraffic t, BufferEvent b) {
        Event e = base.newEvent(null, Ev.PERSIST, (ev, what) -> t.pump(b));
        e.add(Duration.ofMillis(5));
        t.pump(b);
        return e;
    }

    private static void assertNotBefore(Duration timeout, long elapsedNanos) {
        // a lower bound only: a loaded machine may close later, never (much) earlier
        assertTrue(elapsedNanos >= timeout.toNanos() * 9 / 10, "closed after " + elapsedNanos / 1_000_000
                + " ms, before the " + timeout.toMillis() + " ms timeout");
    }

    private static ChainSpec tls() throws Exception {
        Path d = ExternalTools.selfSignedCert();
        return ChainSpec.of(d.resolve("cert.pem"), d.resolve("key.pem"), null, false, 0);
    }

    // ------------------------------------------------------------------------------------------ echo-server

    @Test
    void shouldCloseClientThatConnectsAndNeverSpeaksAfterIdleTimeout() throws IOException {
        EventBase base = newBase();
        Duration idle = Duration.ofMillis(300);
        EchoServer server = EchoServer.start(base, loopback0()).idleTimeout(idle);
        SilentClient c = new SilentClient(base, server.localAddress(), server::close);
        loopWithin(base, 0, BOUND);
        assertTrue(c.ended(), "the server ended the silent connection");
        assertEquals(BevEvent.READING | BevEvent.EOF, c.endReasons, BevEvent.toString(c.endReasons));
        assertNotBefore(idle, c.elapsedNanos());
        assertEquals(1, server.idleClosed());
        assertEquals(0, server.connections());
    }

    @Test
    void shouldCloseClientThatStopsReadingAfterIdleTimeout() throws IOException {
        EventBase base = newBase();
        Duration idle = Duration.ofMillis(300);
        EchoServer server = EchoServer.start(base, loopback0(), 256 << 10, 64 << 10).idleTimeout(idle);
        closeNonReadingClient(base, server, ChainSpec.PLAIN, idle);
    }

    @Test
    void shouldAbortTlsClientThatStopsReadingAfterIdleTimeout() throws Exception {
        EventBase base = newBase();
        ChainSpec spec = tls();
        warmUp(base, spec);
        Duration idle = Duration.ofMillis(300);
        EchoServer server = EchoServer.start(base, loopback0(), 256 << 10, 64 << 10, spec).idleTimeout(idle);
        closeNonReadingClient(base, server, spec, idle);
    }

    /**
     * A client sends far more than the server's watermarks and kernel buffers hold and never reads: the server
     * pauses reading, its output stops moving, and its write timeout (at the socket, under any filters) closes the
     * connection at once, without waiting to send TLS close_notify to a peer that does not read: the client's
     * pending writes fail well within TLS's 10 s linger.
     */
    private static void closeNonReadingClient(EventBase base, EchoServer server, ChainSpec spec, Duration idle)
            throws IOException {
        Chain chain = spec.client(SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE));
        chain.limitLayersBelowTop();
        BufferEvent client = chain.top(); // READ never enabled: the client does not read
        long total = 256L << 20;
        PatternTraffic t = new PatternTraffic(11, total);
        long start = System.nanoTime();
        long[] clientEndedAt = {-1};
        int[] clientEnd = {0};
        client.setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED && clientEndedAt[0] < 0) {
                clientEndedAt[0] = System.nanoTime();
                clientEnd[0] = reasons;
            }
        });
        chain.socket().connect(server.localAddress());
        Event pump = pumpEvery(base, t, client);
        long[] serverClosedAt = {-1};
        long[] echoedAtClose = {-1};
        when(base, () -> server.idleClosed() > 0, () -> {
            serverClosedAt[0] = System.nanoTime();
            echoedAtClose[0] = server.echoedBytes();
        });
        when(base, () -> clientEndedAt[0] >= 0 || serverClosedAt[0] >= 0
                && System.nanoTime() - serverClosedAt[0] > BOUND.toNanos() / 2, () -> {
            pump.close();
            chain.abort();
            server.close();
        });
        loopWithin(base, 0, BOUND);
        assertEquals(1, server.idleClosed(), "the server closed the connection that stopped reading");
        assertEquals(0, server.connections());
        assertTrue(echoedAtClose[0] > 0, "the connection was echoing (past any handshake) before it stalled");
        assertTrue(t.sent < total, "the client could not send everything while it did not read");
        assertNotBefore(idle, serverClosedAt[0] - start);
        assertTrue(clientEndedAt[0] >= 0, "the client's writes failed once the server had closed");
        assertTrue(clientEndedAt[0] - serverClosedAt[0] < TimeUnit.SECONDS.toNanos(5), "the client saw "
                + BevEvent.toString(clientEnd[0]) + " " + (clientEndedAt[0] - serverClosedAt[0]) / 1_000_000
                + " ms after the server's close: its socket lingered");
    }

    @Test
    void shouldKeepServingSilentClientThatStillReadsItsEcho() throws IOException {
        EventBase base = newBase();
        Duration idle = Duration.ofMillis(250);
        long total = 24 << 20;
        // the client sends everything at once, then only reads, at 12 MiB/s: the server has read it all long before
        // its echo is out (more than the kernel's loopback buffers hold, ~4 MiB here, waits in its output), so its
        // read timeout fires while the echo is still pending; a high watermark above the stream keeps it reading
        EchoServer server = EchoServer.start(base, loopback0(), 64 << 20, 16 << 20).idleTimeout(idle);
        SocketBufferEvent client = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        RateLimits.set(client, TokenBucketConfig.perSecond(12 << 20, 0, TokenBucketConfig.UNLIMITED, 0));
        PatternTraffic t = new PatternTraffic(13, total);
        int[] endReasons = {0};
        Event[] pump = new Event[1];
        client.setCallbacks(b -> {
            if (t.consume(b)) {
                pump[0].close();
                b.close();
                server.close();
            }
        }, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                t.consume(b);
                endReasons[0] = reasons;
                pump[0].close();
                b.close();
                server.close();
            }
        });
        client.enable(Ev.READ);
        client.connect(server.localAddress());
        pump[0] = pumpEvery(base, t, client); // all of it as fast as it goes, then silence: never a half-close
        loopWithin(base, 0, BOUND);
        assertEquals(total, t.received, "the whole echo reached the silent client (ended by "
                + BevEvent.toString(endReasons[0]) + ")");
        assertFalse(t.mismatch, "the echo matched the stream");
    }

    @Test
    void shouldCloseHalfOpenTlsHandshakeAfterHandshakeTimeout() throws Exception {
        EventBase base = newBase();
        Duration handshake = Duration.ofMillis(300);
        EchoServer server = EchoServer.start(base, loopback0(), tls()).handshakeTimeout(handshake)
                .idleTimeout(Duration.ofSeconds(60));
        SilentClient c = new SilentClient(base, server.localAddress(), server::close); // TCP only, no ClientHello
        loopWithin(base, 0, BOUND);
        assertTrue(c.ended(), "the server ended the connection that never started its handshake");
        assertNotBefore(handshake, c.elapsedNanos());
        assertEquals(1, server.handshakeTimeouts());
        assertEquals(0, server.idleClosed());
        assertEquals(0, server.connections());
    }

    @Test
    void shouldKeepHandshakenTlsConnectionPastHandshakeTimeout() throws Exception {
        EventBase base = newBase();
        ChainSpec spec = tls();
        warmUp(base, spec);
        Duration handshake = Duration.ofMillis(500);
        EchoServer server = EchoServer.start(base, loopback0(), spec).handshakeTimeout(handshake)
                .idleTimeout(Duration.ofSeconds(20));
        byte[] sent = new byte[64 << 10];
        new PatternStream(17).fill(sent, 0, sent.length);
        TlsPeer c = new TlsPeer(base, spec, server.localAddress(), b -> {
            // wait past the server's handshake deadline (set at its accept, before this) before speaking: the
            // finished handshake must have stopped it
            base.once(null, Ev.TIMEOUT, handshake.plusMillis(300), (ev, what) -> b.write(sent));
        }, (p, got) -> {
            if (got == sent.length) {
                p.chain.abort();
                server.close();
            }
        }, server::close);
        loopWithin(base, 0, BOUND);
        assertArrayEquals(sent, c.received.toByteArray(), "the echo after waiting past the handshake timeout (ended "
                + BevEvent.toString(c.endReasons) + ")");
        assertEquals(0, server.handshakeTimeouts());
        assertEquals(0, server.idleClosed());
    }

    @Test
    void shouldCloseIdleTlsConnectionAfterIdleTimeout() throws Exception {
        EventBase base = newBase();
        ChainSpec spec = tls();
        warmUp(base, spec);
        Duration idle = Duration.ofMillis(300);
        EchoServer server = EchoServer.start(base, loopback0(), spec).idleTimeout(idle);
        long[] connectedAt = {-1};
        long start = System.nanoTime(); // the server's read timeout runs from its accept, after this
        TlsPeer c = new TlsPeer(base, spec, server.localAddress(), b -> connectedAt[0] = System.nanoTime(),
                (p, got) -> { }, server::close);
        loopWithin(base, 0, BOUND);
        assertTrue(connectedAt[0] >= 0, "the handshake finished (ended by " + BevEvent.toString(c.endReasons) + ")");
        assertEquals(BevEvent.READING | BevEvent.EOF, c.endReasons, "a clean close_notify: "
                + BevEvent.toString(c.endReasons));
        assertNotBefore(idle, c.endedNanos - start);
        assertEquals(1, server.idleClosed());
        assertEquals(0, server.handshakeTimeouts());
    }

    /** A TLS client on the loop: reports CONNECTED and what it receives, records how the connection ended. */
    private static final class TlsPeer {
        final Chain chain;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        long endedNanos = -1;
        int endReasons;

        TlsPeer(EventBase base, ChainSpec spec, SocketAddress to, java.util.function.Consumer<BufferEvent> connected,
                java.util.function.BiConsumer<TlsPeer, Integer> onData, Runnable onEnd) {
            chain = spec.client(SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE));
            BufferEvent top = chain.top();
            top.setCallbacks(b -> {
                byte[] got = new byte[(int) b.input().length()];
                b.read(got, 0, got.length);
                received.write(got, 0, got.length);
                onData.accept(this, received.size());
            }, null, (b, reasons, cause) -> {
                if (reasons == BevEvent.CONNECTED) {
                    connected.accept(b);
                } else if (endedNanos < 0) {
                    endedNanos = System.nanoTime();
                    endReasons = reasons;
                    chain.abort();
                    onEnd.run();
                }
            });
            top.enable(Ev.READ);
            chain.socket().connect(to);
        }
    }

    /**
     * One TLS echo through a throw-away server first, so that this JVM's first handshake (class loading, JIT:
     * hundreds of milliseconds on a loaded machine) does not run into the short timeouts under test.
     */
    private static void warmUp(EventBase base, ChainSpec spec) throws IOException {
        EchoServer s = EchoServer.start(base, loopback0(), spec);
        EchoLoad.start(base, s.localAddress(), 1, 16 << 10, spec, () -> {
            s.close();
            base.loopExit();
        });
        loopWithin(base, 0, BOUND);
    }

    // ------------------------------------------------------------------------------------------------ relay

    @Test
    void shouldCloseSilentRelaySessionAfterIdleTimeout() throws IOException {
        EventBase base = newBase();
        Duration idle = Duration.ofMillis(300);
        EchoServer echo = EchoServer.start(base, loopback0()).idleTimeout(null);
        int port = ((InetSocketAddress) echo.localAddress()).getPort();
        Relay relay = Relay.start(base, loopback0(), "127.0.0.1", port).idleTimeout(idle);
        SilentClient c = new SilentClient(base, relay.localAddress(), () -> {
            relay.close();
            echo.close();
        });
        loopWithin(base, 0, BOUND);
        assertTrue(c.ended(), "the relay ended the silent session");
        assertEquals(BevEvent.READING | BevEvent.EOF, c.endReasons, BevEvent.toString(c.endReasons));
        assertNotBefore(idle, c.elapsedNanos());
        assertEquals(1, relay.idleClosed());
        assertEquals(0, relay.sessions());
    }

    @Test
    void shouldKeepRelaySessionWhileOnlyUpstreamSends() throws IOException {
        EventBase base = newBase();
        Duration idle = Duration.ofMillis(300);
        int chunks = 12;
        byte[] stream = new byte[chunks << 10];
        new PatternStream(19).fill(stream, 0, stream.length);
        // an upstream that sends 1 KiB every 100 ms (well inside the idle timeout), then ends its stream
        Listener upstream = Listener.bind(base, loopback0(), Listener.REUSEADDR, (l, h) -> {
            SocketBufferEvent up = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            up.setCallbacks(b -> b.input().drain(b.input().length()), null, (b, reasons, cause) -> b.close());
            up.enable(Ev.READ);
            int[] next = {0};
            Event[] tick = new Event[1];
            tick[0] = base.newEvent(null, Ev.PERSIST, (ev, what) -> {
                up.write(stream, next[0] << 10, 1 << 10);
                if (++next[0] == chunks) {
                    tick[0].close();
                    up.shutdownOutput();
                }
            });
            tick[0].add(Duration.ofMillis(100));
        });
        int port = ((InetSocketAddress) upstream.localAddress()).getPort();
        Relay relay = Relay.start(base, loopback0(), "127.0.0.1", port).idleTimeout(idle);
        SilentClient c = new SilentClient(base, relay.localAddress(), () -> {
            relay.close();
            upstream.close();
        });
        loopWithin(base, 0, BOUND);
        assertEquals(BevEvent.READING | BevEvent.EOF, c.endReasons, BevEvent.toString(c.endReasons));
        byte[] got = c.received.toByteArray();
        assertEquals(stream.length, got.length, "bytes the silent client received");
        assertTrue(Arrays.equals(stream, got), "the upstream's stream came through intact");
        assertEquals(0, relay.idleClosed(), "a session moving bytes one way is not idle");
    }
}
