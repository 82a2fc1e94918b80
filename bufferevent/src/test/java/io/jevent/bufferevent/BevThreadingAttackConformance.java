package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.dns.Resolver;
import io.jevent.LoopFlag;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the threading rules of BufferEvents: a close from another thread that the base's close overtakes,
 * a holder writing while another thread takes the base over, many threads writing while the base and the
 * BufferEvent close, and off-loop work whose executor refuses it.
 */
public abstract class BevThreadingAttackConformance extends BevTestSupport {

    /** Whether {@code peer} reads end of stream within 10 s (its other end closed); bytes before it are skipped. */
    private boolean readsEof(Handle peer) throws Exception {
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(4096)};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            dst[0].clear();
            long n = netOps().read(peer, dst, 0, 1);
            if (n == 0) {
                return true;
            }
            if (n == NetOps.WOULD_BLOCK) {
                Thread.onSpinWait();
            }
        }
        return false;
    }

    private static Thread start(String name, Runnable r, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                r.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void shouldReleaseTheDescriptorWhenTheBaseClosesBeforeAQueuedClose() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE
                | BevOption.THREADSAFE);
        bev.write("sent before".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        // another thread closes it while no loop runs: the close is queued for the next loop, which never comes
        AtomicReference<Throwable> failure = new AtomicReference<>();
        start("closer", bev::close, failure).join(10_000);
        assertNull(failure.get(), () -> "close() from another thread threw " + failure.get());
        base.close();
        assertTrue(bev.isClosed(), "the close queued before the base closed was dropped with the base's tasks");
        assertTrue(readsEof(pair[1]), "the peer never reads end of stream: the descriptor leaked");
    }

    @Test
    void shouldNeverLoseACloseRacingTheBaseClose() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        int rounds = 0;
        while (System.nanoTime() < end) {
            EventBase base = EventBase.create(new io.jevent.EventConfig().method(backendName()));
            Handle[] pair = netOps().socketPair();
            try {
                SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE
                        | BevOption.THREADSAFE);
                CyclicBarrier go = new CyclicBarrier(2);
                AtomicReference<Throwable> failure = new AtomicReference<>();
                Thread closer = start("closer", () -> {
                    try {
                        go.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    bev.close();
                }, failure);
                go.await(10, TimeUnit.SECONDS);
                base.close();
                closer.join(10_000);
                assertFalse(closer.isAlive(), "the closer hangs");
                assertNull(failure.get(), () -> "close() threw " + failure.get());
                int round = rounds;
                assertTrue(bev.isClosed(), () -> "round " + round + ": a close racing the base's close was lost");
                assertTrue(readsEof(pair[1]), () -> "round " + round + ": the descriptor leaked");
            } finally {
                base.close();
                for (Handle h : pair) {
                    try {
                        netOps().close(h);
                    } catch (Exception ignored) {
                        // closed by the BufferEvent
                    }
                }
            }
            rounds++;
        }
        assertTrue(rounds > 0);
    }

    @Test
    void shouldKeepEveryByteWhenTheHolderWritesWhileAnotherThreadStartsTheLoop() throws Exception {
        int records = 4000;
        int size = 32;
        for (int round = 0; round < 10; round++) {
            EventBase base = newBase();
            Handle[] pair = socketPair();
            SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], BevOption.THREADSAFE);
            byte[] all = data(round, records * size);
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread looper = start("looper", () -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
            }, failure);
            // this thread made the base and holds it; it writes on while the loop starts on the other thread
            Throwable writeFailure = null;
            try {
                for (int i = 0; i < records; i++) {
                    if (i == 10) {
                        start.countDown();
                    }
                    bev.write(all, i * size, size);
                }
            } catch (Throwable t) {
                writeFailure = t;
            }
            start.countDown();
            byte[] got = readExactly(pair[1], all.length);
            base.loopExit();
            looper.join(20_000);
            assertNull(failure.get(), () -> "the loop threw " + failure.get());
            Throwable wf = writeFailure;
            int r = round;
            assertNull(wf, () -> "round " + r + ": a THREADSAFE write from the holder threw " + wf);
            assertArrayEquals(all, got, "round " + round + ": the peer read other bytes than were written");
        }
    }

    /** Reads exactly {@code n} bytes from {@code peer} (or what came within 10 s). */
    private byte[] readExactly(Handle peer, int n) throws Exception {
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(65536)};
        byte[] out = new byte[n];
        int have = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (have < n && System.nanoTime() < deadline) {
            dst[0].clear().limit(Math.min(65536, n - have));
            long got = netOps().read(peer, dst, 0, 1);
            if (got > 0) {
                dst[0].flip();
                dst[0].get(out, have, (int) got);
                have += (int) got;
            } else if (got == 0) {
                break;
            } else {
                Thread.onSpinWait();
            }
        }
        return have == n ? out : java.util.Arrays.copyOf(out, have);
    }

    @Test
    void shouldSurviveManyThreadsWritingWhileTheBaseAndTheBufferEventClose() throws Exception {
        for (int round = 0; round < 5; round++) {
            EventBase base = newBase();
            Handle[] pair = socketPair();
            SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE
                    | BevOption.THREADSAFE);
            int writers = 4;
            AtomicInteger written = new AtomicInteger();
            ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
            List<Thread> threads = new ArrayList<>();
            byte[] record = data(round, 16);
            for (int w = 0; w < writers; w++) {
                Thread t = new Thread(() -> {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!bev.isClosed() && System.nanoTime() < deadline) {
                        try {
                            bev.write(record);
                            written.incrementAndGet();
                        } catch (IllegalStateException closed) {
                            if (!bev.isClosed()) {
                                failures.add(closed);
                                return;
                            }
                        } catch (Throwable t2) {
                            failures.add(t2);
                            return;
                        }
                    }
                }, "writer-" + w);
                t.setDaemon(true);
                threads.add(t);
                t.start();
            }
            waitFor(() -> written.get() >= 2000);
            base.close();
            int afterBaseClose = written.get();
            waitFor(() -> written.get() >= afterBaseClose + 20_000);
            bev.close();
            for (Thread t : threads) {
                t.join(10_000);
                assertFalse(t.isAlive(), t.getName() + " hangs");
            }
            int r = round;
            assertTrue(failures.isEmpty(), () -> "round " + r + ": writers failed: " + failures);
            assertTrue(bev.isClosed());
            assertEquals(0, bev.output().length(), "a closed BufferEvent holds no output");
            assertTrue(readsEof(pair[1]), "the descriptor leaked");
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldReportALookupTheExecutorRefusesAsAnErrorAndNotWaitForIt() {
        Executor refusing = lookup -> {
            throw new RejectedExecutionException("test: the lookup pool is full");
        };
        EventBase base = newBase();
        Resolver.setDefault(Resolver.system(base, refusing));
        SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        bev.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + " " + (cause == null ? "" : cause.getClass().getSimpleName()
                    + (cause.getCause() == null ? "" : " <- " + cause.getCause().getClass().getSimpleName())));
            b.close();
        });
        bev.connectHostname("localhost", 9);
        assertEquals(1, dispatchWithin(base), "dispatch() should end for lack of events");
        assertEquals(List.of(BevEvent.toString(BevEvent.ERROR)
                + " DnsException <- RejectedExecutionException"), events);
        assertEquals(0, base.workInFlight());
    }
}
