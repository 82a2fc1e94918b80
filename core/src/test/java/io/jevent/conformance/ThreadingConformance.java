package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Confinement: work from other threads reaches the loop thread through the task queue, none lost; the owner
 * hand-off between threads, and the races around it, stress-tested.
 */
public abstract class ThreadingConformance extends ConformanceBase {

    @Test
    void shouldRunMillionTasksFromFourThreadsOnLoopThreadNoneLost() throws Exception {
        EventBase base = newBase();
        int threads = 4;
        int perThread = 250_000;
        long[] ran = {0};
        long[] sums = new long[threads];
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        AtomicReference<String> offLoop = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        base.execute(() -> {
            loopThread.set(Thread.currentThread());
            started.countDown();
        });
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread p = new Thread(() -> {
                try {
                    started.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 1; i <= perThread; i++) {
                    int v = i;
                    base.execute(() -> {
                        if (Thread.currentThread() != loopThread.get()) {
                            offLoop.set(Thread.currentThread().getName());
                        }
                        sums[id] += v;
                        if (++ran[0] == (long) threads * perThread) {
                            base.loopExit();
                        }
                    });
                }
            }, "producer-" + t);
            producers.add(p);
            p.start();
        }
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(60));
        for (Thread p : producers) {
            p.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertNull(offLoop.get(), "a task ran off the loop thread");
        assertEquals((long) threads * perThread, ran[0]);
        for (int t = 0; t < threads; t++) {
            assertEquals((long) perThread * (perThread + 1) / 2, sums[t], "producer " + t + " lost or duplicated");
        }
    }

    @Test
    void shouldWakeBlockedLoopForEventAddedFromAnotherThread() throws Exception {
        EventBase base = newBase();
        AtomicReference<Thread> cbThread = new AtomicReference<>();
        Event keepAlive = base.newTimer((ev, w) -> { });
        keepAlive.add(Duration.ofSeconds(60)); // the loop blocks for up to a minute unless woken
        Event e = base.newTimer((ev, w) -> {
            cbThread.set(Thread.currentThread());
            keepAlive.remove();
        });
        Thread adder = new Thread(() -> e.add(Duration.ZERO));
        base.execute(adder::start);
        long start = System.nanoTime();
        dispatchWithin(base);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "loop was not woken");
        assertSame(Thread.currentThread(), cbThread.get(), "callbacks run on the loop thread");
    }

    @Test
    void shouldActivateRemoveAndExitFromOtherThreads() throws Exception {
        EventBase base = newBase();
        List<Integer> whats = new ArrayList<>();
        Event user = base.newUserEvent((ev, w) -> whats.add(w));
        Event victim = base.newTimer((ev, w) -> whats.add(-1));
        victim.add(Duration.ofSeconds(30));
        Thread other = new Thread(() -> {
            user.activate(Ev.WRITE);
            victim.remove();
            base.loopExit(Duration.ofMillis(20));
        });
        base.execute(other::start);
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        other.join();
        assertEquals(List.of(Ev.WRITE), whats);
        assertTrue(base.gotExit());
    }

    @Test
    void shouldBreakLoopFromAnotherThread() throws Exception {
        EventBase base = newBase();
        Event forever = base.newEvent(null, Ev.PERSIST, (ev, w) -> { });
        forever.add(Duration.ofSeconds(60));
        Thread breaker = new Thread(base::loopBreak);
        base.execute(breaker::start);
        loopWithin(base, 0, Duration.ofSeconds(20));
        breaker.join();
        assertTrue(base.gotBreak());
    }

    @Test
    void shouldReportLoopThread() throws Exception {
        EventBase base = newBase();
        assertTrue(base.inLoopThread(), "the creating thread owns a base until a loop runs");
        boolean[] fromOther = {true};
        Thread t = new Thread(() -> fromOther[0] = base.inLoopThread());
        t.start();
        t.join();
        assertEquals(false, fromOther[0]);
    }

    // ------------------------------------------------------------------------------------------ races (stress)
    // Each test below repeats a race for a bounded time and stops at the first sign of it.

    /** Runs {@code body} on a new daemon thread; whatever it throws is kept in {@code failure}. */
    private static Thread start(String name, AtomicReference<Throwable> failure, ThrowingRunnable body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void shouldNeverWriteALateWakeupIntoADescriptorReusedAfterClose() throws Exception {
        // One thread wakes a backend just as another closes it and at once opens a socket pair, which takes the
        // descriptor numbers just freed. A wake-up that comes too late must go nowhere: not one byte may reach the
        // new sockets. Two such pairs of threads run at once, so that a waker is now and then descheduled between
        // its check and its write, which is where a late wake-up slips through.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong tries = new AtomicLong();
        ThrowingRunnable closer = () -> {
            AtomicReference<Readiness> target = new AtomicReference<>();
            AtomicLong wokenUpTo = new AtomicLong();
            AtomicBoolean done = new AtomicBoolean();
            Thread waker = start("late-waker", failure, () -> {
                long seen = 0;
                while (!done.get()) {
                    Readiness r = target.getAndSet(null);
                    if (r == null) {
                        Thread.onSpinWait();
                        continue;
                    }
                    r.wakeup();
                    wokenUpTo.set(++seen);
                }
            });
            ByteBuffer[] dst = {ByteBuffer.allocateDirect(64)};
            try {
                for (long i = 1; System.nanoTime() < end && failure.get() == null; i++) {
                    Readiness r = backend.open(new EventConfig().method(backendName()));
                    target.set(r);
                    r.close();
                    Handle[] pair = netOps().socketPair();
                    try {
                        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (wokenUpTo.get() < i && System.nanoTime() < giveUp) {
                            Thread.onSpinWait();
                        }
                        assertEquals(i, wokenUpTo.get(), "the waker thread is stuck");
                        for (Handle h : pair) {
                            dst[0].clear();
                            long n = netOps().read(h, dst, 0, 1);
                            assertEquals(NetOps.WOULD_BLOCK, n, () -> "a late wake-up wrote " + n + " bytes into a"
                                    + " socket that reused the closed backend's descriptor (" + h + ")");
                        }
                    } finally {
                        netOps().close(pair[0]);
                        netOps().close(pair[1]);
                    }
                    tries.incrementAndGet();
                }
            } finally {
                done.set(true);
                waker.join(10_000);
            }
        };
        Thread second = start("closer-2", failure, closer);
        try {
            closer.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
        second.join(20_000);
        assertNull(failure.get(), () -> "after " + tries.get() + " closes: " + failure.get());
    }
}
