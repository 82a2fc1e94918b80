package io.jevent.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The {@link CompletionEngine} contract, through real sockets and the real loop: every operation is posted on the
 * loop's owner thread, the loop ({@code dispatch}) runs until nothing is in flight, and the bytes are read back and
 * compared. Skipped, with the reason, on a base without an engine.
 */
public abstract class CompletionEngineConformance extends ConformanceBase {

    /** A base on the backend under test and its engine; skips the test when the base has none. */
    protected final CompletionEngine engineOf(EventBase base) {
        CompletionEngine e = base.completionEngine();
        Assumptions.assumeTrue(e != null, () -> "[" + backendName() + "] is not a completion engine"
                + " (EventBase.completionEngine() is null)");
        return e;
    }

    /** The errno name of a negative result, through the engine's own {@link CompletionEngine#failure}. */
    protected static String errnoName(CompletionEngine engine, int result) {
        assertTrue(result < 0, "expected a failure, got result " + result);
        IOException e = engine.failure("op", result);
        return e instanceof ErrnoException ? ((ErrnoException) e).errnoName() : String.valueOf(e.getMessage());
    }

    /** A connected loopback TCP pair {client, server}: the client through the engine's connect. */
    protected final Handle[] tcpPair(EventBase base, CompletionEngine engine) throws IOException {
        Handle listener = netOps().listen(TestData.loopback0(), 8, true, false);
        try {
            int[] result = {1};
            Handle client = closeLater(engine.connect(netOps().localAddress(listener), (r, f, d) -> result[0] = r));
            dispatchWithin(base);
            assertEquals(0, result[0], "connect");
            Handle server = netOps().accept(listener);
            assertNotNull(server, "the connected client is queued on the listener");
            return new Handle[] {client, closeLater(server)};
        } finally {
            netOps().close(listener);
        }
    }

    /** Posts writes of {@code src} until all of it is written, re-posting after each short write. */
    static final class Writer implements CompletionHandler {
        final CompletionEngine engine;
        final Handle handle;
        final ByteBuffer[] srcs;
        int completions;
        int shortWrites;
        int error;

        Writer(CompletionEngine engine, Handle handle, ByteBuffer... srcs) {
            this.engine = engine;
            this.handle = handle;
            this.srcs = srcs;
        }

        void post() {
            engine.write(handle, srcs, 0, srcs.length, this);
        }

        long remaining() {
            long n = 0;
            for (ByteBuffer b : srcs) {
                n += b.remaining();
            }
            return n;
        }

        @Override
        public void completed(int result, int flags, ByteBuffer data) {
            completions++;
            assertNull(data);
            if (result < 0) {
                error = result;
                return;
            }
            long left = result;
            for (ByteBuffer b : srcs) {
                int k = (int) Math.min(left, b.remaining());
                b.position(b.position() + k);
                left -= k;
            }
            if (remaining() > 0) {
                shortWrites++;
                post();
            }
        }
    }

    /** Reads (with {@link CompletionEngine#read} or {@link CompletionEngine#readAny}) until {@code expected} bytes. */
    static final class Reader implements CompletionHandler {
        final CompletionEngine engine;
        final Handle handle;
        final boolean any;
        final long expected;
        final ByteBuffer dst = ByteBuffer.allocateDirect(64 * 1024);
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        int error;
        boolean eof;

        Reader(CompletionEngine engine, Handle handle, boolean any, long expected) {
            this.engine = engine;
            this.handle = handle;
            this.any = any;
            this.expected = expected;
        }

        /** A reader with its first read posted. */
        static Reader posted(CompletionEngine engine, Handle handle, boolean any, long expected) {
            Reader r = new Reader(engine, handle, any, expected);
            r.post();
            return r;
        }

        void post() {
            if (any) {
                engine.readAny(handle, 64 * 1024, this);
            } else {
                dst.clear();
                engine.read(handle, dst, this);
            }
        }

