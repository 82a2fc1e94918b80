package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.conformance.Descriptors;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile peers and hostile users against socket BufferEvents, over loopback TCP with real peers (plain blocking
 * Java sockets on threads of their own) on the backend under test; a completion engine must behave as readiness does:
 * a peer that sends fast while reading is disabled, that resets with a write in flight, that half-closes and keeps
 * reading, that sends one byte at a time, that connects and vanishes thousands of times; users that toggle reading
 * thousands of times, close from inside callbacks, close twice, or free a BufferEvent and reuse its descriptor number
 * at once. Every stream is checksummed end to end.
 */
public abstract class CompletionAttackConformance extends BevTestSupport {

    /** A peer thread; its first failure is kept for the test to rethrow. */
    private static final class Peer {
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread;

        Peer(String name, ThrowingRunnable r) {
            thread = new Thread(() -> {
                try {
                    r.run();
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, name);
            thread.setDaemon(true);
            thread.start();
        }

        boolean done() {
            return !thread.isAlive();
        }

        void join() throws InterruptedException {
            thread.join(30_000);
            assertTrue(!thread.isAlive(), "the peer thread did not finish within 30 s");
            assertNull(failure.get(), () -> "the peer failed: " + failure.get());
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The byte at {@code pos} of the deterministic stream numbered {@code seed}. */
    private static byte streamByte(long seed, long pos) {
        long x = pos * 0x9E3779B97F4A7C15L + seed * 0xC2B2AE3D27D4EB4FL;
        return (byte) (x >>> 56 ^ x >>> 29);
    }

    /** {@code n} bytes of stream {@code seed} from {@code pos}. */
    private static byte[] stream(long seed, long pos, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = streamByte(seed, pos + i);
        }
        return b;
    }

    /** Runs loop passes (never blocking longer than 10 ms) until {@code done}, failing after {@code seconds}. */
    private static void passesUntil(EventBase base, long seconds, BooleanSupplier done, String what) {
        passesUntil(base, seconds, done, () -> what);
    }

    private static void passesUntil(EventBase base, long seconds, BooleanSupplier done,
            java.util.function.Supplier<String> what) {
        Event tick = base.newTimer((ev, w) -> { });
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        try {
            while (!done.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, () -> "within " + seconds + " s: " + what.get());
                tick.add(Duration.ofMillis(10));
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(seconds + 10));
            }
        } finally {
            tick.close();
        }
    }

    /** A listener whose accepted handles land in {@code accepted}. */
    private static Listener collecting(EventBase base, List<Handle> accepted) throws IOException {
        return Listener.bind(base, loopback0(), Listener.REUSEADDR, (l, h) -> accepted.add(h));
    }

    /** A plain client socket connected to {@code l}, and the handle the base accepted for it. */
    private static Handle acceptOne(EventBase base, Listener l, List<Handle> accepted, Socket[] client)
            throws IOException {
        int before = accepted.size();
        Socket s = new Socket();
        s.connect((InetSocketAddress) l.localAddress(), 10_000);
        s.setSoTimeout(30_000); // a peer waiting for bytes that never come fails instead of hanging the build
        client[0] = s;
        passesUntil(base, 10, () -> accepted.size() > before, "the connection accepted");
        return accepted.get(before);
    }

