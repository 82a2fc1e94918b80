package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.dns.HostsFile;
import io.jevent.dns.Resolver;
import io.jevent.dns.ResolverConfig;
import io.jevent.internal.FlightEvents;
import io.jevent.spi.ErrnoException;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Flight Recorder events (io.jevent.ConnectionOpen/Close, SlowCallback; TlsHandshake in
 * {@link TlsHandshakeRecordingConformance}) on real loopback connections: a recording enables them, the test runs, and the dumped recording is read back and checked field by
 * field against the sockets and the bytes moved. The connection events come from each driver (readiness and
 * completion), hence one run per backend.
 */
public abstract class FlightRecorderConformance extends FilterTestSupport {
    private static final String OPEN = "io.jevent.ConnectionOpen";
    private static final String CLOSE = "io.jevent.ConnectionClose";
    static final String TLS = "io.jevent.TlsHandshake";
    private static final String SLOW = "io.jevent.SlowCallback";

    /** What a test does while the recording runs. */
    interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} under {@code r} (started here), then returns the jevent events it recorded. */
    static List<RecordedEvent> record(Recording r, Body body) throws Exception {
        Path file = Files.createTempFile("jevent-jfr-", ".jfr");
        try (r) {
            r.start();
            body.run();
            r.stop();
            r.dump(file);
            return RecordingFile.readAllEvents(file).stream()
                    .filter(e -> e.getEventType().getName().startsWith("io.jevent."))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static Recording enabling(String... names) {
        Recording r = new Recording();
        for (String n : names) {
            r.enable(n).withThreshold(Duration.ZERO);
        }
        return r;
    }

    static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).collect(Collectors.toList());
    }

    /** The one event of {@code name} whose {@code field} is {@code value}; fails naming what was recorded. */
    static RecordedEvent one(List<RecordedEvent> events, String name, String field, String value) {
        List<RecordedEvent> match = named(events, name).stream()
                .filter(e -> value.equals(e.getString(field))).collect(Collectors.toList());
        assertEquals(1, match.size(), () -> "expected one " + name + " with " + field + " = " + value + ", recorded: "
                + events);
        return match.get(0);
    }

    private String driver(EventBase base) {
        return base.completionEngine() != null ? "completion" : "readiness";
    }

    private String local(SocketBufferEvent b) throws IOException {
        return FlightEvents.address(netOps().localAddress(b.handle()));
    }

    private String remote(SocketBufferEvent b) throws IOException {
        return FlightEvents.address(netOps().remoteAddress(b.handle()));
    }

    @Test
    void shouldRecordOpenAndCloseWithTheSocketsAddressesAndTheBytesMoved() throws Exception {
        EventBase base = newBase();
        byte[] request = data(1, 70_000);
        byte[] reply = data(2, 3_000);
        String[] client = new String[2];
        String[] server = new String[2];
        List<String> problems = new ArrayList<>();
        List<RecordedEvent> events = record(enabling(OPEN, CLOSE), () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            client[0] = local(tcp[0]);
            client[1] = remote(tcp[0]);
            server[0] = local(tcp[1]);
            server[1] = remote(tcp[1]);
            // the server reads the whole request, answers, and closes once the client's EOF comes
            int[] got = {0};
            tcp[1].setCallbacks(b -> {
                got[0] += b.input().length();
                b.input().drain(b.input().length());
                if (got[0] == request.length) {
                    b.write(reply, 0, reply.length);
                }
            }, null, (b, reasons, cause) -> {
                if (reasons != (BevEvent.READING | BevEvent.EOF)) {
                    problems.add("server: " + BevEvent.toString(reasons) + " " + cause);
                }
                b.close();
                base.loopBreak();
            });
            tcp[1].enable(Ev.READ);
            byte[] back = new byte[reply.length];
            int[] have = {0};
            tcp[0].setCallbacks(b -> {
                have[0] += b.read(back, have[0], back.length - have[0]);
                if (have[0] == back.length) {
                    b.close(); // the user closes: the server then reads EOF
                }
            }, null, (b, reasons, cause) -> problems.add("client: " + BevEvent.toString(reasons) + " " + cause));
            tcp[0].enable(Ev.READ);
            tcp[0].write(request, 0, request.length);
            loopWithin(base, 0, Duration.ofSeconds(20));
            assertArrayEquals(reply, back, "the reply came back whole");
        });
        assertEquals(List.of(), problems);
        assertEquals(client[0], server[1], "the two ends see one connection");
        RecordedEvent openC = one(events, OPEN, "localAddress", client[0]);
        RecordedEvent openS = one(events, OPEN, "localAddress", server[0]);
        assertEquals(client[1], openC.getString("remoteAddress"));
        assertEquals(server[1], openS.getString("remoteAddress"));
        assertTrue(openC.getBoolean("outbound"), "the client connected");
        assertFalse(openS.getBoolean("outbound"), "the server was handed an accepted socket");
        for (RecordedEvent e : List.of(openC, openS)) {
            assertEquals(backendName(), e.getString("backend"));
            assertEquals(driver(base), e.getString("driver"));
        }
        RecordedEvent closeC = one(events, CLOSE, "localAddress", client[0]);
        RecordedEvent closeS = one(events, CLOSE, "localAddress", server[0]);
        assertEquals(client[1], closeC.getString("remoteAddress"));
        assertEquals(server[1], closeS.getString("remoteAddress"));
        assertEquals(request.length, closeC.getLong("bytesWritten"));
        assertEquals(reply.length, closeC.getLong("bytesRead"));
        assertEquals(request.length, closeS.getLong("bytesRead"));
        assertEquals(reply.length, closeS.getLong("bytesWritten"));
        assertEquals("close", closeC.getString("reason"), "the client's user closed it");
        assertEquals("eof", closeS.getString("reason"), "the server read the end of the stream first");
        assertNull(closeC.getString("message"));
        assertEquals(0, closeS.getInt("errno"));
        for (RecordedEvent e : List.of(closeC, closeS)) {
            assertEquals(backendName(), e.getString("backend"));
            assertEquals(driver(base), e.getString("driver"));
            long lifetime = e.getDuration("lifetime").toNanos();
            assertTrue(lifetime > 0 && lifetime < Duration.ofSeconds(60).toNanos(), () -> "lifetime " + lifetime);
        }
    }

    @Test
    void shouldRecordAPeerResetAsAnErrorWithItsErrnoAndMessage() throws Exception {
        EventBase base = newBase();
        Throwable[] failure = new Throwable[1];
        long[] read = {0};
        String[] peer = new String[1];
        List<RecordedEvent> events;
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            peer[0] = FlightEvents.address(ss.getLocalSocketAddress());
            CountDownLatch connected = new CountDownLatch(1);
            Thread resetter = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    s.getOutputStream().write(data(3, 1_000));
                    connected.await(); // reset only after our side saw CONNECTED
                    s.setSoLinger(true, 0); // the close sends RST
                } catch (IOException | InterruptedException ignored) {
                    // the assertions below report what went wrong
                }
            }, "rst-peer");
            resetter.start();
            events = record(enabling(OPEN, CLOSE), () -> {
                SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
                c.setCallbacks(b -> {
                    read[0] += b.input().length();
                    b.input().drain(b.input().length());
                }, null, (b, reasons, cause) -> {
                    if (reasons == BevEvent.CONNECTED) {
                        connected.countDown();
                        // read only once the reset has surely arrived, so that the read meets it
                        base.newTimer((ev, w) -> {
                            try {
                                resetter.join(10_000);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            base.newTimer((ev2, w2) -> c.unsuspendRead(BufferEvent.SUSPEND_FILTER))
                                    .add(Duration.ofMillis(50));
                        }).add(Duration.ZERO);
                        return;
                    }
                    failure[0] = cause != null ? cause : new AssertionError("expected ERROR, got "
                            + BevEvent.toString(reasons));
                    b.close();
                });
                c.enable(Ev.READ);
                c.suspendRead(BufferEvent.SUSPEND_FILTER);
                c.connect(ss.getLocalSocketAddress());
                loopWithin(base, 0, Duration.ofSeconds(30));
            });
        }
        assertNotNull(failure[0], "the reset was reported");
        assertTrue(failure[0] instanceof IOException, () -> "an I/O error, got " + failure[0]);
        RecordedEvent close = one(events, CLOSE, "remoteAddress", peer[0]);
        assertEquals("error", close.getString("reason"));
        assertEquals(failure[0].getMessage(), close.getString("message"), "the error's own message");
        int errno = failure[0] instanceof ErrnoException ? ((ErrnoException) failure[0]).errno() : 0;
        assertEquals(errno, close.getInt("errno"), "the errno of the failed call (none from NIO)");
        assertEquals(read[0], close.getLong("bytesRead"), "what the read callback was given");
        assertEquals(0, close.getLong("bytesWritten"));
        assertTrue(one(events, OPEN, "remoteAddress", peer[0]).getBoolean("outbound"));
    }

    @Test
    void shouldRecordTheCloseOfAFallbackConnectionWithoutTheFailedConnectBeforeIt() throws Exception {
        EventBase base = newBase();
        List<String> seen = new ArrayList<>();
        String[] peer = new String[1];
        List<RecordedEvent> events;
        try (ServerSocket ss = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
             java.net.DatagramSocket quiet = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress());
             Resolver r = Resolver.create(base, ResolverConfig.nameservers(
                     (java.net.InetSocketAddress) quiet.getLocalSocketAddress())
                     .withHosts(HostsFile.parse("127.0.0.2 dead.test\n")))) { // 127.0.0.2 refuses that port
            peer[0] = FlightEvents.address(ss.getLocalSocketAddress());
            events = record(enabling(OPEN, CLOSE), () -> {
                SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
                c.setCallbacks(null, null, (b, reasons, cause) -> {
                    seen.add(BevEvent.toString(reasons));
                    if ((reasons & BevEvent.ERROR) != 0 && seen.size() == 1) {
                        c.connect(ss.getLocalSocketAddress()); // the fallback, from the callback
                    } else {
                        b.close(); // connected: the user closes, nothing went wrong on this connection
                        base.loopBreak();
                    }
                });
                c.connectHostname("dead.test", ss.getLocalPort(), r);
                loopWithin(base, 0, Duration.ofSeconds(30));
            });
        }
        assertEquals(List.of("ERROR", "CONNECTED"), seen);
        RecordedEvent close = one(events, CLOSE, "remoteAddress", peer[0]);
        assertEquals("close", close.getString("reason"), "the failed connect before this connection is not its end");
        assertNull(close.getString("message"));
        assertEquals(0, close.getInt("errno"));
        assertTrue(one(events, OPEN, "remoteAddress", peer[0]).getBoolean("outbound"));
    }

    /** A callback (and a task) that sleeps past the threshold; its class names it in the event. */
    private static final class Sleeper implements io.jevent.EventCallback, Runnable {
        @Override
        public void onEvent(io.jevent.Event ev, int what) {
            sleep();
        }

        @Override
        public void run() {
            sleep();
        }

        private static void sleep() {
            try {
                Thread.sleep(300); // the point of the test: a callback that holds the loop
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A quick callback. */
    private static final class Quick implements io.jevent.EventCallback {
        int runs;

        @Override
        public void onEvent(io.jevent.Event ev, int what) {
            runs++;
        }
    }

    @Test
    void shouldRecordACallbackAndATaskThatRanPastTheThresholdAndNoQuickOne() throws Exception {
        EventBase base = newBase();
        Quick quick = new Quick();
        io.jevent.Event slow = base.newTimer(new Sleeper());
        io.jevent.Event fast = base.newTimer(quick);
        Recording r = new Recording();
        r.enable(SLOW).withThreshold(Duration.ofMillis(100));
        List<RecordedEvent> events = record(r, () -> {
            for (int i = 0; i < 5; i++) {
                fast.activate(Ev.TIMEOUT);
                loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
            }
            slow.activate(Ev.TIMEOUT);
            base.execute(new Sleeper());
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        });
        assertEquals(5, quick.runs);
        List<RecordedEvent> slowOnes = named(events, SLOW);
        assertEquals(2, slowOnes.size(), () -> "the sleeping callback and task, and nothing else: " + slowOnes);
        List<String> kinds = new ArrayList<>();
        for (RecordedEvent e : slowOnes) {
            assertEquals(Sleeper.class.getName(), e.getClass("callbackClass").getName());
            assertEquals(backendName(), e.getString("backend"));
            assertTrue(e.getDuration().toMillis() >= 300, () -> "it slept 300 ms: " + e.getDuration());
            assertNotNull(e.getString("what"));
            assertEquals(Thread.currentThread().getName(), e.getThread().getJavaName(), "the loop thread");
            kinds.add(e.getString("kind"));
        }
        kinds.sort(null);
        assertEquals(List.of("event", "task"), kinds);
        slow.close();
        fast.close();
    }

    /** A BufferEvent read callback that takes 300 ms, as user code blocking its loop would. */
    private static final class SlowReader implements BufferEvent.DataCallback {
        int runs;

        @Override
        public void onData(BufferEvent b) {
            runs++;
            b.input().drain(b.input().length());
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void shouldNameTheUsersOwnCallbackWhenABufferEventCallbackRanPastTheThreshold() throws Exception {
        EventBase base = newBase();
        org.junit.jupiter.api.Assumptions.assumeTrue(base.completionEngine() == null, "on a completion engine the"
                + " BufferEvent callbacks run inside the engine's poll, which SlowCallback does not time one by one"
                + " (docs/production.md)");
        TlsCerts certs = TlsCerts.get();
        SlowReader plain = new SlowReader();
        SlowReader overTls = new SlowReader();
        Recording r = new Recording();
        r.enable(SLOW).withThreshold(Duration.ofMillis(100));
        List<RecordedEvent> events = record(r, () -> {
            SocketBufferEvent[] tcp = tcpPair(base);
            tcp[1].setCallbacks(plain, null, null);
            tcp[1].enable(Ev.READ);
            tcp[0].write(data(31, 100));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (plain.runs == 0 && System.nanoTime() < deadline) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
            }
            SocketBufferEvent[] under = tcpPair(base);
            TlsBufferEvent client = Filters.tls(under[0], certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            TlsBufferEvent server = Filters.tls(under[1], certs.server(), TlsOptions.server(),
                    BevOption.CLOSE_ON_FREE);
            server.setCallbacks(overTls, null, null);
            server.enable(Ev.READ);
            client.write(data(32, 100));
            while (overTls.runs == 0 && System.nanoTime() < deadline) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
            }
            tcp[0].close();
            tcp[1].close();
            client.close();
            server.close();
        });
        assertEquals(1, plain.runs);
        assertEquals(1, overTls.runs);
        List<RecordedEvent> slowOnes = named(events, SLOW);
        assertEquals(2, slowOnes.size(), () -> "the two slow read callbacks: " + slowOnes);
        for (RecordedEvent e : slowOnes) {
            assertEquals(SlowReader.class.getName(), e.getClass("callbackClass").getName(),
                    () -> "the user's callback, not the library's plumbing: " + e);
        }
    }

    @Test
    void shouldNameTheUsersOwnCallbackInTheStallWarning() throws Exception {
        EventBase base = newBase(new io.jevent.EventConfig().warnOnStall(Duration.ofMillis(100)));
        org.junit.jupiter.api.Assumptions.assumeTrue(base.completionEngine() == null, "on a completion engine the"
                + " BufferEvent callbacks run inside the engine's poll, which the stall detector does not time one"
                + " by one (EventConfig.warnOnStall)");
        SlowReader reader = new SlowReader();
        SocketBufferEvent[] tcp = tcpPair(base);
        tcp[1].setCallbacks(reader, null, null);
        tcp[1].enable(Ev.READ);
        tcp[0].write(data(33, 100));
        java.io.PrintStream realErr = System.err;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
        try { // slf4j-simple writes to System.err
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (reader.runs == 0 && System.nanoTime() < deadline) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
            }
        } finally {
            System.setErr(realErr);
        }
        String log = captured.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(log.contains("loop stalled") && log.contains("(callback " + SlowReader.class.getName() + ")"),
                () -> "the warning names the user's callback:\n" + log);
        tcp[0].close();
        tcp[1].close();
    }

    /** Bytes the current thread allocated so far (HotSpot's per-thread counter). */
    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** Bytes allocated per dispatch of {@code n} activations of {@code user}, each run by one loop pass. */
    private static double bytesPerDispatch(EventBase base, io.jevent.Event user, int n) {
        long before = allocated();
        for (int i = 0; i < n; i++) {
            user.activate(Ev.READ);
            base.loop(LoopFlag.ONCE | LoopFlag.NONBLOCK);
        }
        return (allocated() - before) / (double) n;
    }

    @Test
    void shouldAddNoAllocationPerDispatchWhetherSlowCallbackIsOffOrOn() throws Exception {
        EventBase base = newBase();
        Quick quick = new Quick();
        io.jevent.Event user = base.newUserEvent(quick);
        int n = 50_000;
        bytesPerDispatch(base, user, n); // warm-up: the loop compiled before anything is measured
        double off = bytesPerDispatch(base, user, n);
        double[] under = new double[2];
        record(new Recording(Configuration.getConfiguration("default")), () -> {
            bytesPerDispatch(base, user, n);
            under[0] = bytesPerDispatch(base, user, n);
        });
        Recording on = new Recording();
        on.enable(SLOW).withThreshold(Duration.ofSeconds(10)); // timed, never committed
        List<RecordedEvent> events = record(on, () -> {
            bytesPerDispatch(base, user, n);
            under[1] = bytesPerDispatch(base, user, n);
        });
        assertEquals(List.of(), named(events, SLOW), "no callback ran for 10 s");
        assertEquals(6L * n, quick.runs); // warm-up, measured, and two of each under a recording
        // whatever one dispatch allocates with no recording (a user event's activation may), a recording adds
        // nothing: neither one that leaves SlowCallback off, nor one that times every callback
        String figures = String.format(java.util.Locale.ROOT, "B per dispatch: no recording %.2f, JDK default"
                + " settings %.2f, SlowCallback on %.2f", off, under[0], under[1]);
        assertTrue(under[0] - off < 1.0, figures);
        assertTrue(under[1] - off < 1.0, figures);
        org.slf4j.LoggerFactory.getLogger(FlightRecorderConformance.class).info("[{}] {}", backendName(), figures);
    }

    @Test
    void shouldRecordNoneOfItsEventsUnderTheJdksDefaultAndProfileSettings() throws Exception {
        for (String config : Arrays.asList("default", "profile")) {
            EventBase base = newBase();
            TlsCerts certs = TlsCerts.get();
            List<String> problems = new ArrayList<>();
            List<RecordedEvent> events = record(new Recording(Configuration.getConfiguration(config)), () -> {
                SocketBufferEvent[] tcp = tcpPair(base);
                TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                        BevOption.CLOSE_ON_FREE);
                echo(Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE), problems);
                byte[] payload = data(4, 5_000);
                assertArrayEquals(payload, roundTrip(base, client, payload, Duration.ofSeconds(20), problems));
                base.newTimer(new Sleeper()).activate(Ev.TIMEOUT);
                loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
                client.close();
                loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
            });
            assertEquals(List.of(), problems);
            assertEquals(List.of(), events, "the " + config + " settings leave jevent's events off");
            base.close();
        }
    }
}
