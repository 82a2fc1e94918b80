package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.EventConfig;
import io.jevent.LoopStatistics;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventBaseGroup}: loops on their own named threads, the choice of a loop, shutdown (quiet period, timeout,
 * no thread left behind), per-loop statistics and the stall detector ({@link EventConfig#warnOnStall}).
 */
public abstract class GroupConformance extends ConformanceBase {
    private final List<EventBaseGroup> groups = new ArrayList<>();

    @AfterEach
    final void shutDownGroups() throws InterruptedException {
        for (EventBaseGroup g : groups) {
            g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
            assertTrue(g.awaitTermination(Duration.ofSeconds(20)), "the group's threads did not end");
        }
    }

    private EventBaseGroup group(int n, EventConfig config) {
        EventBaseGroup g = EventBaseGroup.create(n, config.method(backendName()));
        groups.add(g);
        return g;
    }

    private static <T> T on(EventBase base, java.util.concurrent.Callable<T> c) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        base.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return f.get(20, TimeUnit.SECONDS);
    }

    private static Set<String> loopThreadNames() {
        Set<String> names = new HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("jevent-loop-") && t.isAlive()) {
                names.add(t.getName());
            }
        }
        return names;
    }

    @Test
    void shouldRunEachLoopOnItsOwnThreadNamedAfterIt() throws Exception {
        EventBaseGroup g = group(4, new EventConfig());
        assertEquals(4, g.size());
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            EventBase b = g.get(i);
            assertEquals(backendName(), b.method());
            String name = on(b, () -> {
                assertSame(b, g.current(), "current() names the loop the calling thread runs");
                assertTrue(b.inRunningLoop());
                return Thread.currentThread().getName();
            });
            assertEquals("jevent-loop-" + (i + 1) + "/4", name);
            names.add(name);
        }
        assertEquals(4, names.size());
        assertEquals(null, g.current(), "the test thread runs no loop of the group");
    }

    @Test
    void shouldHandOutLoopsRoundRobinAndByHandleStably() throws Exception {
        EventBaseGroup g = group(3, new EventConfig());
        List<EventBase> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            seen.add(g.next());
        }
        for (int i = 0; i < 3; i++) {
            assertSame(seen.get(i), seen.get(i + 3), "round-robin: every third call gives the same loop");
            assertNotEquals(seen.get(i), seen.get((i + 1) % 3));
        }
        Handle[] pair = socketPair();
        EventBase chosen = g.forHandle(pair[0]);
        for (int i = 0; i < 10; i++) {
            assertSame(chosen, g.forHandle(pair[0]), "the same handle always gets the same loop");
        }
    }

    @Test
    void shouldUseTheGivenThreadFactory() throws Exception {
        AtomicInteger made = new AtomicInteger();
        EventBaseGroup g = EventBaseGroup.create(2, new EventConfig().method(backendName()),
                r -> new Thread(r, "custom-" + made.incrementAndGet()));
        groups.add(g);
        assertEquals(2, made.get());
        assertEquals("custom-1", on(g.get(0), () -> Thread.currentThread().getName()));
        assertEquals("custom-2", on(g.get(1), () -> Thread.currentThread().getName()));
    }

    /** A ThreadFactory that fails (returns null, or throws) leaves no base open: their descriptors are released. */
    @Test
    void shouldCloseItsBasesWhenTheThreadFactoryFails() throws Exception {
        java.io.File fds = new java.io.File("/proc/self/fd");
        org.junit.jupiter.api.Assumptions.assumeTrue(fds.isDirectory(),
                "counting open descriptors needs /proc/self/fd (Linux)");
        org.junit.jupiter.api.Assumptions.assumeFalse(backendName().equals("kqueue"), "libkqueue frees a closed"
                + " kqueue's descriptors lazily (25 bases made and closed kept 20 of them open), so counting"
                + " descriptors cannot tell the group's from its own there");
        EventConfig config = new EventConfig().method(backendName());
        EventBaseGroup.create(1, config).close(); // classes loaded, helpers started: not counted below
        for (int i = 0; i < 25; i++) {
            // as many bases as below made and closed first: a backend's own lazily freed descriptors (libkqueue
            // keeps some of closed kqueues for a while) are then not counted as the group's
            EventBase.create(config).close();
        }
        int before = fds.list().length;
        for (int round = 0; round < 5; round++) {
            AtomicInteger made = new AtomicInteger();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EventBaseGroup.create(3, config,
                    r -> made.incrementAndGet() == 2 ? null : new Thread(r, "never-started")));
            assertTrue(e.getMessage().contains("returned no thread"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> EventBaseGroup.create(3, config, r -> {
                throw new IllegalStateException("no threads today");
            }));
        }
        int after = fds.list().length;
        assertTrue(after - before < 5, "descriptors left open by groups that failed to start: " + before + " before, "
                + after + " after");
    }

    @Test
    void shouldRefuseNonsense() {
        assertThrows(IllegalArgumentException.class, () -> EventBaseGroup.create(0));
        EventBaseGroup g = group(1, new EventConfig());
        EventBase stranger = newBase();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.closeOnShutdown(stranger, () -> { }));
        assertTrue(e.getMessage().contains("not a base of this group"), e.getMessage());
    }

    @Test
    void shouldLeaveNoThreadBehindAfterShutdown() throws Exception {
        Set<String> before = loopThreadNames();
        EventBaseGroup g = group(4, new EventConfig());
        for (EventBase b : g) {
            on(b, () -> null);
        }
        Set<String> during = loopThreadNames();
        during.removeAll(before);
        assertEquals(4, during.size(), "four loop threads run: " + during);
        AtomicInteger closed = new AtomicInteger();
        AtomicReference<String> closedOn = new AtomicReference<>();
        g.closeOnShutdown(g.get(1), () -> {
            closed.incrementAndGet();
            closedOn.set(Thread.currentThread().getName());
        });
        g.shutdownGracefully(Duration.ofMillis(50), Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
        assertTrue(g.isTerminated());
        for (EventBase b : g) {
            assertTrue(b.isClosed());
        }
        assertEquals(1, closed.get(), "what was registered to close at shutdown is closed, once");
        assertEquals("jevent-loop-2/4", closedOn.get(), "on its own loop's thread");
        Set<String> after = loopThreadNames();
        after.removeAll(before);
        assertTrue(after.isEmpty(), "loop threads left behind: " + after);
        assertThrows(IllegalStateException.class, () -> g.execute(() -> { }));
    }

    /**
     * A task a loop accepted ({@code execute} did not throw) before its drain stopped it still runs: the hand-overs
     * of other loops (an accepted connection, a moving BufferEvent) are such tasks, and dropping them leaked what
     * they carried.
     */
    @Test
    void shouldRunATaskAcceptedBeforeTheDrainStoppedTheLoop() throws Exception {
        EventBaseGroup g = group(2, new EventConfig());
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch ran = new CountDownLatch(1);
        EventBase second = g.get(1);
        second.execute(() -> {
            try {
                held.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Void> done = g.shutdownGracefully(Duration.ZERO, Duration.ZERO); // queued behind the hold
        second.execute(ran::countDown); // accepted: the loop is not closed yet; queued after the drain's start
        held.countDown();
        done.get(20, TimeUnit.SECONDS);
        assertTrue(ran.await(1, TimeUnit.SECONDS), "a task accepted before the loop stopped was dropped");
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    @Test
    void shouldKeepTheShutdownFutureOfOthersWhenOneCallerCancelsOrTimesOutItsOwn() throws Exception {
        EventBaseGroup g = group(2, new EventConfig());
        CountDownLatch held = new CountDownLatch(1);
        g.get(1).execute(() -> {
            try {
                held.await(20, TimeUnit.SECONDS); // the drain is queued behind this: the group cannot end yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Void> impatient = g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
        impatient.orTimeout(1, TimeUnit.MILLISECONDS); // a bounded wait that ran out
        CompletableFuture<Void> cancelled = g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
        cancelled.cancel(true);
        assertThrows(java.util.concurrent.ExecutionException.class, () -> impatient.get(20, TimeUnit.SECONDS));
        assertFalse(g.isTerminated(), "a loop is still running, yet the group says it has terminated");
        CompletableFuture<Void> patient = g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
        assertFalse(patient.isDone(), "a later caller's future is done before the group ended: " + patient);
        held.countDown();
        patient.get(20, TimeUnit.SECONDS);
        assertTrue(g.isTerminated());
        g.close(); // waits for the threads; must not throw the CancellationException of another caller's future
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    @Test
    void shouldKeepLoopingUntilQuietBeforeClosing() throws Exception {
        EventBaseGroup g = group(2, new EventConfig());
        int ticks = 40;
        AtomicInteger ran = new AtomicInteger();
        CountDownLatch armed = new CountDownLatch(1);
        g.get(0).execute(() -> {
            Event[] t = new Event[1];
            t[0] = g.get(0).newTimer((ev, what) -> {
                if (ran.incrementAndGet() < ticks) {
                    t[0].add(Duration.ofMillis(5)); // busy for about 200 ms: never quiet for 100 ms
                }
            });
            t[0].add(Duration.ofMillis(5));
            armed.countDown();
        });
        assertTrue(armed.await(20, TimeUnit.SECONDS));
        g.shutdownGracefully(Duration.ofMillis(100), Duration.ofSeconds(15)).get(30, TimeUnit.SECONDS);
        assertEquals(ticks, ran.get(), "the loop closed while its timer still ran, before a quiet period");
    }

    @Test
    void shouldCloseAtTheTimeoutAFloopThatIsNeverQuiet() throws Exception {
        EventBaseGroup g = group(1, new EventConfig());
        CountDownLatch armed = new CountDownLatch(1);
        g.get(0).execute(() -> {
            g.get(0).newEvent(null, Ev.PERSIST, (ev, what) -> { }).add(Duration.ofMillis(1));
            armed.countDown();
        });
        assertTrue(armed.await(20, TimeUnit.SECONDS));
        long start = System.nanoTime();
        g.shutdownGracefully(Duration.ofSeconds(30), Duration.ofMillis(300)).get(20, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(15),
                "the timeout, not the 30 s quiet period, ended the drain");
        assertTrue(g.awaitTermination(Duration.ofSeconds(20)));
    }

    @Test
    void shouldCountIterationsCallbacksAndTasksReadableFromAnyThread() throws Exception {
        EventBaseGroup g = group(2, new EventConfig());
        EventBase b = g.get(0);
        LoopStatistics before = b.statistics();
        int n = 50;
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            b.execute(() -> b.newTimer((ev, what) -> done.countDown()).add(Duration.ZERO));
        }
        assertTrue(done.await(20, TimeUnit.SECONDS));
        // What was counted is published at the next poll; a task queued while the loop still drains its queue runs
        // in the same iteration, without a poll, so keep handing it tasks until a poll has published the work.
        LoopStatistics d = b.statistics().minus(before);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((d.tasks() < n || d.callbacks() < n || d.workNanos() == 0 || d.waitNanos() == 0)
                && System.nanoTime() < deadline) {
            on(b, () -> null);
            d = b.statistics().minus(before);
        }
        assertTrue(d.tasks() >= n, "tasks counted: " + d);
        assertTrue(d.callbacks() >= n, "callbacks counted: " + d);
        assertTrue(d.iterations() >= 1, "iterations counted: " + d);
        assertTrue(d.waitNanos() > 0 && d.workNanos() > 0, "time waiting and working measured: " + d);
        assertEquals(0, d.stalls(), "no stall detector configured");
        assertEquals(0, b.statistics().longestCallbackNanos(), "callbacks are timed only with warnOnStall");
        LoopStatistics other = g.get(1).statistics();
        assertTrue(other.tasks() < n, "the other loop ran none of them: " + other);
        assertEquals(2, g.statistics().size());
    }

    @Test
    void shouldReportACallbackThatStallsTheLoopOnceAndCountIt() throws Exception {
        PrintStream realErr = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        EventBase base = newBase(new EventConfig().warnOnStall(Duration.ofMillis(5)));
        Event slow = base.newTimer((ev, what) -> spin(Duration.ofMillis(40)));
        Event quick = base.newTimer((ev, what) -> { });
        slow.add(Duration.ZERO);
        quick.add(Duration.ZERO);
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8)); // slf4j-simple writes to System.err
        try {
            dispatchWithin(base);
        } finally {
            System.setErr(realErr);
        }
        LoopStatistics s = base.statistics();
        assertEquals(1, s.stalls(), "one stall: " + s);
        assertTrue(s.longestCallbackNanos() >= TimeUnit.MILLISECONDS.toNanos(40), "longest measured: " + s);
        String log = captured.toString(StandardCharsets.UTF_8);
        long lines = log.lines().filter(l -> l.contains("loop stalled")).count();
        assertEquals(1, lines, "one warning for the one stall, got:\n" + log);
        assertTrue(log.contains("WARN"), log);
        assertTrue(log.contains("longer than the warnOnStall threshold of 5.000 ms"), log);
        assertTrue(log.contains(slow.toString().substring(0, 6)), "names the event: " + log);
    }

    @Test
    void shouldReportAStallingTask() throws Exception {
        EventBase base = newBase(new EventConfig().warnOnStall(Duration.ofMillis(5)));
        base.execute(() -> spin(Duration.ofMillis(30)));
        dispatchWithin(base);
        assertEquals(1, base.statistics().stalls());
        assertThrows(IllegalArgumentException.class, () -> new EventConfig().warnOnStall(Duration.ZERO));
    }

    private static void spin(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (System.nanoTime() - end < 0) {
            Thread.onSpinWait();
        }
    }

    @Test
    void shouldShareOneBackendKindAcrossTheGroupSoHandlesMoveBetweenLoops() throws Exception {
        EventBaseGroup g = group(2, new EventConfig());
        Handle[] pair = socketPair();
        // a handle watched by loop 1, then by loop 2: both accept it (same backend kind) and see it readable
        for (EventBase b : g) {
            CountDownLatch readable = new CountDownLatch(1);
            AtomicReference<Event> ev = new AtomicReference<>();
            b.execute(() -> {
                Event e = b.newEvent(pair[0], Ev.READ, (x, what) -> readable.countDown());
                ev.set(e);
                e.add();
            });
            netOps().write(pair[1], new java.nio.ByteBuffer[]{java.nio.ByteBuffer.allocateDirect(1)}, 0, 1);
            assertTrue(readable.await(20, TimeUnit.SECONDS), "loop " + b + " saw the handle readable");
            CountDownLatch closed = new CountDownLatch(1);
            b.execute(() -> {
                ev.get().close();
                try {
                    netOps().read(pair[0], new java.nio.ByteBuffer[]{java.nio.ByteBuffer.allocateDirect(8)}, 0, 1);
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                closed.countDown();
            });
            assertTrue(closed.await(20, TimeUnit.SECONDS));
        }
        assertFalse(g.isShuttingDown());
    }
}
