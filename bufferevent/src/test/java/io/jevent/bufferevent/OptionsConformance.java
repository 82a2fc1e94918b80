package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BufferEvent options (THREADSAFE, DEFER_CALLBACKS) and the messages that misuse earns. */
public abstract class OptionsConformance extends BevTestSupport {

    @Test
    void shouldApplyEnableWatermarkAndCloseFromAnotherThreadOnTheLoopThread() throws Exception {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, BevOption.THREADSAFE);
        Thread loopThread = Thread.currentThread();
        List<String> offLoop = new ArrayList<>();
        long[] inputAtRead = {-1};
        int[] eofEvents = {0};
        CountDownLatch readSeen = new CountDownLatch(1);
        AtomicReference<Throwable> otherFailed = new AtomicReference<>();
        p[0].setCallbacks(null, null, (b, reasons, cause) -> {
            if (Thread.currentThread() != loopThread) {
                offLoop.add("event");
            }
            if (reasons == (BevEvent.READING | BevEvent.EOF)) {
                eofEvents[0]++;
            }
            b.close();
            base.loopExit();
        });
        Thread other = new Thread(() -> {
            try {
                p[1].setCallbacks(b -> {
                    if (Thread.currentThread() != loopThread) {
                        offLoop.add("read");
                    }
                    inputAtRead[0] = b.input().length();
                    readSeen.countDown();
                }, null, null);
                p[1].setWatermark(Ev.READ, 0, 1000);
                p[1].enable(Ev.READ);
                p[0].write(new byte[10_000]);
                if (!readSeen.await(10, TimeUnit.SECONDS)) {
                    throw new AssertionError("no read callback within 10 s");
                }
                p[1].close();
            } catch (Throwable t) {
                otherFailed.set(t);
                base.execute(base::loopBreak);
            }
        }, "other-thread");
        base.execute(other::start);
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        other.join(10_000);
        assertNull(otherFailed.get());
        assertEquals(List.of(), offLoop, "callbacks ran off the loop thread");
        assertEquals(1000, inputAtRead[0], "the watermark set from another thread bounded the input");
        assertTrue(p[1].isClosed(), "close() from another thread took effect");
        assertEquals(1, eofEvents[0], "the partner saw the close as EOF");
    }

    @Test
    void shouldEchoEverythingWithDeferredCallbacksOnSockets() throws IOException {
        EventBase base = newBase();
        Listener server = echoServer(base, BevOption.DEFER_CALLBACKS);
        int size = 1 << 20;
        byte[] payload = data(31, size);
        PairConformance.Sink sink = new PairConformance.Sink(size, 9);
        List<String> problems = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE
                | BevOption.DEFER_CALLBACKS);
        c.setCallbacks(b -> {
            sink.drainSome(b);
            if (sink.have == size) {
                b.close();
                server.close();
            }
        }, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                problems.add(BevEvent.toString(reasons) + " " + cause);
                b.close();
                server.close();
            }
        });
        c.enable(Ev.READ);
        c.connect(server.localAddress());
        PairConformance.sendInRandomChunks(base, c, payload, 0, new Random(10), null);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of(), problems);
        assertEquals(size, sink.have);
        assertEquals(crc(payload, 0, size), crc(sink.got, 0, size));
    }

    private static void assertMessage(Throwable t, String... parts) {
        for (String part : parts) {
            assertTrue(t.getMessage().contains(part), "message lacks '" + part + "': " + t.getMessage());
        }
    }

    /** Runs {@code r} on a new thread and returns what it threw (null if nothing), waiting at most 10 s. */
    private static Throwable onAnotherThread(Runnable r) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "not-the-loop");
        t.start();
        t.join(10_000);
        assertTrue(!t.isAlive(), "the other thread did not finish within 10 s");
        return thrown.get();
    }

    @Test
    void shouldRefuseWriteAndEnableAfterClose() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] tcp = tcpPair(base, keep);
        keep[0].close();
        BufferEvent[] safe = BufferEvent.pair(base, BevOption.THREADSAFE);
        for (BufferEvent b : new BufferEvent[] {tcp[0], safe[0]}) {
            b.close();
            assertMessage(assertThrows(IllegalStateException.class, () -> b.write(new byte[] {1, 2, 3})),
                    "write() on a closed BufferEvent");
            assertMessage(assertThrows(IllegalStateException.class,
                    () -> b.write(java.nio.ByteBuffer.wrap(new byte[] {1}))), "write() on a closed BufferEvent");
            io.jevent.buffer.EvBuffer data = new io.jevent.buffer.EvBuffer();
            data.add(new byte[] {4, 5});
            assertMessage(assertThrows(IllegalStateException.class, () -> b.write(data)),
                    "write() on a closed BufferEvent");
            assertEquals(2, data.length(), "the caller keeps what could not be written");
            assertMessage(assertThrows(IllegalStateException.class, () -> b.output().add(new byte[] {6})),
                    "closed");
            assertEquals(0, b.output().length(), "a closed BufferEvent holds no output");
            assertMessage(assertThrows(IllegalStateException.class, () -> b.enable(Ev.READ)),
                    "enable() on a closed BufferEvent");
            b.disable(Ev.READ | Ev.WRITE); // harmless, as close() is
        }
        // from another thread, the THREADSAFE one says the same
        Throwable w = onAnotherThread(() -> safe[0].write(new byte[] {7}));
        assertMessage(assertInstanceOf(IllegalStateException.class, w), "write() on a closed BufferEvent");
        Throwable e = onAnotherThread(() -> safe[0].enable(Ev.WRITE));
        assertMessage(assertInstanceOf(IllegalStateException.class, e), "enable() on a closed BufferEvent");
        tcp[1].close();
        safe[1].close();
    }

    @Test
    void shouldRefuseBufferChangesFromAnotherThread() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] tcp = tcpPair(base, keep);
        keep[0].close();
        BufferEvent[] safe = BufferEvent.pair(base, BevOption.THREADSAFE);
        for (BufferEvent b : new BufferEvent[] {tcp[0], safe[0]}) {
            Throwable out = onAnotherThread(() -> b.output().add(new byte[100]));
            assertMessage(assertInstanceOf(IllegalStateException.class, out), "output buffer", "not-the-loop",
                    "loop thread", "BevOption.THREADSAFE", "base.execute");
            Throwable in = onAnotherThread(() -> b.input().add(new byte[100]));
            assertMessage(assertInstanceOf(IllegalStateException.class, in), "input buffer", "not-the-loop");
        }
        // the buffers still work from the loop thread
        tcp[1].setCallbacks(b -> {
            if (b.input().length() >= 100) {
                base.loopBreak();
            }
        }, null, null);
        tcp[1].enable(Ev.READ);
        tcp[0].output().add(new byte[1]); // with the 100 added by the other thread above
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertTrue(tcp[1].input().length() >= 100);
        tcp[0].close();
        tcp[1].close();
        safe[0].close();
        safe[1].close();
    }

    @Test
    void shouldRejectMisuseWithMessagesNamingTheFix() throws IOException {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        assertMessage(assertThrows(IllegalArgumentException.class, () -> p[0].setWatermark(Ev.READ, 10, 5)),
                "low <= high", "low 10", "high 5");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> p[0].setWatermark(Ev.READ, -1, 0)),
                "0 <= low");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> p[0].enable(0)),
                "Ev.READ, Ev.WRITE or both");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> p[0].disable(Ev.TIMEOUT)),
                "Ev.READ, Ev.WRITE or both");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> p[0].setWatermark(Ev.SIGNAL, 0, 0)),
                "Ev.READ, Ev.WRITE or both");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> BufferEvent.pair(base, 0x40)),
                "0x40", "BevOption.");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SocketBufferEvent.create(base, null, 0x100 | BevOption.CLOSE_ON_FREE)), "0x100", "BevOption.");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Listener.bind(base, loopback0(), 0, 0, (l, h) -> { })), "backlog > 0", "got 0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> Listener.bind(base, loopback0(), Listener.REUSEADDR | 0x80, (l, h) -> { })), "0x80;",
                "Listener.REUSEADDR");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> p[0].setTimeouts(Duration.ZERO, null)), "positive read timeout");
        p[1].close();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> FilterBufferEvent.create(p[1], null, null, 0)), "closed");
        p[0].close();
    }
}