    /** Reads {@code in} to its end, returning the CRC-32 and length of what came. */
    private static long[] drainWithCrc(InputStream in) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[64 << 10];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0; ) {
            crc.update(buf, 0, n);
            total += n;
        }
        return new long[] {crc.getValue(), total};
    }

    private static long crcOf(long seed, long length) {
        CRC32 crc = new CRC32();
        for (long pos = 0; pos < length; pos += 64 << 10) {
            int n = (int) Math.min(64 << 10, length - pos);
            crc.update(stream(seed, pos, n));
        }
        return crc.getValue();
    }

    // ------------------------------------------------------------------------------------------ hostile peers

    @Test
    void shouldNotGrowTheInputWhileReadingIsDisabledThoughThePeerSendsFast() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        long total = 256L << 20;
        Peer sender = new Peer("fast-sender", () -> {
            try (OutputStream out = client[0].getOutputStream()) {
                for (long pos = 0; pos < total; pos += 256 << 10) {
                    out.write(stream(1, pos, (int) Math.min(256 << 10, total - pos)));
                }
            }
        });
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        long[] atDisable = {-1};
        CRC32 crc = new CRC32();
        long[] got = {0};
        List<String> events = new ArrayList<>();
        bev.setCallbacks(b -> {
            if (atDisable[0] < 0) {
                atDisable[0] = b.input().length();
                b.disable(Ev.READ); // and keep the bytes: the input must not grow from here
                return;
            }
            byte[] a = new byte[(int) b.input().length()];
            b.read(a, 0, a.length);
            crc.update(a);
            got[0] += a.length;
        }, null, (b, r, c) -> events.add(BevEvent.toString(r)));
        bev.enable(Ev.READ);
        passesUntil(base, 10, () -> atDisable[0] >= 0, "the first read");
        // the peer keeps sending into the kernel's buffers meanwhile; let many passes run
        long most = 0;
        long end = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < end) {
            Event tick = base.newTimer((ev, w) -> { });
            tick.add(Duration.ofMillis(5));
            loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
            tick.close();
            most = Math.max(most, bev.input().length());
        }
        assertTrue(most <= atDisable[0] + SocketBufferEvent.MAX_READ, "reading was disabled with " + atDisable[0]
                + " bytes in the input, and it grew to " + most + ": reads went on being posted");
        assertTrue(!sender.done(), "the peer should still be blocked, its bytes refused");
        // reading again: every byte arrives, in order
        byte[] first = new byte[(int) bev.input().length()];
        bev.read(first, 0, first.length);
        crc.update(first);
        got[0] += first.length;
        bev.enable(Ev.READ);
        passesUntil(base, 30, () -> events.contains("READING|EOF"), "the whole stream and its end");
        sender.join();
        assertEquals(total, got[0], "bytes received");
        assertEquals(crcOf(1, total), crc.getValue(), "the stream's checksum");
        assertEquals(List.of("READING|EOF"), events);
        bev.close();
        l.close();
    }

    @Test
    void shouldReportAResetWithAWriteInFlightAndGiveBackItsMemory() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        bev.setCallbacks(null, null, (b, r, c) -> {
            events.add(BevEvent.toString(r));
            causes.add(c);
        });
        bev.write(stream(2, 0, 16 << 20)); // far more than the socket buffers hold
        long[] readByPeer = {0};
        Peer resetter = new Peer("resetter", () -> {
            InputStream in = client[0].getInputStream();
            byte[] buf = new byte[64 << 10];
            while (readByPeer[0] < 256 << 10) {
                int n = in.read(buf);
                assertTrue(n > 0, "the stream ended early");
                readByPeer[0] += n;
            }
            client[0].setSoLinger(true, 0);
            client[0].close(); // RST, with our write waiting for room
        });
        passesUntil(base, 20, () -> !events.isEmpty() && resetter.done(), "the reset reported");
        resetter.join();
        assertEquals(List.of("WRITING|ERROR"), events, "one error, from the write");
        assertTrue(causes.get(0) instanceof IOException, String.valueOf(causes.get(0)));
        String m = String.valueOf(causes.get(0).getMessage());
        assertTrue(m.contains("ECONNRESET") || m.contains("EPIPE") || m.contains("reset")
                || m.contains("Broken pipe"), "the cause names the reset: " + causes.get(0));
        bev.close();
        passesUntil(base, 10, () -> bev.bytesInFlight() == 0, "the write's memory given back");
        assertEquals(0, bev.output().memoryHeld(), "memory held by the closed output");
        assertEquals(0, bev.input().memoryHeld(), "memory held by the closed input");
        l.close();
    }

    @Test
    void shouldKeepOutputMemoryWithinTheWatermarksWhileThePeerNeverReadsThenResets() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        int chunk = 256 << 10;
        long high = 1 << 20;
        long goal = 64L << 20;
        long[] written = {0};
        long[] mostHeld = {0};
        List<String> events = new ArrayList<>();
        BufferEvent.DataCallback producer = b -> {
            while (written[0] < goal && b.output().length() < high) {
                b.write(stream(3, written[0], chunk));
                written[0] += chunk;
            }
            mostHeld[0] = Math.max(mostHeld[0], b.output().memoryHeld());
        };
        bev.setWatermark(Ev.WRITE, high / 2, 0);
        bev.setCallbacks(null, producer, (b, r, c) -> events.add(BevEvent.toString(r)));
        producer.onData(bev);
        // the peer reads nothing: the kernel's buffers fill, then the output stops draining
        long[] last = {-1};
        int[] still = {0};
        passesUntil(base, 20, () -> {
            mostHeld[0] = Math.max(mostHeld[0], bev.output().memoryHeld());
            still[0] = written[0] == last[0] ? still[0] + 1 : 0;
            last[0] = written[0];
            return still[0] >= 30;
        }, "the output to stop draining");
        assertTrue(written[0] < goal, "the peer reads nothing, yet all of " + goal + " bytes left");
        // one chunk past the high mark, and a segment's rounding
        long bound = high + chunk + (64 << 10);
        assertTrue(mostHeld[0] <= bound, "the output held " + mostHeld[0] + " B, more than the watermarks allow ("
                + bound + ")");
        client[0].setSoLinger(true, 0);
        client[0].close();
        passesUntil(base, 10, () -> !events.isEmpty(), "the reset reported");
        assertEquals("WRITING|ERROR", events.get(0), events.toString());
        bev.close();
        passesUntil(base, 10, () -> bev.bytesInFlight() == 0, "the write's memory given back");
        assertEquals(0, bev.output().memoryHeld());
        l.close();
    }

    @Test
    void shouldAnswerAPeerThatHalfClosedAndKeepsReading() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        byte[] request = stream(4, 0, 100_000);
        int answer = 4 << 20;
        long[] peerGot = new long[2];
        Peer peer = new Peer("half-closer", () -> {
            client[0].getOutputStream().write(request);
            client[0].shutdownOutput(); // FIN, and keep reading
            long[] r = drainWithCrc(client[0].getInputStream());
            peerGot[0] = r[0];
            peerGot[1] = r[1];
            client[0].close();
        });
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        CRC32 reqCrc = new CRC32();
        long[] reqLen = {0};
        List<String> events = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        bev.setCallbacks(b -> {
            byte[] a = new byte[(int) b.input().length()];
            b.read(a, 0, a.length);
            reqCrc.update(a);
            reqLen[0] += a.length;
        }, null, (b, r, c) -> {
            events.add(BevEvent.toString(r));
            causes.add(c);
            if (r == (BevEvent.READING | BevEvent.EOF)) {
                b.write(stream(5, 0, answer)); // the answer goes out after the peer's end of stream
                b.setCallbacks(null, x -> x.close(), (x, r2, c2) -> { // closed when all of it left, or at an error
                    events.add(BevEvent.toString(r2));
                    causes.add(c2);
                    x.close();
                });
            }
        });
        bev.enable(Ev.READ | Ev.WRITE);
        passesUntil(base, 30, () -> bev.isClosed() && peer.done(), () -> "the answer sent and read (events " + events
                + ", causes " + causes + ", request bytes " + reqLen[0] + ", output left " + bev.output().length()
                + ", in flight " + bev.bytesInFlight() + " B, operations in flight " + (base.completionEngine() == null ? "-"
                : base.completionEngine().inFlight()) + ", peer done " + peer.done() + ")");
        peer.join();
        assertEquals(List.of("READING|EOF"), events, () -> "causes " + causes);
        assertEquals(request.length, reqLen[0], "request bytes");
        CRC32 want = new CRC32();
        want.update(request);
        assertEquals(want.getValue(), reqCrc.getValue(), "request checksum");
        assertEquals(answer, peerGot[1], "answer bytes the half-closed peer read");
        assertEquals(crcOf(5, answer), peerGot[0], "answer checksum");
        l.close();
    }

    @Test
    void shouldEchoTenThousandOneByteSends() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        client[0].setTcpNoDelay(true);
        int n = 10_000;
        long[] echoed = new long[2];
        Peer reader = new Peer("echo-reader", () -> {
            long[] r = drainWithCrc(client[0].getInputStream());
            echoed[0] = r[0];
            echoed[1] = r[1];
        });
        Peer writer = new Peer("one-byte-writer", () -> {
            OutputStream out = client[0].getOutputStream();
            byte[] one = new byte[1];
            for (int i = 0; i < n; i++) {
                one[0] = streamByte(6, i);
                out.write(one);
            }
            client[0].shutdownOutput();
        });
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(b -> b.write(b.input()), b -> {
            if (b.input().length() == 0 && (b.enabled() & Ev.READ) == 0) {
                b.close();
            }
        }, (b, r, c) -> {
            assertEquals(BevEvent.READING | BevEvent.EOF, r, "event " + BevEvent.toString(r) + ": " + c);
            b.disable(Ev.READ);
            if (b.output().length() == 0) {
                b.close();
            }
        });
        bev.enable(Ev.READ | Ev.WRITE);
        passesUntil(base, 30, () -> bev.isClosed() && reader.done() && writer.done(), "the echo of every byte");
        writer.join();
        reader.join();
        assertEquals(n, echoed[1], "bytes echoed");
        assertEquals(crcOf(6, n), echoed[0], "echo checksum");
        l.close();
    }

    @Test
    void shouldLeakNoDescriptorWhenPeersConnectAndVanishTwoThousandTimes() throws Exception {
        EventBase base = newBase();
        int[] closed = {0};
        int[] acceptedCount = {0};
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            acceptedCount[0]++;
            SocketBufferEvent b = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            b.setCallbacks(x -> x.input().drain(x.input().length()), null, (x, r, c) -> {
                closed[0]++;
                x.close();
            });
            b.write("hello\n".getBytes(StandardCharsets.US_ASCII)); // a write in flight when the peer vanishes
            b.enable(Ev.READ);
        });
        InetSocketAddress at = (InetSocketAddress) l.localAddress();
        for (int i = 0; i < 20; i++) { // warm up: classes, pools, the engine's own descriptors
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        long before = Descriptors.openNow();
        int n = 2_000;
        Peer vanisher = new Peer("vanisher", () -> {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                s.connect(at, 10_000);
                if (i % 2 == 0) {
                    s.setSoLinger(true, 0); // RST
                } else {
                    s.getOutputStream().write('x'); // a byte, then FIN
                }
                s.close();
            }
        });
        passesUntil(base, 60, () -> (vanisher.done() && closed[0] == n) || vanisher.failure.get() != null,
                () -> "every vanished peer noticed: accepted " + acceptedCount[0] + ", closed " + closed[0]);
        vanisher.join();
        passesUntil(base, 10, () -> Descriptors.openNow() <= before, () -> "descriptors back to " + before
                + " (now " + Descriptors.openNow() + ")");
        assertEquals(n, acceptedCount[0]);
        l.close();
    }

    @Test
    void shouldAcceptEveryConnectionOfASynFloodBeyondTheBacklog() throws Exception {
        EventBase base = newBase();
        // Beyond the backlog the kernel drops SYNs (the peers retransmit after 1, 2, 4 s...) and, with tcp_syncookies,
        // answers the SYNs beyond the SYN queue with cookies and keeps no state for them: the peer counts itself
        // connected, and a final ACK that meets a full accept queue is dropped; the connection comes back only with the
        // peer's next segment that still matches the cookie. So each peer keeps its connection open until the server's
        // answer comes. (A peer that sent its id and closed at once lost its connection in the kernel whenever its FIN,
        // whose sequence number no longer matches the cookie, arrived before the accept queue had room: it was reset,
        // never accepted, whatever the listener did; a plain blocking accept loop lost as many under load.)
        int n = 40;
        boolean[] seen = new boolean[n];
        int[] count = {0};
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, 8, (li, h) -> {
            SocketBufferEvent b = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            b.setWatermark(Ev.READ, 4, 0);
            b.setCallbacks(x -> {
                byte[] id = new byte[4];
                x.read(id, 0, 4);
                int i = java.nio.ByteBuffer.wrap(id).getInt();
                if (!seen[i]) {
                    seen[i] = true;
                    count[0]++;
                }
                x.write(id); // the answer: the peer closes only when it has it
                x.setCallbacks(null, y -> y.close(), (y, r, c) -> y.close());
            }, null, (x, r, c) -> x.close());
            b.enable(Ev.READ);
        });
        InetSocketAddress at = (InetSocketAddress) l.localAddress();
        Peer flood = new Peer("syn-flood", () -> {
            List<java.nio.channels.SocketChannel> chans = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) { // all at once, not waiting for any
                    java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open();
                    ch.configureBlocking(false);
                    ch.connect(at);
                    chans.add(ch);
                }
                for (int i = 0; i < n; i++) {
                    java.nio.channels.SocketChannel ch = chans.get(i);
                    ch.configureBlocking(true);
                    ch.finishConnect();
                    ch.write(java.nio.ByteBuffer.allocate(4).putInt(0, i));
                }
                for (int i = 0; i < n; i++) {
                    Socket s = chans.get(i).socket();
                    s.setSoTimeout(60_000);
                    byte[] answer = s.getInputStream().readNBytes(4);
                    assertEquals(4, answer.length, "connection " + i + ": the answer's length");
                    assertEquals(i, java.nio.ByteBuffer.wrap(answer).getInt(), "connection " + i + ": the answer");
                }
            } finally {
                for (java.nio.channels.SocketChannel ch : chans) {
                    ch.close();
                }
            }
        });
        passesUntil(base, 90, () -> (count[0] == n && flood.done()) || flood.failure.get() != null,
                () -> "every connection served (" + count[0] + "), flood: " + flood.failure.get());
        assertNull(flood.failure.get(), () -> "the flooding peer failed (" + count[0] + " of " + n + " served): "
                + flood.failure.get());
        flood.join();
        assertEquals(n, count[0], "connections served");
        l.close();
    }

    @Test
    void shouldChecksumEveryStreamOfSixHundredConnectionsSendingAtOnce() throws Exception {
        EventBase base = newBase();
        int n = 600;
        int size = 96 << 10;
        CRC32[] crcs = new CRC32[n];
        long[] lens = new long[n];
        int[] done = {0};
        List<String> bad = new ArrayList<>();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, 1024, (li, h) -> {
            SocketBufferEvent b = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            int[] id = {-1};
            b.setCallbacks(x -> {
                if (id[0] < 0) {
                    if (x.input().length() < 4) {
                        return;
                    }
                    byte[] i4 = new byte[4];
                    x.read(i4, 0, 4);
                    id[0] = java.nio.ByteBuffer.wrap(i4).getInt();
                    crcs[id[0]] = new CRC32();
                }
                byte[] a = new byte[(int) x.input().length()];
                x.read(a, 0, a.length);
                crcs[id[0]].update(a);
                lens[id[0]] += a.length;
            }, null, (x, r, c) -> {
                if (r != (BevEvent.READING | BevEvent.EOF)) {
                    bad.add(BevEvent.toString(r) + ": " + c);
                }
                done[0]++;
                x.close();
            });
            b.enable(Ev.READ);
        });
        InetSocketAddress at = (InetSocketAddress) l.localAddress();
        List<Socket> socks = new ArrayList<>();
        Peer connector = new Peer("connector", () -> {
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                s.connect(at, 10_000);
                s.getOutputStream().write(java.nio.ByteBuffer.allocate(4).putInt(0, i).array());
                synchronized (socks) {
                    socks.add(s);
                }
            }
        });
        passesUntil(base, 60, () -> connector.done(), "600 connections made");
        connector.join();
        // now every connection sends at once: the first 8 KiB of each from one thread (the kernel takes them without
        // waiting), so that about 600 reads complete together against 256 provided buffers; then the rest
        Peer[] senders = new Peer[4];
        for (int t = 0; t < senders.length; t++) {
            int first = t;
            senders[t] = new Peer("sender-" + t, () -> {
                for (int i = first; i < n; i += senders.length) {
                    socks.get(i).getOutputStream().write(stream(100 + i, 0, 8 << 10));
                }
                for (int i = first; i < n; i += senders.length) {
                    socks.get(i).getOutputStream().write(stream(100 + i, 8 << 10, size - (8 << 10)));
                    socks.get(i).shutdownOutput();
                }
            });
        }
        passesUntil(base, 60, () -> done[0] == n, "every stream ended (" + done[0] + " of " + n + ")");
        for (Peer p : senders) {
            p.join();
        }
        for (Socket s : socks) {
            s.close();
        }
        assertEquals(List.of(), bad, "events other than EOF");
        for (int i = 0; i < n; i++) {
            assertEquals(size, lens[i], "bytes of stream " + i);
            assertEquals(crcOf(100 + i, size), crcs[i].getValue(), "checksum of stream " + i);
        }
        l.close();
    }

    // ------------------------------------------------------------------------------------------ hostile users

    @Test
    void shouldKeepEveryByteThroughTenThousandEnableDisableCycles() throws Exception {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        int size = 4 << 20;
        long[] echoed = new long[2];
        Peer reader = new Peer("echo-reader", () -> {
            long[] r = drainWithCrc(client[0].getInputStream());
            echoed[0] = r[0];
            echoed[1] = r[1];
        });
        Peer writer = new Peer("writer", () -> {
            OutputStream out = client[0].getOutputStream();
            for (int pos = 0; pos < size; pos += 32 << 10) {
                out.write(stream(7, pos, 32 << 10));
            }
            client[0].shutdownOutput();
        });
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        int[] toggles = {0};
        List<String> events = new ArrayList<>();
        bev.setCallbacks(b -> {
            b.write(b.input()); // echo: a write is in flight most of the time, and a cancel of the read must spare it
            for (int i = 0; i < 100 && toggles[0] < 10_000; i++, toggles[0]++) {
                b.disable(Ev.READ);
                b.enable(Ev.READ);
            }
        }, b -> {
            if (events.contains("READING|EOF")) {
                b.close();
            }
        }, (b, r, c) -> {
            events.add(BevEvent.toString(r));
            if (r != (BevEvent.READING | BevEvent.EOF)) {
                b.close();
            } else if (b.output().length() == 0) {
                b.close();
            }
        });
        bev.enable(Ev.READ | Ev.WRITE);
        for (int i = 0; i < 10_000; i++) { // also in a loop outside the callbacks, with a read posted
            bev.disable(Ev.READ);
            bev.enable(Ev.READ);
        }
        passesUntil(base, 60, () -> bev.isClosed() && reader.done() && writer.done(), "the whole echo ("
                + events + ")");
        writer.join();
        reader.join();
        assertEquals(List.of("READING|EOF"), events);
        assertEquals(size, echoed[1], "bytes echoed");
        assertEquals(crcOf(7, size), echoed[0], "echo checksum");
        l.close(); // its multishot accept is an operation in flight too
        if (base.completionEngine() != null) {
            passesUntil(base, 10, () -> base.completionEngine().inFlight() == 0, "no operation left in flight ("
                    + base.completionEngine().inFlight() + ")");
        }
    }

    /** Where a test closes the BufferEvent from. */
    private enum CloseFrom { READ, WRITE, EVENT }

    private void closeFromInsideItsOwnCallback(CloseFrom from) throws Exception {
        EventBase base = newBase();
        List<Throwable> thrown = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> thrown.add(t));
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        Socket[] client = new Socket[1];
        Handle h = acceptOne(base, l, accepted, client);
        int size = 2 << 20;
        long[] got = new long[2];
        Peer peer = new Peer("peer", () -> {
            if (from != CloseFrom.WRITE) { // unread bytes at close would make the close a reset (RFC 2525)
                client[0].getOutputStream().write("go\n".getBytes(StandardCharsets.US_ASCII));
            }
            if (from == CloseFrom.EVENT) {
                client[0].shutdownOutput();
            }
            long[] r = drainWithCrc(client[0].getInputStream());
            got[0] = r[0];
            got[1] = r[1];
            client[0].close();
        });
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        bev.write(stream(8, 0, size)); // the write is in flight when the callbacks run
        bev.setCallbacks(b -> {
            if (from == CloseFrom.READ) {
                b.close();
                b.close();
            }
        }, b -> {
            if (from == CloseFrom.WRITE) {
                b.close();
                b.close();
            }
        }, (b, r, c) -> {
            if (from == CloseFrom.EVENT) {
                b.close();
                b.close();
            }
        });
        bev.enable(Ev.READ | Ev.WRITE);
        passesUntil(base, 20, () -> bev.isClosed() && peer.done(), "the close seen by the peer");
        peer.join();
        assertEquals(List.of(), thrown, "callbacks threw");
        assertTrue(got[1] <= size, "the peer received more than was written");
        if (from == CloseFrom.WRITE) {
            assertEquals(size, got[1], "the write callback runs when all was sent");
        }
        assertEquals(crcOf(8, got[1]), got[0], "the peer received other bytes than were written");
        l.close(); // its multishot accept is an operation in flight too
        if (base.completionEngine() != null) {
            passesUntil(base, 10, () -> base.completionEngine().inFlight() == 0, "no operation left in flight ("
                    + base.completionEngine().inFlight() + ")");
        }
    }

    @Test
    void shouldCloseTwiceFromInsideItsOwnReadCallback() throws Exception {
        closeFromInsideItsOwnCallback(CloseFrom.READ);
    }

    @Test
    void shouldCloseTwiceFromInsideItsOwnWriteCallback() throws Exception {
        closeFromInsideItsOwnCallback(CloseFrom.WRITE);
    }

    @Test
    void shouldCloseTwiceFromInsideItsOwnEventCallback() throws Exception {
        closeFromInsideItsOwnCallback(CloseFrom.EVENT);
    }

    @Test
    void shouldSurviveACloseFromAnotherThreadWhileCompletionsAreDelivered() throws Exception {
        EventBase base = newBase();
        List<Throwable> thrown = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> thrown.add(t));
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        for (int round = 0; round < 20; round++) {
            Socket[] client = new Socket[1];
            Handle h = acceptOne(base, l, accepted, client);
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | BevOption.THREADSAFE);
            long[] got = new long[2];
            Peer peer = new Peer("echo-peer", () -> {
                Peer w = new Peer("echo-peer-writer", () -> {
                    OutputStream out = client[0].getOutputStream();
                    try {
                        for (int pos = 0; pos < 64 << 20; pos += 64 << 10) {
                            out.write(stream(9, pos, 64 << 10));
                        }
                    } catch (IOException closed) {
                        // the BufferEvent closed: expected
                    }
                });
                try {
                    long[] r = drainWithCrc(client[0].getInputStream());
                    got[0] = r[0];
                    got[1] = r[1];
                } catch (IOException reset) {
                    got[1] = -1;
                }
                client[0].close();
                w.thread.join(10_000);
            });
            long[] echoedBytes = {0};
            bev.setCallbacks(b -> {
                echoedBytes[0] += b.input().length();
                b.write(b.input());
            }, null, (b, r, c) -> b.close());
            bev.enable(Ev.READ | Ev.WRITE);
            int delay = 1 + round % 7;
            Peer closer = new Peer("closer", () -> {
                while (echoedBytes[0] < (long) delay << 18) {
                    Thread.onSpinWait();
                }
                bev.close();
                bev.close();
            });
            passesUntil(base, 20, () -> bev.isClosed() && closer.done() && peer.done(), "round " + round);
            closer.join();
            peer.join();
            if (got[1] >= 0) {
                assertEquals(crcOf(9, got[1]), got[0], "round " + round + ": the echo carried other bytes");
            }
        }
        assertEquals(List.of(), thrown, "callbacks threw");
        if (base.completionEngine() != null) {
            passesUntil(base, 10, () -> base.completionEngine().inFlight() <= 1, "only the accept left in flight ("
                    + base.completionEngine().inFlight() + ")");
        }
        l.close();
    }

    @Test
    void shouldCloseTheBaseWithWritesInFlightAndReleaseEveryDescriptor() throws Exception {
        long before;
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        Listener l = collecting(base, accepted);
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        before = Descriptors.openNow();
        List<SocketBufferEvent> bevs = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Socket[] c = new Socket[1];
            Handle h = acceptOne(base, l, accepted, c);
            clients.add(c[0]);
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            bev.write(stream(10 + i, 0, 8 << 20)); // more than the kernel takes: the peers read nothing yet
            bev.enable(Ev.READ | Ev.WRITE);
            bevs.add(bev);
        }
        for (int i = 0; i < 50; i++) {
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        l.close();
        base.close(); // with every write in flight
        for (SocketBufferEvent b : bevs) {
            b.close(); // after the base: releases the descriptor (CLOSE_ON_FREE) at once
        }
        for (int i = 0; i < clients.size(); i++) {
            clients.get(i).setSoTimeout(10_000);
            long[] r;
            try {
                r = drainWithCrc(clients.get(i).getInputStream());
            } catch (IOException reset) {
                continue; // a reset is an end too; what it cut short is not compared
            }
            assertEquals(crcOf(10 + i, r[1]), r[0], "peer " + i + " received other bytes than were written");
            clients.get(i).close();
        }
        for (Socket s : clients) {
            s.close();
        }
        assertTrue(Descriptors.openNow() <= before, "descriptors open: " + Descriptors.openNow() + ", before "
                + before);
    }

    @Test
    void shouldNeverLetALateCompletionReachTheBufferEventThatReusedTheNumber() throws Exception {
        EventBase base = newBase();
        List<Throwable> thrown = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> thrown.add(t));
        for (int round = 0; round < 300; round++) {
            Handle[] old = netOps().socketPair();
            SocketBufferEvent stale = SocketBufferEvent.create(base, old[0], BevOption.CLOSE_ON_FREE);
            int[] staleReads = {0};
            stale.setCallbacks(b -> staleReads[0]++, null, null);
            stale.enable(Ev.READ | Ev.WRITE);
            stale.write(stream(11, 0, 1 << 20)); // a write in flight, and a read posted
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(5));
            writeAll(old[1], stream(12, 0, 4096)); // a read completing about now
            stale.close(); // frees the number as soon as the backend allows
            netOps().close(old[1]);
            int closedReads = staleReads[0];
            Handle[] fresh = socketPair(); // may take the stale number at once (readiness), or later
            SocketBufferEvent bev = SocketBufferEvent.create(base, fresh[0], BevOption.CLOSE_ON_FREE);
            CRC32 crc = new CRC32();
            long[] got = {0};
            bev.setCallbacks(b -> {
                byte[] a = new byte[(int) b.input().length()];
                b.read(a, 0, a.length);
                crc.update(a);
                got[0] += a.length;
            }, null, (b, r, c) -> {
                throw new AssertionError("fresh connection: " + BevEvent.toString(r), c);
            });
            bev.enable(Ev.READ | Ev.WRITE);
            int n = 20_000;
            bev.write(stream(13 + round, 0, n));
            writeAll(fresh[1], stream(14 + round, 0, n));
            long[] peerGot = {0};
            CRC32 peerCrc = new CRC32();
            passesUntil(base, 10, () -> {
                readAvailable(fresh[1], peerCrc, peerGot);
                return got[0] >= n && peerGot[0] >= n;
            }, "round " + round + ": both directions of the fresh connection (" + got[0] + ", " + peerGot[0] + ")");
            assertEquals(n, got[0]);
            assertEquals(crcOf(14 + round, n), crc.getValue(), "round " + round + ": what the fresh BufferEvent read");
            assertEquals(n, peerGot[0]);
            assertEquals(crcOf(13 + round, n), peerCrc.getValue(), "round " + round + ": what the fresh peer read");
            assertEquals(closedReads, staleReads[0], "the closed BufferEvent's read callback ran");
            bev.close();
        }
        assertEquals(List.of(), thrown, "callbacks threw");
    }

    private void writeAll(Handle h, byte[] b) throws IOException {
        java.nio.ByteBuffer[] src = {java.nio.ByteBuffer.wrap(b)};
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (src[0].hasRemaining()) {
            long n = netOps().write(h, src, 0, 1);
            if (n <= 0) {
                assertTrue(System.nanoTime() < deadline, "the peer's write made no progress for 10 s");
                Thread.onSpinWait();
            }
        }
    }

    private void readAvailable(Handle h, CRC32 crc, long[] got) {
        java.nio.ByteBuffer[] dst = {java.nio.ByteBuffer.allocate(64 << 10)};
        try {
            for (;;) {
                dst[0].clear();
                long n = netOps().read(h, dst, 0, 1);
                if (n <= 0) {
                    return;
                }
                crc.update(dst[0].array(), 0, (int) n);
                got[0] += n;
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
