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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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

    /** Joins {@code t} for at most {@code limit}; a loop still running then is broken so that the base can close. */
    private static void joinOrBreak(EventBase base, Thread t, Duration limit, String what) throws InterruptedException {
        t.join(limit.toMillis());
        if (t.isAlive()) {
            base.loopBreak();
            t.join(5_000);
            fail(what + ": the loop on " + t.getName() + " did not end within " + limit);
        }
    }

    @Test
    void shouldEndLoopWhenBreakOrExitIsIssuedJustAsAnotherThreadStartsIt() throws Exception {
        // The creating thread asks for a stop while another thread is starting loop(): whichever comes first, the
        // loop must end (a request made while no loop runs ends the next one at once).
        for (int round = 0; round < 200; round++) {
            EventBase base = newBase();
            Event forever = base.newEvent(null, Ev.PERSIST, (ev, w) -> { });
            forever.add(Duration.ofSeconds(60));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            CountDownLatch go = new CountDownLatch(1);
            Thread looper = start("looper-" + round, failure, () -> {
                go.await();
                base.loop(0);
            });
            go.countDown();
            if (round % 2 == 0) {
                base.loopBreak();
            } else {
                base.loopExit();
            }
            joinOrBreak(base, looper, Duration.ofSeconds(10), "round " + round + " ("
                    + (round % 2 == 0 ? "loopBreak" : "loopExit") + " issued as the loop started)");
            assertNull(failure.get(), () -> "the loop threw: " + failure.get());
            assertTrue(base.gotBreak() || base.gotExit(), "round " + round);
        }
    }

    /**
     * Adds timers (due in 0 to 2 ms) and activates user events from the calling thread; each callback counts into
     * {@code fired}. Returns how many callbacks to expect.
     */
    private static int addBurst(EventBase base, AtomicInteger fired, int timers, int users) {
        for (int i = 0; i < timers; i++) {
            base.newTimer((ev, w) -> fired.incrementAndGet()).add(Duration.ofMillis(i % 3));
        }
        for (int i = 0; i < users; i++) {
            base.newUserEvent((ev, w) -> fired.incrementAndGet()).activate(Ev.READ);
        }
        return timers + users;
    }

    @Test
    void shouldFireEveryTimerOnceWhenAddsAndActivationsOverlapTheOwnerHandOff() throws Exception {
        // Two threads take turns: one runs loop() while the other, which owned the base until then (it created
        // it, or ran the previous loop), adds timers and activates user events until the loop has taken over; a
        // third thread, which never owns the base, adds at the same moment, so the new loop runs queued adds at
        // once. Every callback must run exactly once and every loop must end: a lost timer, a double fire, a loop
        // that sleeps through a timer, or an exception thrown by the loop is the race.
        HandOffRig rig = new HandOffRig(newBase(), System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
        Thread helper = start("hand-off-helper", rig.failure, () -> rig.takeTurns(1));
        Thread outsider = start("outside-adder", rig.failure, () -> rig.takeTurns(2));
        rig.takeTurns(0);
        helper.join(20_000);
        outsider.join(20_000);
        assertTrue(!helper.isAlive() && !outsider.isAlive(), "the helper threads did not finish");
        assertNull(rig.failure.get(), () -> "after " + rig.rounds + " hand-offs: " + rig.failure.get());
        loopWithin(rig.base, 0, Duration.ofSeconds(10)); // what was queued after the last loop ended
        assertEquals(rig.expected.get(), rig.fired.get(), "callbacks run (lost or doubled) after " + rig.rounds
                + " hand-offs");
    }

    /** Three parties: 0 (created the base) and 1 take turns at running the loop; 2 only adds from outside. */
    private static final class HandOffRig {
        final EventBase base;
        final long end;
        final AtomicInteger fired = new AtomicInteger();
        final AtomicInteger expected = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final CyclicBarrier barrier = new CyclicBarrier(3);
        volatile boolean stop;
        volatile int rounds;

        HandOffRig(EventBase base, long end) {
            this.base = base;
            this.end = end;
        }

        void takeTurns(int me) {
            try {
                for (int round = 0; ; round++) {
                    boolean owner = me != 2 && round % 2 == me; // the thread whose loop just ended adds now
                    if (owner) {
                        // keeps the next loop busy while the bursts below arrive
                        expected.incrementAndGet();
                        base.newTimer((ev, w) -> fired.incrementAndGet()).add(Duration.ofMillis(2));
                        stop = System.nanoTime() > end || failure.get() != null;
                    }
                    barrier.await(10, TimeUnit.SECONDS);
                    if (stop) {
                        return;
                    }
                    if (owner) {
                        // adds until the loop has taken the base over: the hand-off falls inside a burst
                        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                        while (base.inLoopThread() && System.nanoTime() < giveUp) {
                            expected.addAndGet(addBurst(base, fired, 3, 1));
                        }
                        expected.addAndGet(addBurst(base, fired, 12, 4));
                    } else if (me == 2) {
                        expected.addAndGet(addBurst(base, fired, 48, 16));
                    } else {
                        rounds++;
                        loopWithin(base, 0, Duration.ofSeconds(10));
                    }
                    barrier.await(10, TimeUnit.SECONDS);
                }
            } catch (Throwable t) {
                if (!(t instanceof BrokenBarrierException)) {
                    failure.compareAndSet(null, t); // a broken barrier only says that another party failed first
                }
                try {
                    barrier.await(0, TimeUnit.NANOSECONDS); // breaks the barrier for good: the others stop at once
                } catch (Exception broken) {
                    // expected
                }
            }
        }
    }

    @Test
    void shouldKeepEveryEventRunnableWhenPriorityChangesFromAnotherThread() throws Exception {
        // Sixteen events re-activate themselves on the loop while another thread keeps changing their
        // priorities. Afterwards each must still be able to run, exactly once per activation.
        EventBase base = newBase(new EventConfig().priorities(4));
        int n = 16;
        AtomicBoolean stop = new AtomicBoolean();
        int[] runs = new int[n];
        Event[] events = new Event[n];
        for (int i = 0; i < n; i++) {
            int id = i;
            events[i] = base.newUserEvent((ev, w) -> {
                runs[id]++;
                if (!stop.get()) {
                    ev.activate(Ev.READ);
                }
            });
            events[i].activate(Ev.READ);
        }
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread changer = start("priority-changer", failure, () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < end) {
                // this thread never owns the base: the change is queued (never refused for an active event, which
                // this thread cannot know about)
                events[rnd.nextInt(n)].priority(rnd.nextInt(4));
            }
            stop.set(true);
        });
        // the loop runs on a helper: a loop whose queues are corrupted can spin for ever, beyond a watchdog's reach
        AtomicReference<Throwable> loopFailure = new AtomicReference<>();
        Thread looper = start("looper", loopFailure, () -> base.loop(0));
        looper.join(15_000);
        assertTrue(!looper.isAlive(), () -> "the loop did not end within 15 s of priority changes from another"
                + " thread; stuck events: " + dump(base));
        assertNull(loopFailure.get(), () -> "the loop threw " + loopFailure.get());
        changer.join(10_000);
        assertNull(failure.get(), () -> "the priority changer threw " + failure.get());
        // every event must still run exactly once per activation
        Arrays.fill(runs, 0);
        for (Event e : events) {
            assertEquals(0, e.pending(Ev.READ), () -> e + " still active after its loop ended");
            e.activate(Ev.READ);
        }
        loopWithin(base, 0, Duration.ofSeconds(10));
        for (int i = 0; i < n; i++) {
            assertEquals(1, runs[i], "event " + i + " (" + events[i] + ") runs after one activation");
        }
    }

    @Test
    void shouldNeverRunAnEventClosedThenActivatedFromAnotherThread() throws Exception {
        EventBase base = newBase();
        int tries = 10_000;
        AtomicInteger ranClosed = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        base.execute(started::countDown);
        Thread other = start("close-then-activate", failure, () -> {
            started.await();
            for (int i = 0; i < tries; i++) {
                Event e = base.newUserEvent((ev, w) -> ranClosed.incrementAndGet());
                e.close();
                try {
                    e.activate(Ev.READ);
                } catch (IllegalStateException closed) {
                    refused.incrementAndGet();
                }
            }
            base.loopExit();
        });
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(30));
        other.join(10_000);
        assertNull(failure.get(), () -> "the other thread threw " + failure.get());
        assertEquals(0, ranClosed.get(), "callbacks of closed events that ran");
        assertEquals(tries, refused.get(), "activate() after the caller's own close() must throw");
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

    private static String dump(EventBase base) {
        StringBuilder sb = new StringBuilder();
        try {
            base.dumpEvents(sb);
        } catch (Exception e) {
            sb.append(e);
        }
        return sb.toString();
    }
}
