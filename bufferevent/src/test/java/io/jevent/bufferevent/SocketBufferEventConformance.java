package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.spi.ErrnoException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SocketBufferEvent and Listener over real loopback TCP, on the backend under test. */
public abstract class SocketBufferEventConformance extends BevTestSupport {

    @Test
    void shouldEchoHundredConnectionsWithRandomChunking() throws IOException {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int conns = 100;
        int bytes = 64 * 1024;
        int[] done = {0};
        List<String> problems = new ArrayList<>();
        Random rnd = new Random(7);
        for (int c = 0; c < conns; c++) {
            byte[] payload = data(c, bytes);
            byte[] got = new byte[bytes];
            int[] have = {0};
            SocketBufferEvent client = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            client.setCallbacks(b -> {
                int n = b.read(got, have[0], bytes - have[0]);
                have[0] += n;
                if (have[0] == bytes) {
                    if (!java.util.Arrays.equals(payload, got)) {
                        problems.add("connection echoed different bytes");
                    }
                    b.close();
                    if (++done[0] == conns) {
                        server.close();
                    }
                }
            }, null, (b, reasons, cause) -> {
                if ((reasons & BevEvent.CONNECTED) == 0) {
                    problems.add("unexpected " + BevEvent.toString(reasons) + " " + cause);
                    b.close();
                }
            });
            client.enable(Ev.READ);
            client.connect(server.localAddress());
            // random chunking, in order: pieces of 1 B .. 8 KiB, some at once, some from later loop passes
            sendInRandomChunks(base, client, payload, 0, new Random(rnd.nextLong()));
        }
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertEquals(List.of(), problems);
        assertEquals(conns, done[0]);
    }

    private static void sendInRandomChunks(EventBase base, BufferEvent bev, byte[] payload, int off, Random rnd) {
        while (off < payload.length) {
            int n = Math.min(payload.length - off, 1 + rnd.nextInt(8192));
            bev.write(payload, off, n);
            off += n;
            if (rnd.nextInt(3) == 0) {
                int next = off;
                base.newTimer((ev, w) -> sendInRandomChunks(base, bev, payload, next, rnd)).add(Duration.ZERO);
                return;
            }
        }
    }

