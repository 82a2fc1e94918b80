package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.EventConfig;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Many cores (issue 15): connections spread over an {@link EventBaseGroup} by one accepting loop and by
 * {@code SO_REUSEPORT} listeners, every byte checksummed; a graceful shutdown delivers the writes in flight; a
 * BufferEvent moved between loops mid-stream keeps its byte order; THREADSAFE BufferEvents written from the other loops.
 */
public abstract class MulticoreConformance extends BevTestSupport {
    private final List<EventBaseGroup> groups = new ArrayList<>();

    @AfterEach
    final void shutDownGroups() throws InterruptedException {
        for (EventBaseGroup g : groups) {
            g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
            assertTrue(g.awaitTermination(Duration.ofSeconds(20)), "the group's threads did not end");
        }
    }

    private EventBaseGroup group(int n) {
        EventBaseGroup g = EventBaseGroup.create(n, new EventConfig().method(backendName()));
        groups.add(g);
        return g;
    }

    /** An echo server connection on {@code base}, counted under its loop thread's name. */
    private static void echo(EventBase base, Handle h, Map<String, AtomicInteger> perLoop, AtomicReference<String> bad) {
        if (!base.inRunningLoop()) {
            bad.compareAndSet(null, "the accept callback ran off its loop's thread");
        }
        perLoop.computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(b -> b.write(b.input()), null, (b, reasons, cause) -> b.close());
        bev.enable(Ev.READ);
    }

    /**
     * {@code n} client connections from a base on the test thread, each sending {@code size} bytes of its own stream
     * and reading the echo back; returns the number whose echo matched byte for byte (by CRC and length).
     */
    private int clients(SocketAddress at, int n, int size, List<String> failures) {
        EventBase client = newBase();
        int[] ok = {0};
        for (int i = 0; i < n; i++) {
            byte[] payload = data(1000 + i, size);
            long expected = crc(payload, 0, size);
            CRC32 got = new CRC32();
            long[] count = {0};
            SocketBufferEvent c = SocketBufferEvent.create(client, null, BevOption.CLOSE_ON_FREE);
            int id = i;
            c.setCallbacks(b -> {
                byte[] in = new byte[(int) b.input().length()];
                b.read(in, 0, in.length);
                got.update(in);
                count[0] += in.length;
                if (count[0] >= size) {
                    if (count[0] == size && got.getValue() == expected) {
                        ok[0]++;
                    } else {
                        failures.add("connection " + id + ": " + count[0] + " bytes, crc mismatch");
                    }
                    b.close();
                }
            }, null, (b, reasons, cause) -> {
                if (reasons == BevEvent.CONNECTED) {
                    b.write(payload);
                    return;
                }
                failures.add("connection " + id + ": " + BevEvent.toString(reasons) + " " + cause);
                b.close();
            });
            c.enable(Ev.READ);
            c.connect(at);
        }
        loopWithin(client, 0, Duration.ofSeconds(60));
        return ok[0];
    }

    private static void assertEveryLoopUsed(EventBaseGroup g, Map<String, AtomicInteger> perLoop, int n) {
        int total = 0;
        for (AtomicInteger c : perLoop.values()) {
            total += c.get();
        }
        assertEquals(n, total, "connections accepted: " + perLoop);
        assertEquals(g.size(), perLoop.size(), "every loop served connections: " + perLoop);
        for (Map.Entry<String, AtomicInteger> e : perLoop.entrySet()) {
            assertTrue(e.getKey().startsWith("jevent-loop-"), e.getKey());
            assertTrue(e.getValue().get() > 0, "loop " + e.getKey() + " unused: " + perLoop);
        }
    }

