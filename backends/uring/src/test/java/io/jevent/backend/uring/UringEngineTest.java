package io.jevent.backend.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What only io_uring's engine can show: provided buffers held by idle connections, system calls per round trip. */
class UringEngineTest {
    private static final Logger LOG = LoggerFactory.getLogger(UringEngineTest.class);

    private EventBase base;
    private UringEngine engine;
    private NetOps ops;
    private final List<Handle> handles = new ArrayList<>();

    @BeforeEach
    void open() {
        Assumptions.assumeTrue(Uring.isAvailable(), () -> "io_uring unavailable: " + Uring.unavailabilityCause());
        base = EventBase.create(new EventConfig().method("uring"));
        engine = (UringEngine) base.completionEngine();
        ops = base.netOps();
    }

    @AfterEach
    void close() {
        if (base != null) {
            base.close();
        }
        for (Handle h : handles) {
            try {
                ops.close(h);
            } catch (IOException ignored) {
                // closed by the test
            }
        }
    }

    private Handle[] pair() throws IOException {
        Handle[] p = ops.socketPair();
        handles.add(p[0]);
        handles.add(p[1]);
        return p;
    }

    @Test
    void shouldHoldNoBufferForAThousandIdleConnectionsWaitingInReadAny() throws IOException {
        int n = 1000;
        Handle[][] pairs = new Handle[n][];
        int[] completed = {0};
        int[] bytes = {0};
        CompletionHandler h = (res, flags, data) -> {
            completed[0]++;
            bytes[0] += Math.max(res, 0);
            if (completed[0] == 10) {
                base.loopBreak();
            }
        };
        for (int i = 0; i < n; i++) {
            pairs[i] = pair();
            engine.readAny(pairs[i][0], 1024, h);
        }
        base.loop(LoopFlag.NONBLOCK); // one pass: every receive is submitted and waits in the kernel
        assertEquals(n, engine.inFlight());
        int entries = engine.bufferRingEntries();
        assertEquals(entries, engine.buffersAvailable(), "idle connections hold no provided buffer");
        for (int i = 0; i < 10; i++) {
            assertEquals(1, ops.write(pairs[i * 97][1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {(byte) i})},
                    0, 1));
        }
        base.dispatch();
        assertEquals(10, completed[0]);
        assertEquals(10, bytes[0]);
        assertEquals(entries, engine.buffersAvailable(), "every buffer went back to the ring after its completion");
        assertEquals(n - 10, engine.inFlight());
    }

    @Test
    void shouldPostAReadAnyAgainWhenTheBufferRingRunsDry() throws IOException {
        int n = engine.bufferRingEntries() + 60; // more receives with data than the ring has buffers
        Handle[][] pairs = new Handle[n][];
        int[] results = new int[n];
        byte[] got = new byte[n];
        for (int i = 0; i < n; i++) {
            pairs[i] = pair();
            int k = i;
            results[k] = Integer.MIN_VALUE;
            engine.readAny(pairs[i][0], 16, (res, f, d) -> {
                results[k] = res;
                if (res > 0) {
                    got[k] = d.get(0);
                }
            });
        }
        base.loop(LoopFlag.NONBLOCK); // every receive waits in the kernel
        for (int i = 0; i < n; i++) {
            // each write wakes a receive, which takes a buffer at once: the last 60 find the ring empty
            assertEquals(1, ops.write(pairs[i][1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {(byte) i})}, 0, 1));
        }
        base.dispatch();
        for (int i = 0; i < n; i++) {
            assertEquals(1, results[i], "receive " + i + " (ENOBUFS is " + -105 + ")");
            assertEquals((byte) i, got[i]);
        }
        assertEquals(engine.bufferRingEntries(), engine.buffersAvailable());
    }

    @Test
    void shouldLoseNoCompletionWhenTheCompletionQueueOverflows() throws IOException {
        Handle[] p = pair();
        assertEquals(1, ops.write(p[1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1})}, 0, 1));
        int n = UringReadiness.CQ_ENTRIES * 2 + 100; // each completes at submission: more than the CQ holds
        int[] completed = {0};
        int[] failed = {0};
        CompletionHandler h = (res, flags, data) -> {
            completed[0]++;
            if (res != 0) {
                failed[0]++;
            }
        };
        for (int i = 0; i < n; i++) {
            engine.awaitReadable(p[0], h); // the SQ fills and is submitted many times without a reap
        }
        base.dispatch();
        assertEquals(n, completed[0], "every completion delivered, the overflowed ones too");
        assertEquals(0, failed[0]);
        assertEquals(0, engine.inFlight());
    }

    @Test
    void shouldCancelWhatIsInFlightWhenTheBaseCloses() throws IOException {
        Handle[] p = pair();
        int[] completed = {0};
        engine.read(p[0], ByteBuffer.allocateDirect(16), (res, f, d) -> completed[0]++);
        engine.readAny(p[0], 16, (res, f, d) -> completed[0]++);
        base.loop(LoopFlag.NONBLOCK);
        assertEquals(2, engine.inFlight());
        base.close();
        assertEquals(0, completed[0], "handlers are not called from close");
        engine.cancel(p[0], (res, f, d) -> completed[0]++); // harmless once closed: nothing is in flight
        ops.close(p[0]);
        assertEquals(0, ops.read(p[1], new ByteBuffer[] {ByteBuffer.allocateDirect(4)}, 0, 1),
                "the operations cut short by the close hold the descriptor no longer: its close reaches the peer");
    }

    /** One side of a ping-pong over a socket pair on one loop, posting without allocating. */
    private final class Side implements CompletionHandler {
        final Handle handle;
        final boolean any;
        final ByteBuffer in = ByteBuffer.allocateDirect(64);
        final ByteBuffer out = ByteBuffer.allocateDirect(64);
        final ByteBuffer[] outs = {out};
        final CompletionHandler wrote = (res, f, d) -> {
            if (res != 8) {
                throw new AssertionError("short or failed write: " + res);
            }
        };
        /** Messages in the whole exchange: values 0 .. total-1, alternately sent by each side. */
        long total;

        Side(Handle handle, boolean any) {
            this.handle = handle;
            this.any = any;
        }

        void read() {
            if (any) {
                engine.readAny(handle, 64, this);
            } else {
                in.clear();
                engine.read(handle, in, this);
            }
        }

        void send(long value) {
            out.clear();
            out.putLong(0, value);
            out.limit(8);
            engine.write(handle, outs, 0, 1, wrote);
        }

        @Override
        public void completed(int result, int flags, ByteBuffer data) {
            if (result != 8) {
                throw new AssertionError("read " + result);
            }
            long v = any ? data.getLong(0) : in.getLong(0);
            if (v + 2 < total) {
                read(); // value v + 2 comes back to this side
            }
            if (v + 1 < total) {
                send(v + 1);
            }
        }
    }

    @Test
    void shouldAllocateNothingPerRoundTrip() throws IOException {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Handle[] p = pair();
        Side a = new Side(p[0], false);
        Side b = new Side(p[1], true);
        for (int round = 0; round < 3; round++) {
            int rounds = 20_000;
            a.total = 2L * rounds;
            b.total = 2L * rounds;
            long before = mx.getCurrentThreadAllocatedBytes();
            b.read();
            a.read();
            a.send(0);
            base.dispatch();
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertEquals(0, engine.inFlight());
            if (allocated < 8192) {
                return;
            }
            if (round == 2) {
                throw new AssertionError(rounds + " round trips allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void shouldMakeFewEntersPerPingPongRoundTrip() throws Exception {
        for (boolean any : new boolean[] {false, true}) {
            try (ServerSocketChannel server = ServerSocketChannel.open()) {
                server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                Thread echo = new Thread(() -> echo(server), "echo");
                echo.start();
                double perRound = pingPong(server.getLocalAddress(), 2000, any);
                LOG.info("io_uring_enter per ping-pong round trip ({}): {}", any ? "readAny" : "read", perRound);
                assertTrue(perRound <= 2.5, "enters per round trip: " + perRound);
                echo.join(10_000);
            }
        }
    }

    private double pingPong(java.net.SocketAddress addr, int rounds, boolean any) throws IOException {
        int[] state = {1};
        Handle c = engine.connect(addr, (res, f, d) -> state[0] = res);
        handles.add(c);
        base.dispatch();
        assertEquals(0, state[0]);
        ByteBuffer out = ByteBuffer.allocateDirect(1);
        ByteBuffer[] outs = {out};
        ByteBuffer in = ByteBuffer.allocateDirect(1);
        int[] done = {0};
        long[] start = {0};
        CompletionHandler[] reader = new CompletionHandler[1];
        CompletionHandler writer = (res, f, d) -> assertEquals(1, res);
        reader[0] = (res, f, d) -> {
            assertEquals(1, res);
            if (++done[0] < rounds) {
                out.clear();
                engine.write(c, outs, 0, 1, writer);
                in.clear();
                if (any) {
                    engine.readAny(c, 1, reader[0]);
                } else {
                    engine.read(c, in, reader[0]);
                }
            }
        };
        start[0] = engine.enterCount();
        out.clear();
        engine.write(c, outs, 0, 1, writer);
        if (any) {
            engine.readAny(c, 1, reader[0]);
        } else {
            engine.read(c, in, reader[0]);
        }
        base.dispatch();
        assertEquals(rounds, done[0]);
        ops.close(c);
        return (double) (engine.enterCount() - start[0]) / rounds;
    }

    private static void echo(ServerSocketChannel server) {
        try (SocketChannel s = server.accept()) {
            ByteBuffer b = ByteBuffer.allocate(1);
            while (s.read(b) > 0) {
                b.flip();
                s.write(b);
                b.clear();
            }
        } catch (IOException e) {
            LOG.debug("echo ended", e);
        }
    }
}
