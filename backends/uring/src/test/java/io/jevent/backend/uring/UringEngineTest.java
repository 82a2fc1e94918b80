package io.jevent.backend.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import io.jevent.backend.posix.OpenedHandles;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
    private final OpenedHandles handles = new OpenedHandles();

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
        handles.closeAll(ops);
    }

    private Handle[] pair() throws IOException {
        return handles.pair(ops);
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

    /** Loop passes that do not wait until {@code done}, for at most 10 s (a pass that would block never returns). */
    private void loopUntil(java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            base.loop(LoopFlag.NONBLOCK);
        }
    }

    /** Waits (10 s at most) until the kernel has posted completions that no pass has reaped yet. */
    private void awaitUnreapedCompletions() throws IOException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!engine.completionsWaiting()) {
            assertTrue(System.nanoTime() < deadline, "no completion posted within 10 s");
            engine.inFlight(); // nothing to do but wait for the kernel's task work
            Thread.onSpinWait();
            ops.localAddress(handles.get(0)); // a system call: the kernel runs this thread's task work on its return
        }
    }

    /**
     * Fills every provided buffer: {@code n} readAnys with one byte each waiting, {@code n} more than the ring has
     * buffers, then lets the kernel run them; the last ones meet the empty ring (ENOBUFS). Results go to {@code
     * results} (initially MIN_VALUE).
     */
    private Handle[][] readAnysBeyondTheBufferRing(int extra, int[] results) throws IOException {
        int n = engine.bufferRingEntries() + extra;
        Handle[][] pairs = new Handle[n][];
        for (int i = 0; i < n; i++) {
            pairs[i] = pair();
            int k = i;
            results[k] = Integer.MIN_VALUE;
            engine.readAny(pairs[i][0], 16, (res, f, d) -> results[k] = res);
        }
        base.loop(LoopFlag.NONBLOCK); // every receive waits in the kernel
        for (int i = 0; i < n; i++) {
            assertEquals(1, ops.write(pairs[i][1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {(byte) i})}, 0, 1));
        }
        return pairs;
    }

    @Test
    void shouldCloseTheDescriptorsAcceptedButNotDeliveredWhenTheBaseCloses() throws IOException {
        Handle listener = ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16, true, false);
        handles.add(listener);
        int[] accepted = {0};
        engine.accept(listener, (res, f, d) -> accepted[0]++);
        base.loop(LoopFlag.NONBLOCK); // the multishot accept waits in the kernel
        InetSocketAddress at = (InetSocketAddress) ops.localAddress(listener);
        try (java.net.Socket client = new java.net.Socket()) {
            client.connect(at, 10_000);
            client.setSoTimeout(5_000);
            awaitUnreapedCompletions(); // the accept completed: its descriptor is in the CQ, not yet delivered
            base.close();
            assertEquals(0, accepted[0], "handlers are not called from close");
            assertEquals(-1, client.getInputStream().read(),
                    "the connection accepted but never delivered is closed with the base: the client sees EOF");
        }
    }

    @Test
    void shouldCancelAReadAnyThatWaitsToBePostedAgainForABuffer() throws IOException {
        int[] results = new int[engine.bufferRingEntries() + 60];
        Handle[][] pairs = readAnysBeyondTheBufferRing(60, results);
        awaitUnreapedCompletions();
        base.loop(LoopFlag.NONBLOCK); // reaps: the last 60 found the ring empty and wait to be posted again
        int[] cancels = new int[pairs.length];
        int waiting = 0;
        for (int i = 0; i < pairs.length; i++) {
            if (results[i] == Integer.MIN_VALUE) {
                waiting++;
                int k = i;
                cancels[k] = Integer.MIN_VALUE;
                engine.cancel(pairs[i][0], (res, f, d) -> cancels[k] = res);
            }
        }
        assertTrue(waiting > 0, "some readAny met the empty ring");
        loopUntil(() -> engine.inFlight() == 0, "every readAny and cancel completes");
        for (int i = 0; i < pairs.length; i++) {
            if (cancels[i] != 0) {
                assertEquals(-125, results[i], "readAny " + i + " cancelled before it completed: ECANCELED");
                assertEquals(1, cancels[i], "the cancel of " + i + " found its readAny");
            }
        }
    }

    @Test
    void shouldNotPostAReadAnyAgainOnAHandleClosedWhileItWaitedForABuffer() throws IOException {
        int extra = 60;
        int n = engine.bufferRingEntries() + extra;
        int[] results = new int[n];
        Handle[][] pairs = readAnysBeyondTheBufferRing(extra, results);
        awaitUnreapedCompletions(); // the receives have run: the last ones completed with ENOBUFS, not yet reaped
        for (int i = n - extra; i < n; i++) {
            ops.close(pairs[i][0]); // no request of it is in the kernel: the close cancels nothing
        }
        loopUntil(() -> engine.inFlight() == 0, "every readAny completes");
        for (int i = n - extra; i < n; i++) {
            int k = i;
            assertEquals(-125, results[i], "readAny " + i + ", whose handle was closed before it was delivered, is"
                    + " cancelled: no receive reaches a closed handle's socket");
            // the byte it did not read makes the close a reset
            io.jevent.spi.ErrnoException reset = org.junit.jupiter.api.Assertions.assertThrows(
                    io.jevent.spi.ErrnoException.class,
                    () -> ops.read(pairs[k][1], new ByteBuffer[] {ByteBuffer.allocateDirect(4)}, 0, 1),
                    "the close of " + i + " reaches the peer: no request holds its socket");
            assertEquals(104, reset.errno(), "ECONNRESET");
        }
    }

    @Test
    void shouldCompleteWhatAThreadSubmittedAfterItHandedTheBaseToAnotherAndSleeps() throws Exception {
        Handle[] p = pair();
        Handle[] q = pair();
        int[] read = {Integer.MIN_VALUE};
        int[] ready = {0};
        java.util.concurrent.CountDownLatch submitted = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch wake = new java.util.concurrent.CountDownLatch(1);
        ByteBuffer dst = ByteBuffer.allocateDirect(16);
        Thread first = new Thread(() -> {
            // the base is looped by this thread first: its poll and its read are submitted from here
            base.newEvent(q[0], io.jevent.Ev.READ, (ev, what) -> {
                ready[0]++;
                ev.close();
            }).add();
            engine.read(p[0], dst, (res, f, d) -> read[0] = res);
            base.loop(LoopFlag.NONBLOCK);
            submitted.countDown();
            try {
                wake.await(); // then it sleeps, alive, in a wait that only another thread ends
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "first looper");
        // the test thread created the base; the first looper takes it from here
        first.start();
        try {
            assertTrue(submitted.await(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(1, ops.write(p[1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {7})}, 0, 1));
            assertEquals(1, ops.write(q[1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {8})}, 0, 1));
            // this thread loops the base now, as the owner rule allows
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((read[0] == Integer.MIN_VALUE || ready[0] == 0) && System.nanoTime() < deadline) {
                base.loop(LoopFlag.NONBLOCK);
            }
            assertEquals(1, read[0], "the read submitted by the first looper completes on the second");
            assertEquals(1, ready[0], "the readiness the first looper armed is reported on the second");
        } finally {
            wake.countDown();
            first.join(10_000);
        }
    }

    @Test
    void shouldCancelOnlyOperationsNotTheReadinessOfEventsOnTheSameHandle() throws IOException {
        Handle[] p = pair();
        int[] ready = {0};
        io.jevent.Event ev = base.newEvent(p[0], io.jevent.Ev.READ | io.jevent.Ev.PERSIST | io.jevent.Ev.ET,
                (e, what) -> ready[0]++);
        ev.add();
        base.loop(LoopFlag.NONBLOCK); // the event's poll is armed in the kernel
        int[] cancelled = {Integer.MIN_VALUE};
        engine.cancel(p[0], (res, f, d) -> cancelled[0] = res);
        loopUntil(() -> cancelled[0] != Integer.MIN_VALUE, "the cancel completes");
        assertEquals(-2, cancelled[0], "no operation was posted on the handle: ENOENT");
        for (int i = 0; i < 3; i++) {
            base.loop(LoopFlag.NONBLOCK);
        }
        assertEquals(0, ready[0], "nothing to read: the event is not reported");
        assertEquals(1, ops.write(p[1], new ByteBuffer[] {ByteBuffer.wrap(new byte[] {1})}, 0, 1));
        loopUntil(() -> ready[0] > 0, "the event is reported once bytes arrive");
        ev.close();
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
        start[0] = Uring.enterCount(engine);
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
        return (double) (Uring.enterCount(engine) - start[0]) / rounds;
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