    @Test
    void shouldEchoAThousandConnectionsThroughFourLoopsFedByOneAcceptingLoop() throws Exception {
        EventBaseGroup g = group(4);
        Map<String, AtomicInteger> perLoop = new ConcurrentHashMap<>();
        AtomicReference<String> bad = new AtomicReference<>();
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR,
                (base, h) -> echo(base, h, perLoop, bad));
        int n = 1000;
        List<String> failures = new ArrayList<>();
        int ok = clients(gl.localAddress(), n, 4096, failures);
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())));
        assertEquals(n, ok, "connections whose echo matched");
        assertNull(bad.get());
        assertEveryLoopUsed(g, perLoop, n);
        long tasks = 0;
        for (io.jevent.LoopStatistics s : g.statistics()) {
            assertTrue(s.callbacks() > 0, "every loop ran callbacks: " + g.statistics());
            tasks += s.tasks();
        }
        assertTrue(tasks >= n * 3 / 4, "connections handed to the other loops as tasks: " + tasks);
        gl.close();
    }

    @Test
    void shouldEchoThroughAReusePortListenerOnEveryLoop() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "SO_REUSEPORT spreading connections over listeners is tested on Linux only; this is "
                        + System.getProperty("os.name"));
        EventBaseGroup g = group(4);
        Map<String, AtomicInteger> perLoop = new ConcurrentHashMap<>();
        AtomicReference<String> bad = new AtomicReference<>();
        GroupListener gl = GroupListener.perLoop(g, loopback0(), Listener.REUSEADDR,
                (base, h) -> echo(base, h, perLoop, bad));
        assertEquals(4, gl.listeners().size());
        int n = 400;
        List<String> failures = new ArrayList<>();
        int ok = clients(gl.localAddress(), n, 2048, failures);
        assertEquals(List.of(), failures.subList(0, Math.min(10, failures.size())));
        assertEquals(n, ok);
        assertNull(bad.get());
        assertEveryLoopUsed(g, perLoop, n);
        gl.close();
    }

    @Test
    void shouldDeliverWritesInFlightOnGracefulShutdownAndStopAccepting() throws Exception {
        EventBaseGroup g = group(2);
        int size = 8 << 20;
        byte[] payload = data(77, size);
        CountDownLatch accepted = new CountDownLatch(1);
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(null, b -> b.close(), (b, reasons, cause) -> b.close()); // drained: close (EOF)
            bev.write(payload);
            accepted.countDown();
        });
        InetSocketAddress at = (InetSocketAddress) gl.localAddress();
        AtomicLong received = new AtomicLong();
        AtomicLong crc = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch connected = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(64 << 10);
                s.connect(at, 10_000);
                s.setSoTimeout(30_000);
                connected.countDown();
                InputStream in = s.getInputStream();
                CRC32 c = new CRC32();
                byte[] buf = new byte[16 << 10];
                for (int r; (r = in.read(buf)) > 0; ) {
                    c.update(buf, 0, r);
                    received.addAndGet(r);
                }
                crc.set(c.getValue());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "slow-reader");
        reader.setDaemon(true);
        reader.start();
        assertTrue(connected.await(20, TimeUnit.SECONDS));
        assertTrue(accepted.await(20, TimeUnit.SECONDS));
        CompletableFuture<Void> done = g.shutdownGracefully(Duration.ofMillis(300), Duration.ofSeconds(30));
        done.get(40, TimeUnit.SECONDS);
        reader.join(30_000);
        assertNull(failure.get(), () -> "the reader failed: " + failure.get());
        assertEquals(size, received.get(), "every byte written before the shutdown was delivered");
        assertEquals(crc(payload, 0, size), crc.get());
        assertThrows(ConnectException.class, () -> {
            try (Socket s = new Socket()) {
                s.connect(at, 5_000);
            }
        }, "the listener was closed at shutdown");
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    /**
     * A connection handed to a loop whose drain has begun (the group shutting down while the accepting loop still
     * accepts) is closed, never left open in a dropped task: its client sees EOF.
     */
    @Test
    void shouldCloseAConnectionHandedToALoopThatStopsBeforeTakingIt() throws Exception {
        EventBaseGroup g = group(2);
        CountDownLatch acceptorHeld = new CountDownLatch(1);
        CountDownLatch secondLoopHeld = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            if (first.getAndSet(false)) {
                // on the accepting loop (next() gave it the first connection): loop 2 is let go only after this
                // accept batch, and the shutdown is queued on loop 2 before the second connection's hand-over
                g.get(0).execute(secondLoopHeld::countDown);
                g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
            }
            try {
                base.netOps().close(h);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        InetSocketAddress at = (InetSocketAddress) gl.localAddress();
        g.get(0).execute(() -> await(acceptorHeld));
        g.get(1).execute(() -> await(secondLoopHeld));
        try (Socket a = new Socket(); Socket b = new Socket()) {
            a.connect(at, 10_000); // both wait in the backlog: the accepting loop is held
            b.connect(at, 10_000);
            a.setSoTimeout(15_000);
            b.setSoTimeout(15_000);
            acceptorHeld.countDown();
            assertEquals(-1, a.getInputStream().read(), "the first connection was closed by the callback");
            assertEquals(-1, b.getInputStream().read(), "the second connection, handed to a loop that stopped"
                    + " before taking it, was closed");
        }
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    /**
     * A BufferEvent moving to a loop whose drain stops it before the BufferEvent arrives: the move's future completes
     * (the stopped loop runs the arrival it had accepted; or, closed first, it closes the BufferEvent and fails the
     * future) rather than never, with the BufferEvent on no loop at all and its socket open.
     */
    @Test
    void shouldCloseABufferEventMovingToALoopThatStopsBeforeItArrives() throws Exception {
        EventBaseGroup g = group(2);
        CountDownLatch secondLoopHeld = new CountDownLatch(1);
        CompletableFuture<CompletableFuture<BufferEvent>> move = new CompletableFuture<>();
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            bev.enable(Ev.READ | Ev.WRITE);
            move.complete(bev.moveTo(g.get(1)));
            g.get(0).execute(secondLoopHeld::countDown); // loop 2 goes on once its stop is queued before the arrival
            g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
        });
        InetSocketAddress at = (InetSocketAddress) gl.localAddress();
        g.get(1).execute(() -> await(secondLoopHeld));
        try (Socket s = new Socket()) {
            s.connect(at, 10_000);
            s.setSoTimeout(15_000);
            CompletableFuture<BufferEvent> moved = move.get(20, TimeUnit.SECONDS);
            try {
                BufferEvent bev = moved.get(20, TimeUnit.SECONDS);
                // arrived before the loop closed (the stopped loop ran what it had accepted): it is target's now
                assertEquals(g.get(1), bev.base(), "the move completed on its target");
                assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
                bev.close(); // as a server closes its connections after its group: any thread once the base closed
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof IllegalStateException, () -> "closed before the move finished: "
                        + e.getCause());
            }
            assertEquals(-1, s.getInputStream().read(), "the BufferEvent (CLOSE_ON_FREE) closed its socket");
        }
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    private static void await(CountDownLatch l) {
        try {
            assertTrue(l.await(20, TimeUnit.SECONDS), "latch not released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldKeepByteOrderWhileMovedBackAndForthBetweenLoopsMidStream() throws Exception {
        EventBaseGroup g = group(2);
        int ints = 4 << 20; // 16 MiB of a counter pattern: at least 128 reads of at most 128 KiB
        int wantedMoves = 12;
        AtomicInteger moves = new AtomicInteger();
        AtomicReference<String> bad = new AtomicReference<>();
        Map<String, AtomicInteger> threads = new ConcurrentHashMap<>();
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            AtomicBoolean moving = new AtomicBoolean();
            AtomicBoolean closeWhenDrained = new AtomicBoolean();
            long[] echoed = {0, 0}; // echoed so far, and where the last move started
            bev.setCallbacks(b -> {
                if (!b.base().inRunningLoop()) {
                    bad.compareAndSet(null, "a read callback ran off the thread of its BufferEvent's loop");
                }
                threads.computeIfAbsent(Thread.currentThread().getName(), k -> new AtomicInteger()).incrementAndGet();
                echoed[0] += b.input().length();
                b.write(b.input());
                if (!moving.get() && moves.get() < wantedMoves && echoed[0] - echoed[1] >= 16 << 10) {
                    moving.set(true);
                    echoed[1] = echoed[0];
                    EventBase to = b.base() == g.get(0) ? g.get(1) : g.get(0);
                    b.moveTo(to).whenComplete((x, t) -> {
                        if (t != null) {
                            bad.compareAndSet(null, "move failed: " + t);
                        } else if (x.base() != to) {
                            bad.compareAndSet(null, "the move's future completed before the BufferEvent was on " + to);
                        }
                        moves.incrementAndGet();
                        moving.set(false);
                    });
                }
            }, b -> {
                if (closeWhenDrained.get()) {
                    b.close(); // the echo of everything before the peer's end has left
                }
            }, (b, reasons, cause) -> {
                if (reasons != (BevEvent.READING | BevEvent.EOF)) {
                    bad.compareAndSet(null, "event " + BevEvent.toString(reasons) + " " + cause + " after " + echoed[0]
                            + " bytes");
                }
                if (reasons == (BevEvent.READING | BevEvent.EOF) && b.output().length() > 0) {
                    closeWhenDrained.set(true); // the echo is still leaving: close once the output drained
                } else {
                    b.close();
                }
            });
            bev.enable(Ev.READ);
        });
        InetSocketAddress at = (InetSocketAddress) gl.localAddress();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Socket s = new Socket()) {
            s.connect(at, 10_000);
            s.setSoTimeout(30_000);
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    ByteBuffer chunk = ByteBuffer.allocate(4096);
                    for (int i = 0; i < ints; ) {
                        chunk.clear();
                        while (chunk.hasRemaining() && i < ints) {
                            chunk.putInt(i++);
                        }
                        out.write(chunk.array(), 0, chunk.position());
                    }
                    s.shutdownOutput();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }, "counter-writer");
            writer.setDaemon(true);
            writer.start();
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream(), 64 << 10));
            for (int i = 0; i < ints; i++) {
                int v;
                try {
                    v = in.readInt();
                } catch (IOException e) {
                    throw new AssertionError("the echo ended after " + i + " of " + ints + " ints, " + moves.get()
                            + " moves; server side: " + bad.get(), e);
                }
                if (v != i) {
                    throw new AssertionError("byte order broken after " + moves.get() + " moves: expected " + i
                            + ", got " + v);
                }
            }
            assertEquals(-1, in.read(), "the echo ends with the stream");
            writer.join(30_000);
        }
        assertNull(failure.get(), () -> "the writer failed: " + failure.get());
        assertNull(bad.get(), bad::get);
        assertEquals(wantedMoves, moves.get(), "moved back and forth: " + moves.get() + " moves");
        assertEquals(2, threads.size(), "read callbacks ran on both loops: " + threads);
        gl.close();
    }

    @Test
    void shouldTakeItsTimeoutsAndDeferredCallbacksAlongWhenMoved() throws Exception {
        EventBaseGroup g = group(2);
        AtomicReference<String> acceptedOn = new AtomicReference<>();
        AtomicReference<String> timedOutOn = new AtomicReference<>();
        AtomicReference<String> bad = new AtomicReference<>();
        AtomicInteger events = new AtomicInteger();
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            acceptedOn.set(Thread.currentThread().getName());
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE
                    | BevOption.DEFER_CALLBACKS);
            bev.setTimeouts(Duration.ofMillis(300), null);
            boolean[] moved = {false};
            bev.setCallbacks(b -> {
                if (!b.base().inRunningLoop()) {
                    bad.compareAndSet(null, "a deferred read callback ran off its loop's thread");
                }
                b.write(b.input());
                if (!moved[0]) {
                    moved[0] = true;
                    b.moveTo(b.base() == g.get(0) ? g.get(1) : g.get(0));
                }
            }, null, (b, reasons, cause) -> {
                events.incrementAndGet();
                if (reasons == (BevEvent.READING | BevEvent.TIMEOUT)) {
                    timedOutOn.set(Thread.currentThread().getName());
                } else {
                    bad.compareAndSet(null, "unexpected event " + BevEvent.toString(reasons) + " " + cause);
                }
                b.close();
            });
            bev.enable(Ev.READ);
        });
        try (Socket s = new Socket()) {
            s.connect(gl.localAddress(), 10_000);
            s.setSoTimeout(30_000);
            s.getOutputStream().write("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[] back = new DataInputStream(s.getInputStream()).readNBytes(5);
            assertEquals("hello", new String(back, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "the read timeout closed the connection on its new loop");
        }
        assertNull(bad.get(), bad::get);
        assertEquals(1, events.get());
        assertTrue(timedOutOn.get() != null && !timedOutOn.get().equals(acceptedOn.get()),
                "the timeout fired on the new loop: accepted on " + acceptedOn.get() + ", timed out on "
                        + timedOutOn.get());
        gl.close();
    }

    @Test
    void shouldRefuseMovesItCannotDo() throws Exception {
        EventBase base = newBase();
        EventBase other = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        assertThrows(IllegalStateException.class, () -> p[0].moveTo(other), "only inside the loop");
        List<Throwable> thrown = new ArrayList<>();
        base.once(null, Ev.TIMEOUT, Duration.ZERO, (ev, w) -> {
            BufferEvent[] pair = BufferEvent.pair(base, 0);
            try {
                pair[0].moveTo(other);
            } catch (UnsupportedOperationException e) {
                thrown.add(e);
            }
            FilterBufferEvent f = FilterBufferEvent.create(p[0], null, null, 0);
            try {
                p[0].moveTo(other);
            } catch (IllegalStateException e) {
                thrown.add(e);
            }
            f.close();
            pair[0].close();
            pair[1].close();
        });
        loopWithin(base, io.jevent.LoopFlag.ONCE, Duration.ofSeconds(20));
        assertEquals(2, thrown.size(), "a pair end and a filtered socket refuse to move: " + thrown);
        assertTrue(thrown.get(1).getMessage().contains("filter chain"), thrown.get(1).getMessage());
        p[1].close();
        keep[0].close();
    }

    @Test
    void shouldTakeWritesFromTheOtherLoopsOfTheGroupOnAThreadsafeBufferEvent() throws Exception {
        EventBaseGroup g = group(4);
        AtomicReference<SocketBufferEvent> server = new AtomicReference<>();
        CountDownLatch accepted = new CountDownLatch(1);
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | BevOption.THREADSAFE);
            bev.setCallbacks(null, null, (b, reasons, cause) -> b.close());
            bev.enable(Ev.READ);
            server.set(bev);
            accepted.countDown();
        });
        int records = 2000;
        try (Socket s = new Socket()) {
            s.connect(gl.localAddress(), 10_000);
            s.setSoTimeout(30_000);
            assertTrue(accepted.await(20, TimeUnit.SECONDS));
            SocketBufferEvent bev = server.get();
            List<EventBase> writers = new ArrayList<>();
            for (EventBase b : g) {
                if (b != bev.base()) {
                    writers.add(b);
                }
            }
            assertEquals(3, writers.size());
            for (int w = 0; w < writers.size(); w++) {
                int id = w;
                writers.get(w).execute(() -> {
                    for (int i = 0; i < records; i++) {
                        bev.write(ByteBuffer.allocate(8).putInt(id).putInt(i).array()); // handed to bev's loop
                    }
                });
            }
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(s.getInputStream()));
            int[] next = new int[writers.size()];
            for (int r = 0; r < records * writers.size(); r++) {
                int id = in.readInt();
                int seq = in.readInt();
                assertTrue(id >= 0 && id < writers.size(), "writer id " + id);
                assertEquals(next[id], seq, "writer " + id + "'s records arrive in order, whole");
                next[id]++;
            }
            for (int n : next) {
                assertEquals(records, n);
            }
            bev.close(); // from the test thread: THREADSAFE hands it over
            assertEquals(-1, in.read(), "closed from another thread: the peer sees the end");
        }
        gl.close();
    }
}