        @Override
        public void completed(int result, int flags, ByteBuffer data) {
            if (result < 0) {
                error = result;
                return;
            }
            if (result == 0) {
                eof = true;
                return;
            }
            ByteBuffer from;
            if (any) {
                assertTrue((flags & CompletionEngine.BUFFER) != 0, "readAny hands over a buffer: flags " + flags);
                assertEquals(0, data.position());
                assertEquals(result, data.limit());
                from = data;
            } else {
                assertNull(data);
                assertEquals(0, dst.position(), "the position is the caller's to move");
                from = dst.duplicate();
                from.limit(result);
            }
            byte[] b = new byte[result];
            from.get(b);
            got.write(b, 0, b.length);
            if (got.size() < expected) {
                post();
            }
        }
    }

    private static ByteBuffer direct(byte[] b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.length);
        d.put(b).flip();
        return d;
    }

    private void transfer(boolean any, int size, boolean tcp) throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = tcp ? tcpPair(base, engine) : socketPair();
        byte[] data = TestData.data(size, size);
        // three buffers, so the write gathers
        int a = size / 3;
        int b = size / 3;
        ByteBuffer[] srcs = {direct(java.util.Arrays.copyOfRange(data, 0, a)),
            direct(java.util.Arrays.copyOfRange(data, a, a + b)),
            direct(java.util.Arrays.copyOfRange(data, a + b, size))};
        Writer w = new Writer(engine, p[0], srcs);
        Reader r = new Reader(engine, p[1], any, size);
        w.post();
        r.post();
        dispatchWithin(base);
        assertEquals(0, w.error, "write");
        assertEquals(0, r.error, "read");
        assertEquals(0, engine.inFlight());
        assertEquals(size, r.got.size());
        assertArrayEquals(data, r.got.toByteArray(), "the bytes read are the bytes written");
    }

    @Test
    void shouldReadWhatWasWrittenThroughASocketPair() throws IOException {
        transfer(false, 4 << 20, false);
    }

    @Test
    void shouldReadAnyWhatWasWrittenOverTcp() throws IOException {
        transfer(true, 4 << 20, true);
    }

    @Test
    void shouldReadWhatWasWrittenOverTcp() throws IOException {
        transfer(false, 3 << 20, true);
    }

    @Test
    void shouldCompleteAShortWriteWhenThePeerDoesNotRead() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        int size = 16 << 20; // more than any socket buffer here
        byte[] data = TestData.data(7, size);
        int[] result = {Integer.MIN_VALUE};
        engine.write(p[0], new ByteBuffer[] {direct(data)}, 0, 1, (res, f, d) -> result[0] = res);
        dispatchWithin(base);
        assertTrue(result[0] > 0 && result[0] < size, "a short write: " + result[0] + " of " + size);
        Reader r = Reader.posted(engine, p[1], false, result[0]);
        dispatchWithin(base);
        assertArrayEquals(java.util.Arrays.copyOf(data, result[0]), r.got.toByteArray());
    }

    @Test
    void shouldKeepTheBuffersOfAWriteReachableWhenTheCallerReusesItsArray() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        ByteBuffer filler = ByteBuffer.allocateDirect(65536);
        long queued = 0;
        long w;
        while ((w = netOps().write(p[0], new ByteBuffer[] {filler.clear()}, 0, 1)) > 0) {
            queued += w; // fills the send buffer: the write below waits in the kernel
        }
        int size = 65536;
        ByteBuffer lent = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            lent.put(i, (byte) 0x5a);
        }
        ByteBuffer[] array = {lent}; // a reusable array, as a caller allocating nothing per write keeps
        int[] wrote = {Integer.MIN_VALUE};
        engine.write(p[0], array, 0, 1, (res, f, d) -> wrote[0] = res);
        loopWithin(base, io.jevent.LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        assertEquals(Integer.MIN_VALUE, wrote[0], "the write waits for room");
        java.lang.ref.WeakReference<ByteBuffer> ref = new java.lang.ref.WeakReference<>(lent);
        lent = null;
        array[0] = null; // the caller reuses its array: the buffer is now the kernel's alone
        for (int i = 0; i < 3 && ref.get() != null; i++) {
            System.gc();
        }
        assertNotNull(ref.get(), "a buffer lent to the kernel stays reachable until its completion");
        ByteBuffer in = ByteBuffer.allocateDirect(65536);
        long drained = 0;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (wrote[0] == Integer.MIN_VALUE || drained < queued + wrote[0]) {
            assertTrue(System.nanoTime() < deadline, "the write completes and its bytes arrive within 10 s");
            long r = netOps().read(p[1], new ByteBuffer[] {in.clear()}, 0, 1);
            for (long i = Math.max(0, queued - drained); i < r; i++) {
                assertEquals((byte) 0x5a, in.get((int) i), "byte " + (drained + i - queued) + " of the write");
            }
            drained += Math.max(r, 0);
            loopWithin(base, io.jevent.LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertTrue(wrote[0] > 0, "wrote " + wrote[0]);
        assertEquals(0, engine.inFlight());
        for (int i = 0; i < 3 && ref.get() != null; i++) {
            System.gc();
        }
        assertNull(ref.get(), "once the write completed, the engine holds its buffer no longer");
    }

    @Test
    void shouldCompleteAReadWithZeroAtEndOfStream() throws IOException {
        for (boolean any : new boolean[] {false, true}) {
            EventBase base = newBase();
            CompletionEngine engine = engineOf(base);
            Handle[] p = socketPair();
            Reader r = Reader.posted(engine, p[0], any, 1);
            netOps().close(p[1]);
            dispatchWithin(base);
            assertTrue(r.eof, (any ? "readAny" : "read") + " completes with 0 at end of stream, error " + r.error);
        }
    }

    @Test
    void shouldFailReadAndWriteAfterTheResetOfThePeer() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = tcpPair(base, engine);
        Writer w = new Writer(engine, p[0], direct(TestData.data(1, 100)));
        w.post();
        dispatchWithin(base);
        assertEquals(0, w.error);
        netOps().close(p[1]); // unread bytes in its receive queue: the close sends a reset
        Reader r = Reader.posted(engine, p[0], false, 1);
        dispatchWithin(base);
        String read = errnoName(engine, r.error);
        assertEquals("ECONNRESET", read, "read after a reset");
        int[] result = {0};
        engine.write(p[0], new ByteBuffer[] {direct(new byte[10])}, 0, 1, (res, f, d) -> result[0] = res);
        dispatchWithin(base);
        String write = errnoName(engine, result[0]);
        assertTrue(write.equals("EPIPE") || write.equals("ECONNRESET"), "write after a reset: " + write);
    }

    @Test
    void shouldCompleteConnectToAClosedPortWithConnectionRefused() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle l = netOps().listen(TestData.loopback0(), 1, true, false);
        SocketAddress dead = netOps().localAddress(l);
        netOps().close(l);
        int[] result = {0};
        closeLater(engine.connect(dead, (res, f, d) -> result[0] = res));
        dispatchWithin(base);
        assertEquals("ECONNREFUSED", errnoName(engine, result[0]));
    }

    @Test
    void shouldAcceptThreeClientsWithOneMultishotAccept() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle listener = closeLater(netOps().listen(TestData.loopback0(), 8, true, false));
        SocketAddress addr = netOps().localAddress(listener);
        List<Integer> flags = new ArrayList<>();
        List<Handle> accepted = new ArrayList<>();
        int[] last = {1};
        int[] cancelled = {Integer.MIN_VALUE};
        engine.accept(listener, (res, f, d) -> {
            flags.add(f);
            if (res >= 0) {
                accepted.add(closeLater(engine.accepted(res)));
                if (accepted.size() == 3) {
                    engine.cancel(listener, (r, f2, d2) -> cancelled[0] = r);
                }
            } else {
                last[0] = res;
            }
        });
        int[] connected = new int[3];
        for (int i = 0; i < 3; i++) {
            int k = i;
            connected[k] = 1;
            closeLater(engine.connect(addr, (res, f, d) -> connected[k] = res));
        }
        dispatchWithin(base);
        assertArrayEquals(new int[3], connected, "three connects");
        assertEquals(3, accepted.size());
        assertEquals(4, flags.size(), "three accepts and the end of the multishot: " + flags);
        for (int i = 0; i < 3; i++) {
            assertTrue((flags.get(i) & CompletionEngine.MORE) != 0, "accept " + i + " stays posted");
        }
        assertEquals(0, flags.get(3) & CompletionEngine.MORE, "the last completion ends it");
        assertEquals("ECANCELED", errnoName(engine, last[0]));
        assertEquals(1, cancelled[0], "the cancel found the accept");
        // the accepted handles are sockets of the backend's kind
        Writer w = new Writer(engine, accepted.get(0), direct(new byte[] {1, 2, 3}));
        w.post();
        dispatchWithin(base);
        assertEquals(0, w.error);
    }

    @Test
    void shouldLetThePeerSeeEndOfStreamAfterShutdownOutput() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = tcpPair(base, engine);
        int[] shut = {1};
        engine.shutdownOutput(p[0], (res, f, d) -> shut[0] = res);
        Reader r = Reader.posted(engine, p[1], false, 1);
        dispatchWithin(base);
        assertEquals(0, shut[0]);
        assertTrue(r.eof, "the peer reads end of stream, error " + r.error);
    }

    @Test
    void shouldCompleteACancelledReadWithEcanceledAndKeepItInFlightUntilThen() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        Reader r = Reader.posted(engine, p[0], false, 1);
        int[] cancel = {Integer.MIN_VALUE};
        engine.cancel(p[0], (res, f, d) -> cancel[0] = res);
        assertEquals(2, engine.inFlight(), "the read stays posted, and its memory lent, until its completion");
        assertEquals(0, r.error, "nothing completes inside a post");
        dispatchWithin(base);
        assertEquals("ECANCELED", errnoName(engine, r.error));
        assertEquals(1, cancel[0], "one operation cancelled");
        assertEquals(0, engine.inFlight());
        int[] none = {Integer.MIN_VALUE};
        engine.cancel(p[0], (res, f, d) -> none[0] = res);
        dispatchWithin(base);
        assertEquals("ENOENT", errnoName(engine, none[0]), "cancelling nothing is harmless");
    }

    @Test
    void shouldCancelReadsAloneLeavingAWriteInFlight() throws IOException {
        // A connection that stops reading must not cancel the send in flight: on Windows that may abort the
        // connection, and anywhere it would make the write start over.
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = tcpPair(base, engine);
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
        long filled = 0;
        for (long n; (n = netOps().write(p[0], new ByteBuffer[] {chunk.clear()}, 0, 1)) > 0; ) {
            filled += n; // until the socket takes no more: the next send has to wait for the peer
        }
        int[] wrote = {Integer.MIN_VALUE};
        ByteBuffer pending = ByteBuffer.allocateDirect(64 * 1024);
        engine.write(p[0], new ByteBuffer[] {pending}, 0, 1, (res, f, d) -> wrote[0] = res);
        Reader r = Reader.posted(engine, p[0], false, 1);
        int[] cancel = {Integer.MIN_VALUE};
        engine.cancelReads(p[0], (res, f, d) -> cancel[0] = res);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (r.error == 0 || cancel[0] == Integer.MIN_VALUE) {
            assertTrue(System.nanoTime() < deadline, "the read's cancel never completed");
            base.loop(io.jevent.LoopFlag.ONCE | io.jevent.LoopFlag.NONBLOCK);
        }
        assertEquals("ECANCELED", errnoName(engine, r.error));
        assertEquals(1, cancel[0], "one operation cancelled: the read, not the write");
        assertEquals(Integer.MIN_VALUE, wrote[0], "the write waits for the peer, uncancelled");
        ByteBuffer sink = ByteBuffer.allocateDirect(256 * 1024);
        long drained = 0;
        while (wrote[0] == Integer.MIN_VALUE || drained < filled + Math.max(wrote[0], 0)) {
            assertTrue(System.nanoTime() < deadline, "the write never completed; drained " + drained);
            long n = netOps().read(p[1], new ByteBuffer[] {sink.clear()}, 0, 1);
            if (n > 0) {
                drained += n;
            }
            base.loop(io.jevent.LoopFlag.ONCE | io.jevent.LoopFlag.NONBLOCK);
        }
        assertTrue(wrote[0] > 0, "the write completed with bytes sent, got " + wrote[0]
                + (wrote[0] < 0 ? " (" + errnoName(engine, wrote[0]) + ")" : ""));
        assertEquals(filled + wrote[0], drained, "every byte sent reached the peer");
    }

    @Test
    void shouldNeverDeliverAStaleCompletionToTheNextOwnerOfASlot() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        for (int round = 0; round < 200; round++) {
            AtomicInteger first = new AtomicInteger();
            AtomicInteger second = new AtomicInteger();
            int[] secondResult = {Integer.MIN_VALUE};
            ByteBuffer dst2 = ByteBuffer.allocateDirect(16);
            ByteBuffer dst1 = ByteBuffer.allocateDirect(16);
            CompletionHandler newOwner = (res, f, d) -> {
                second.incrementAndGet();
                secondResult[0] = res;
            };
            engine.read(p[0], dst1, (res, f, d) -> {
                first.incrementAndGet();
                // the slot is free again: the new read takes it at once, under a new generation
                engine.read(p[0], dst2, newOwner);
                try {
                    assertEquals(3, netOps().write(p[1], new ByteBuffer[] {direct(new byte[] {7, 8, 9})}, 0, 1));
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            });
            engine.cancel(p[0], (res, f, d) -> { });
            dispatchWithin(base);
            assertEquals(1, first.get(), "round " + round);
            assertEquals(1, second.get(), "round " + round + ": the new owner completes once, with its own result");
            assertEquals(3, secondResult[0], "round " + round);
            assertEquals(7, dst2.get(0));
        }
    }

    @Test
    void shouldNotReuseTheNumberOfAHandleClosedWithAReadInFlight() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        Reader r = Reader.posted(engine, p[0], false, 1);
        netOps().close(p[0]);
        if (p[0] instanceof FdHandle) {
            int fd = ((FdHandle) p[0]).fd();
            Handle[] q = socketPair();
            assertNotEquals(fd, ((FdHandle) q[0]).fd(), "the number is held until the read completes");
            assertNotEquals(fd, ((FdHandle) q[1]).fd(), "the number is held until the read completes");
        }
        dispatchWithin(base);
        assertTrue(r.error < 0 || r.eof, "the read completes (cancelled by the close): " + r.error);
        assertEquals(0, engine.inFlight());
    }

    @Test
    void shouldCompleteOperationsOnAClosedHandleWithEbadfAtTheNextDelivery() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        netOps().close(p[0]);
        Reader r = Reader.posted(engine, p[0], false, 1);
        assertEquals(0, r.error, "never completed inside the post");
        dispatchWithin(base);
        assertEquals("EBADF", errnoName(engine, r.error));
    }

    @Test
    void shouldCompleteAwaitReadableWithZeroWhenBytesArrive() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        int[] result = {Integer.MIN_VALUE};
        engine.awaitReadable(p[0], (res, f, d) -> result[0] = res);
        assertEquals(1, netOps().write(p[1], new ByteBuffer[] {direct(new byte[] {1})}, 0, 1));
        dispatchWithin(base);
        assertEquals(0, result[0]);
        assertEquals(1, netOps().read(p[0], new ByteBuffer[] {ByteBuffer.allocateDirect(4)}, 0, 1),
                "awaitReadable reads nothing");
    }

    @Test
    void shouldNotLeaveTheLoopWhileAnOperationIsInFlight() throws IOException {
        EventBase base = newBase();
        CompletionEngine engine = engineOf(base);
        Handle[] p = socketPair();
        Reader r = Reader.posted(engine, p[0], false, 2);
        // once the only event has run, only the read keeps the loop going; the bytes come from another thread
        base.once(null, Ev.TIMEOUT, Duration.ofMillis(20), (ev, what) -> new Thread(() -> {
            try {
                netOps().write(p[1], new ByteBuffer[] {direct(new byte[] {4, 2})}, 0, 1);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).start());
        dispatchWithin(base);
        assertEquals(0, r.error);
        assertArrayEquals(new byte[] {4, 2}, r.got.toByteArray(), "dispatch returned only once the read completed");
    }
}
