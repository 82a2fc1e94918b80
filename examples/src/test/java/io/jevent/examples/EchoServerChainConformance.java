package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The echo-server example through its filter chain (--tls, --zlib, --rate), on the backend under test. */
public abstract class EchoServerChainConformance extends ExamplesTestSupport {

    private static ChainSpec tlsZlib() throws IOException, GeneralSecurityException {
        Path d = ExternalTools.selfSignedCert();
        return ChainSpec.of(d.resolve("cert.pem"), d.resolve("key.pem"), null, true, 0);
    }

    @Test
    void shouldEchoEveryByteThroughTlsOverZlib() throws Exception {
        ChainSpec spec = tlsZlib();
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0(), spec);
        EchoLoad load = EchoLoad.start(base, server.localAddress(), 4, 1 << 20, spec, server::close);
        loopWithin(base, 0, Duration.ofSeconds(60));
        EchoLoad.Result r = load.result();
        System.out.println("[" + backendName() + "] " + spec + ": " + r);
        assertEquals(List.of(), r.failures());
        assertTrue(r.ok());
        assertEquals(4L << 20, server.echoedBytes());
        assertEquals(0, server.connections(), "the server closed every connection after the client's close_notify");
    }

    @Test
    void shouldPassTheSelfTestCommandThroughTlsAndZlib() throws Exception {
        Path d = ExternalTools.selfSignedCert();
        String[] argv = {"--backend", backendName(), "--self-test", "3", "256k", "--tls",
            d.resolve("cert.pem").toString(), d.resolve("key.pem").toString(), "--zlib"};
        int status = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> EchoServer.run(argv));
        assertEquals(0, status, "echo-server " + String.join(" ", argv));
    }

    /**
     * A python3 client sends 2.2 MB of repetitive text and then 100 KB of random bytes through one
     * {@code zlib.compressobj()} stream with {@code Z_SYNC_FLUSH} every 64 KiB, to {@code echo-server --zlib}: all of
     * it comes back, in a properly ended zlib stream. Text like this (logs, JSON, zero-filled blocks) compresses far
     * beyond any ratio a bomb limit could use.
     */
    @Test
    void shouldEchoPythonZlibStreamOfRepetitiveTextAndRandomBytes() throws Exception {
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0(), ChainSpec.of((javax.net.ssl.SSLContext) null, null,
                true, 0));
        int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        int text = 2_200_000;
        int random = 100_000;
        PythonClient.Result r = PythonClient.run(base, "zlib_echo_client.py", Duration.ofSeconds(60), server::close,
                Integer.toString(port), Integer.toString(text), Integer.toString(random), "9");
        String[] sent = r.line("sent");
        String[] got = r.line("received");
        assertEquals(sent[1], got[1], "sha256 of what python sent and what came back:\n" + r.output());
        assertEquals(Integer.toString(text + random), got[2], r.output());
        assertEquals("True", r.line("eof")[1], "the server ended its zlib stream:\n" + r.output());
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(text + random, server.echoedBytes());
        assertEquals(0, server.connectionErrors(), "no connection was closed by an error");
    }

    /** A connection the zlib layer rejects is closed, counted and logged with its cause, the server goes on. */
    @Test
    void shouldLogTheCauseWhenItClosesAConnectionOnAnError() throws Exception {
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0(), ChainSpec.of((javax.net.ssl.SSLContext) null, null,
                true, 0));
        SocketBufferEvent client = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        client.setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) { // the server closed: EOF or reset
                b.close();
                server.close();
            }
        });
        client.enable(Ev.READ);
        client.connect(server.localAddress());
        client.write("plain text where a zlib stream should be\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream was = System.err;
        System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            loopWithin(base, 0, Duration.ofSeconds(20));
        } finally {
            System.setErr(was);
        }
        String log = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, server.connectionErrors());
        assertTrue(log.contains("WARN") && log.contains("READING|ERROR") && log.contains("DataFormatException"),
                "the server's log: " + log);
    }

    @Test
    void shouldTakeAtLeastBytesOverRateWhenRateLimited() throws Exception {
        long rate = 256 << 10;
        long bytes = 512 << 10;
        ChainSpec spec = ChainSpec.of(null, null, null, false, rate);
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0(), spec);
        EchoLoad load = EchoLoad.start(base, server.localAddress(), 2, bytes, spec, server::close);
        loopWithin(base, 0, Duration.ofSeconds(60));
        EchoLoad.Result r = load.result();
        System.out.println("[" + backendName() + "] " + spec + ": " + r);
        assertEquals(List.of(), r.failures());
        assertTrue(r.ok());
        // a lower bound only: each connection is limited on its own, and may start with its initial fill and burst
        double atLeast = (bytes - spec.burstBytes()) / (double) rate;
        assertTrue(r.elapsedNanos() / 1e9 >= atLeast, String.format(Locale.ROOT,
                "%d bytes at %d B/s took %.3f s, expected at least %.3f s", bytes, rate, r.elapsedNanos() / 1e9,
                atLeast));
    }

    @Test
    void shouldStopReadingThroughTheChainFromClientThatDoesNotRead() throws Exception {
        ChainSpec spec = tlsZlib();
        EventBase base = newBase();
        long high = 256 << 10;
        long low = 64 << 10;
        long total = 32L << 20;
        EchoServer server = EchoServer.start(base, loopback0(), high, low, spec);
        Chain chain = spec.client(SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE));
        // watermarks on the client's own layers bound what each of them holds while its top does not read
        chain.limitLayersBelowTop();
        BufferEvent client = chain.top();
        PatternTraffic t = new PatternTraffic(5, total);
        long[] atStall = {-1, -1, -1};
        client.setCallbacks(b -> {
            if (t.consume(b)) {
                chain.close();
                server.close();
            }
        }, t::pump, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                chain.close();
                server.close();
            }
        });
        chain.socket().connect(server.localAddress());
        t.pump(client);
        whenStalled(base, server::echoedBytes, Duration.ofMillis(500), () -> {
            atStall[0] = server.bufferedBytes();
            atStall[1] = server.pausedConnections();
            atStall[2] = t.sent;
            client.enable(Ev.READ); // read again: the server must resume and deliver everything
        });
        loopWithin(base, 0, Duration.ofSeconds(120));
        // each layer under the top holds at most its watermark plus one read or record each way
        long bound = high + ONE_READ + 2 * 2 * (Chain.LAYER_HIGH + ONE_READ);
        System.out.printf(Locale.ROOT, "[%s] %s: stalled with %d bytes held by the server (bound %d), %d sent%n",
                backendName(), spec, atStall[0], bound, atStall[2]);
        assertEquals(1, atStall[1], "the server paused reading from the client that did not read");
        assertTrue(atStall[0] > high && atStall[0] <= bound, "the server held " + atStall[0] + " bytes for one"
                + " connection; expected more than the high watermark " + high + " and at most " + bound);
        assertTrue(atStall[2] < total, "the client could not send everything while it did not read");
        assertEquals(total, t.received, "everything came back once the client read again");
        assertTrue(!t.mismatch, "the echo matched the stream");
    }
}
