package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The echo-server example over loopback TCP, on the backend under test. */
public abstract class EchoServerConformance extends ExamplesTestSupport {

    @Test
    void shouldEchoHundredConnectionsWithRandomWriteSizes() throws IOException {
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0());
        EchoLoad load = EchoLoad.start(base, server.localAddress(), 100, 1 << 20, server::close);
        loopWithin(base, 0, Duration.ofSeconds(60));
        EchoLoad.Result r = load.result();
        System.out.println("[" + backendName() + "] " + r);
        assertEquals(List.of(), r.failures());
        assertEquals(100, r.matched());
        assertTrue(r.ok());
        assertEquals(100, server.accepted());
        assertEquals(100L << 20, server.echoedBytes());
        assertEquals(0, server.connections(), "the server closed every connection after its half-close");
    }

    @Test
    void shouldEchoThroughFourLoopsFedByOneAcceptingLoop() throws IOException {
        echoThroughLoops(false);
    }

    @Test
    void shouldEchoThroughFourLoopsEachWithASoReusePortListener() throws IOException {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "SO_REUSEPORT spreading is tested on Linux only; this is " + System.getProperty("os.name"));
        echoThroughLoops(true);
    }

    /** {@code echo-server --loops 4 [--reuseport]}: 200 checksummed streams, every loop used. */
    private void echoThroughLoops(boolean reusePort) throws IOException {
        MultiLoopEchoServer server = MultiLoopEchoServer.start(4, reusePort,
                new io.jevent.EventConfig().method(backendName()), loopback0(), ChainSpec.PLAIN, null, null);
        try {
            EventBase client = newBase();
            EchoLoad load = EchoLoad.start(client, server.localAddress(), 200, 64 << 10, client::loopExit);
            loopWithin(client, 0, Duration.ofSeconds(60));
            EchoLoad.Result r = load.result();
            assertEquals(List.of(), r.failures());
            assertEquals(200, r.matched());
            List<Long> perLoop = server.acceptedPerLoop();
            assertEquals(200L, perLoop.stream().mapToLong(Long::longValue).sum(), "accepted per loop: " + perLoop);
            for (long n : perLoop) {
                assertTrue(n > 0, "every loop served connections: " + perLoop);
            }
            String stats = server.statistics(perLoop);
            assertTrue(stats.contains("loop 4/4"), stats);
        } finally {
            server.close();
        }
        assertTrue(server.group().isTerminated());
    }

    @Test
    void shouldFailTheSelfTestWhenBytesComeBackChanged() throws IOException {
        EventBase base = newBase();
        // a "server" that flips one byte: the self-test must notice
        io.jevent.bufferevent.Listener bad = io.jevent.bufferevent.Listener.bind(base, loopback0(), 0, (l, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            long[] seen = {0};
            bev.setCallbacks(b -> {
                byte[] got = new byte[(int) b.input().length()];
                b.read(got, 0, got.length);
                if (seen[0] <= 1000 && seen[0] + got.length > 1000) {
                    got[(int) (1000 - seen[0])] ^= 1;
                }
                seen[0] += got.length;
                b.write(got);
            }, null, (b, reasons, cause) -> b.close());
            bev.enable(Ev.READ);
        });
        EchoLoad load = EchoLoad.start(base, bad.localAddress(), 1, 64 << 10, bad::close);
        loopWithin(base, 0, Duration.ofSeconds(30));
        EchoLoad.Result r = load.result();
        assertEquals(0, r.matched());
        assertTrue(!r.ok());
        assertTrue(r.failures().get(0).contains("byte 1000 came back"), r.failures().toString());
    }

    @Test
    void shouldStopReadingFromClientThatDoesNotRead() throws IOException {
        EventBase base = newBase();
        long high = 256 << 10;
        long low = 64 << 10;
        long total = 64L << 20;
        EchoServer server = EchoServer.start(base, loopback0(), high, low);
        // a client that sends but does not read (READ stays disabled) until the server has stalled
        SocketBufferEvent client = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        PatternTraffic t = new PatternTraffic(9, total);
        long[] atStall = {-1, -1};
        client.setCallbacks(b -> {
            if (t.consume(b)) {
                b.close();
                server.close();
            }
        }, t::pump, (b, reasons, cause) -> {
            if (reasons != io.jevent.bufferevent.BevEvent.CONNECTED) {
                b.close();
                server.close();
            }
        });
        client.connect(server.localAddress());
        t.pump(client);
        whenStalled(base, server::echoedBytes, Duration.ofMillis(300), () -> {
            atStall[0] = server.bufferedBytes();
            atStall[1] = server.pausedConnections();
            client.enable(Ev.READ); // start reading: the server must resume and deliver everything
        });
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertEquals(1, atStall[1], "the server paused reading from the client that did not read");
        assertTrue(atStall[0] > high && atStall[0] <= high + ONE_READ, "the server held " + atStall[0]
                + " bytes for one connection; expected more than high watermark " + high + ", at most one read ("
                + ONE_READ + ") more");
        assertTrue(server.peakConnectionBuffered() <= high + ONE_READ, "peak " + server.peakConnectionBuffered());
        assertEquals(total, t.received, "everything came back once the client read again");
        assertTrue(!t.mismatch, "the echo matched the stream");
    }

    @Test
    void shouldEchoOneMebibyteToPythonSocketClient() throws Exception {
        String python = findPython();
        Assumptions.assumeTrue(python != null, "python3 not found on PATH (CI installs it): interop test skipped");
        EventBase base = newBase();
        EchoServer server = EchoServer.start(base, loopback0());
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        Path script = Files.createTempFile("echo_client", ".py");
        try (InputStream in = getClass().getResourceAsStream("/echo_client.py")) {
            Files.write(script, in.readAllBytes());
        }
        int total = 1 << 20;
        Process p = new ProcessBuilder(python, script.toString(), Integer.toString(port), Integer.toString(total), "5")
                .redirectErrorStream(true).start();
        String[] output = new String[1];
        Thread waiter = new Thread(() -> {
            try {
                output[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                output[0] = String.valueOf(e);
            }
            base.execute(() -> {
                server.close();
                base.loopExit();
            });
        }, "python-waiter");
        waiter.setDaemon(true);
        waiter.start();
        try {
            loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(60));
            waiter.join(TimeUnit.SECONDS.toMillis(10));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(script);
        }
        assertEquals(0, p.exitValue(), "python client failed:\n" + output[0]);
        String[] lines = output[0].trim().split("\\R");
        assertEquals(2, lines.length, output[0]);
        String[] sent = lines[0].split(" ");
        String[] got = lines[1].split(" ");
        assertEquals("sent", sent[0]);
        assertEquals("received", got[0]);
        assertEquals(sent[1], got[1], "sha256 of what python sent and what came back");
        assertEquals(Integer.toString(total), got[2]);
        assertEquals(total, server.echoedBytes());
    }

    private static String findPython() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path c = Path.of(dir, "python3");
            if (Files.isExecutable(c)) {
                return c.toString();
            }
        }
        return null;
    }
}