    @Test
    void shouldStopReadingAtHighWatermark() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        int total = 1 << 20;
        long high = 4096;
        long[] maxSeen = {0};
        long[] received = {0};
        boolean[] draining = {false};
        long[] atCheck = {-1};
        p[0].write(data(1, total));
        base.newTimer((ev, w) -> {
            // the receiver exists once accepted; give it watermarks and let the sender fill the pipe
            p[1].setWatermark(Ev.READ, 0, high);
            p[1].setCallbacks(b -> {
                maxSeen[0] = Math.max(maxSeen[0], b.input().length());
                if (draining[0]) {
                    if (drainedAll(b, received, total)) {
                        p[0].close();
                        keep[0].close();
                    }
                }
            }, null, null);
            p[1].enable(Ev.READ);
        }).add(Duration.ofMillis(20));
        base.newTimer((ev, w) -> {
            atCheck[0] = p[1].input().length();
            draining[0] = true;
            received[0] += p[1].input().drain(p[1].input().length()); // resumes reading
        }).add(Duration.ofMillis(300));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(high, atCheck[0], "input filled exactly to the high watermark and stopped there");
        assertTrue(maxSeen[0] <= high, "input grew past the high watermark: " + maxSeen[0]);
        assertEquals(total, received[0]);
    }

    @Test
    void shouldRunWriteCallbackAtLowWatermark() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        int total = 4 << 20;
        long low = 100_000;
        List<Long> atCallback = new ArrayList<>();
        long[] received = {0};
        p[0].setWatermark(Ev.WRITE, low, 0);
        p[0].setCallbacks(null, b -> atCallback.add(b.output().length()), null);
        p[0].write(data(2, total));
        base.newTimer((ev, w) -> {
            p[1].setCallbacks(b -> {
                if (drainedAll(b, received, total)) {
                    p[0].close();
                    keep[0].close();
                }
            }, null, null);
            p[1].enable(Ev.READ);
        }).add(Duration.ofMillis(20));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(total, received[0]);
        assertFalse(atCallback.isEmpty(), "the write callback never ran");
        for (long len : atCallback) {
            assertTrue(len <= low, "write callback ran with " + len + " bytes pending, above the low watermark");
        }
    }

    @Test
    void shouldTellWritabilityAtWriteHighAndLowWatermarks() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        List<Boolean> changes = new ArrayList<>();
        p[0].setWatermark(Ev.WRITE, 1000, 64 * 1024);
        p[0].setWritabilityCallback((b, writable) -> changes.add(writable));
        assertTrue(p[0].isWritable());
        p[0].write(new byte[256 * 1024]); // before connecting: stays in the output
        assertFalse(p[0].isWritable());
        assertEquals(List.of(false), changes);
        long[] received = {0};
        base.newTimer((ev, w) -> {
            p[1].setCallbacks(b -> {
                if (drainedAll(b, received, 256 * 1024)) {
                    p[0].close();
                    keep[0].close();
                }
            }, null, null);
            p[1].enable(Ev.READ);
        }).add(Duration.ofMillis(20));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(List.of(false, true), changes);
    }

    @Test
    void shouldFireIdleReadTimeoutOnceAndDisableReading() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        List<Integer> events = new ArrayList<>();
        p[0].setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                events.add(reasons);
            }
        });
        p[0].setTimeouts(Duration.ofMillis(40), null);
        p[0].enable(Ev.READ);
        base.newTimer((ev, w) -> {
            p[0].close();
            p[1].close();
            keep[0].close();
        }).add(Duration.ofMillis(400));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(List.of(BevEvent.READING | BevEvent.TIMEOUT), events, "exactly one idle timeout");
    }

    @Test
    void shouldRestartReadTimeoutWhenDataArrives() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        List<Integer> events = new ArrayList<>();
        long[] start = {0};
        long[] timedOutAt = {0};
        p[0].setCallbacks(b -> b.input().drain(b.input().length()), null, (b, reasons, cause) -> {
            if ((reasons & BevEvent.TIMEOUT) != 0) {
                timedOutAt[0] = System.nanoTime();
                events.add(reasons);
                b.close();
                p[1].close();
                keep[0].close();
            }
        });
        p[0].setTimeouts(Duration.ofMillis(80), null);
        p[0].enable(Ev.READ);
        start[0] = System.nanoTime();
        for (int i = 1; i <= 3; i++) { // data at 40, 80, 120 ms keeps the connection alive
            base.newTimer((ev, w) -> p[1].write(new byte[] {1})).add(Duration.ofMillis(40L * i));
        }
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(List.of(BevEvent.READING | BevEvent.TIMEOUT), events);
        assertTrue(timedOutAt[0] - start[0] >= 200_000_000L, "timeout was not restarted by arriving data");
    }

    @Test
    void shouldDeliverAllDataBeforeEof() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        byte[] payload = data(3, 300_000);
        byte[] got = new byte[payload.length];
        int[] have = {0};
        int[] eofAt = {-1};
        p[0].write(payload);
        p[0].setCallbacks(null, b -> b.close(), null); // close once all output is written
        base.newTimer((ev, w) -> {
            p[1].setCallbacks(b -> have[0] += b.read(got, have[0], got.length - have[0]), null,
                    (b, reasons, cause) -> {
                        if (reasons == (BevEvent.READING | BevEvent.EOF)) {
                            eofAt[0] = have[0];
                        }
                        b.close();
                        keep[0].close();
                    });
            p[1].enable(Ev.READ);
        }).add(Duration.ofMillis(10));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(payload.length, eofAt[0], "EOF came only after every byte was delivered");
        assertArrayEquals(payload, got);
    }

    @Test
    void shouldHalfCloseAndKeepReading() throws IOException {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        StringBuilder serverGot = new StringBuilder();
        StringBuilder clientGot = new StringBuilder();
        p[0].write("request".getBytes());
        p[0].shutdownOutput();
        p[0].setCallbacks(b -> clientGot.append(new String(drainAll(b))), null, (b, reasons, cause) -> {
            b.close();
            keep[0].close();
        });
        p[0].enable(Ev.READ);
        base.newTimer((ev, w) -> {
            p[1].setCallbacks(b -> serverGot.append(new String(drainAll(b))), b -> b.close(),
                    (b, reasons, cause) -> {
                        if (reasons == (BevEvent.READING | BevEvent.EOF)) {
                            b.write(("reply to " + serverGot).getBytes()); // still allowed after peer's EOF
                        }
                    });
            p[1].enable(Ev.READ);
        }).add(Duration.ofMillis(10));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals("request", serverGot.toString());
        assertEquals("reply to request", clientGot.toString());
    }

    @Test
    void shouldKeepHalfCloseRequestedBeforeConnectFinishes() throws IOException {
        EventBase base = newBase();
        StringBuilder got = new StringBuilder();
        boolean[] eof = {false};
        Listener server = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            SocketBufferEvent s = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            s.setCallbacks(b -> got.append(new String(drainAll(b))), null, (b, reasons, cause) -> {
                eof[0] = reasons == (BevEvent.READING | BevEvent.EOF);
                b.close();
                li.close();
            });
            s.enable(Ev.READ);
        });
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                b.close();
            }
        });
        c.write("abc".getBytes());
        c.connectHostname("localhost", port);
        c.shutdownOutput(); // while the name is still being looked up
        base.newTimer((ev, w) -> c.close()).add(Duration.ofSeconds(5)); // ends the test if EOF never comes
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals("abc", got.toString());
        assertTrue(eof[0], "the peer saw end of stream after the data");
    }

    /** Drains {@code b}'s input, counting into {@code received[0]}; closes {@code b} and says so once all came. */
    static boolean drainedAll(BufferEvent b, long[] received, long total) {
        received[0] += b.input().drain(b.input().length());
        if (received[0] == total) {
            b.close();
            return true;
        }
        return false;
    }

    static byte[] drainAll(BufferEvent b) {
        byte[] out = new byte[(int) b.input().length()];
        b.read(out, 0, out.length);
        return out;
    }

    @Test
    void shouldReportConnectRefusedAsError() throws IOException {
        EventBase base = newBase();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> { });
        SocketAddress dead = l.localAddress();
        l.close();
        // on a completion engine the socket stops listening when the cancel of its accept completes, in the next
        // pass (the descriptor outlives the operations on it); on readiness this pass has nothing to do
        base.loop(io.jevent.LoopFlag.NONBLOCK);
        AtomicReference<Throwable> cause = new AtomicReference<>();
        int[] reasons = {0};
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, r, t) -> {
            reasons[0] = r;
            cause.set(t);
            b.close();
        });
        c.connect(dead);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertTrue((reasons[0] & BevEvent.ERROR) != 0, BevEvent.toString(reasons[0]));
        assertNotNull(cause.get());
        assertTrue(cause.get().toString().toLowerCase(Locale.ROOT).contains("refused"), cause.get().toString());
    }

    @Test
    void shouldNameTheAddressWhenAConnectIsRefused() throws IOException {
        EventBase base = newBase();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> { });
        SocketAddress dead = l.localAddress();
        l.close();
        base.loop(io.jevent.LoopFlag.NONBLOCK); // a completion engine lets go of the socket in the next pass
        AtomicReference<Throwable> cause = new AtomicReference<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, r, t) -> {
            cause.set(t);
            b.close();
        });
        java.util.concurrent.CompletableFuture<Void> f = c.connect(dead);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertNotNull(cause.get());
        String where = ErrnoException.format(dead);
        assertTrue(cause.get().getMessage().contains(where), "the refusal names " + where + ": " + cause.get());
        if (cause.get() instanceof ErrnoException) {
            assertEquals(dead, ((ErrnoException) cause.get()).address());
        }
        assertTrue(f.isCompletedExceptionally());
    }

    @Test
    void shouldReportPeerResetAsErrorWithEconnreset() throws Exception {
        EventBase base = newBase();
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(1);
            Thread peer = new Thread(() -> {
                try (Socket s = ss.accept()) {
                    s.getOutputStream().write("x".getBytes());
                    connected.await(); // reset only after our side saw CONNECTED
                    s.setSoLinger(true, 0); // close now sends RST
                } catch (IOException | InterruptedException ignored) {
                    // the assertions below report what went wrong
                }
            }, "rst-peer");
            peer.start();
            AtomicReference<Throwable> cause = new AtomicReference<>();
            int[] reasons = {0};
            SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            c.setCallbacks(b -> drainAll(b), null, (b, r, t) -> {
                if (r == BevEvent.CONNECTED) {
                    connected.countDown();
                    // read nothing until the reset has surely arrived, so the read meets it
                    base.newTimer((ev, w) -> {
                        try {
                            peer.join(10_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        base.newTimer((ev2, w2) -> c.unsuspendRead(BufferEvent.SUSPEND_FILTER))
                                .add(Duration.ofMillis(50));
                    }).add(Duration.ZERO);
                    return;
                }
                reasons[0] = r;
                cause.set(t);
                b.close();
            });
            c.enable(Ev.READ);
            c.suspendRead(BufferEvent.SUSPEND_FILTER);
            c.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ss.getLocalPort()));
            loopWithin(base, 0, Duration.ofSeconds(30));
            assertEquals(BevEvent.READING | BevEvent.ERROR, reasons[0], BevEvent.toString(reasons[0]) + " " + cause);
            Throwable t = cause.get();
            if (t instanceof ErrnoException) {
                assertEquals("ECONNRESET", ((ErrnoException) t).errnoName());
            } else {
                assertTrue(String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("reset"), String.valueOf(t));
            }
        }
    }

    @Test
    void shouldInteroperateWithPlainJavaSocketClient() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        byte[] payload = data(9, 1 << 20);
        AtomicReference<byte[]> echoed = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread client = new Thread(() -> {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write(payload);
                        s.shutdownOutput();
                    } catch (IOException e) {
                        failure.set(e);
                    }
                });
                writer.start();
                InputStream in = s.getInputStream();
                echoed.set(in.readAllBytes());
                writer.join();
            } catch (Exception e) {
                failure.set(e);
            } finally {
                base.execute(server::close);
            }
        }, "java-socket-client");
        base.execute(client::start);
        loopWithin(base, 0, Duration.ofSeconds(60));
        client.join(10_000);
        assertNull(failure.get());
        assertArrayEquals(payload, echoed.get());
    }

    @Test
    void shouldConnectByHostnameWithLookupOffTheLoop() throws IOException {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        List<Integer> events = new ArrayList<>();
        StringBuilder got = new StringBuilder();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(b -> {
            got.append(new String(drainAll(b)));
            if (got.length() == 5) {
                b.close();
                server.close();
            }
        }, null, (b, r, t) -> events.add(r));
        c.enable(Ev.READ);
        c.write("hello".getBytes());
        c.connectHostname("localhost", port);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(List.of(BevEvent.CONNECTED), events);
        assertEquals("hello", got.toString());
    }

    @Test
    void shouldHandCallsFromOtherThreadsToLoopWhenThreadsafe() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent unsafe = SocketBufferEvent.create(base, null, 0);
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Thread t = new Thread(() -> refused.set(assertThrows(IllegalStateException.class,
                () -> unsafe.enable(Ev.READ))));
        t.start();
        t.join();
        assertTrue(refused.get().getMessage().contains("THREADSAFE"), refused.get().getMessage());
        unsafe.close();

        StringBuilder expect = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            expect.append('m').append(i).append(';');
        }
        StringBuilder got = new StringBuilder();
        SocketBufferEvent safe = SocketBufferEvent.create(base, null, BevOption.THREADSAFE | BevOption.CLOSE_ON_FREE);
        Listener server = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            SocketBufferEvent s = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            s.setCallbacks(b -> {
                got.append(new String(drainAll(b)));
                if (got.length() == expect.length()) {
                    b.close();
                    safe.close();
                    li.close();
                }
            }, null, null);
            s.enable(Ev.READ);
        });
        safe.connect(server.localAddress());
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 100; i++) {
                safe.write(("m" + i + ";").getBytes());
            }
        }, "other-thread-writer");
        base.execute(writer::start);
        loopWithin(base, 0, Duration.ofSeconds(30));
        writer.join();
        assertEquals(expect.toString(), got.toString(), "bytes written from another thread arrived in order");
    }
}
