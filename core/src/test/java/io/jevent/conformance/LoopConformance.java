package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The loop: priorities, once, exit/break/continue, user events, errors in callbacks, misuse. */
public abstract class LoopConformance extends ConformanceBase {

    @Test
    void shouldRunLowerPriorityNumbersFirst() {
        EventBase base = newBase(new EventConfig().priorities(3));
        List<String> order = new ArrayList<>();
        Event low = base.newUserEvent((ev, w) -> order.add("low"));
        Event mid = base.newUserEvent((ev, w) -> order.add("mid"));
        Event high = base.newUserEvent((ev, w) -> order.add("high"));
        low.priority(2);
        mid.priority(1);
        high.priority(0);
        low.activate(Ev.READ);
        mid.activate(Ev.READ);
        high.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(List.of("high", "mid", "low"), order);
    }

    @Test
    void shouldStarveLowerPriorityWhileHigherKeepsFiring() {
        EventBase base = newBase(new EventConfig().priorities(2));
        List<String> order = new ArrayList<>();
        int[] n = {0};
        Event busy = base.newUserEvent((ev, w) -> {
            order.add("busy");
            if (++n[0] < 3) {
                ev.activate(Ev.READ); // re-activated: runs again before the lower priority
            }
        });
        Event idle = base.newUserEvent((ev, w) -> order.add("idle"));
        busy.priority(0);
        idle.priority(1);
        idle.activate(Ev.READ);
        busy.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(List.of("busy", "busy", "busy", "idle"), order);
    }

    @Test
    void shouldRunMoreUrgentEventActivatedByCallbackBeforeRestOfItsQueue() {
        // libevent's event_active: a priority more urgent than the running one ends the pass over the current queue
        EventBase base = newBase(new EventConfig().priorities(5));
        List<String> order = new ArrayList<>();
        Event b = base.newUserEvent((ev, w) -> order.add("B"));
        Event c = base.newUserEvent((ev, w) -> order.add("C"));
        Event a = base.newUserEvent((ev, w) -> {
            order.add("A");
            b.activate(Ev.READ);
            c.activate(Ev.READ);
        });
        Event d = base.newUserEvent((ev, w) -> order.add("D"));
        a.priority(4);
        b.priority(4);
        c.priority(0);
        d.priority(4);
        a.activate(Ev.READ);
        d.activate(Ev.READ); // queued behind A before B: it too waits for C
        dispatchWithin(base);
        assertEquals(List.of("A", "C", "D", "B"), order);
    }

    @Test
    void shouldFinishQueueWhenCallbackActivatesSameOrLessUrgentPriority() {
        EventBase base = newBase(new EventConfig().priorities(3));
        List<String> order = new ArrayList<>();
        Event same = base.newUserEvent((ev, w) -> order.add("same"));
        Event lower = base.newUserEvent((ev, w) -> order.add("lower"));
        Event first = base.newUserEvent((ev, w) -> {
            order.add("first");
            lower.activate(Ev.READ);
            same.activate(Ev.READ);
        });
        Event second = base.newUserEvent((ev, w) -> order.add("second"));
        first.priority(1);
        second.priority(1);
        same.priority(1);
        lower.priority(2);
        first.activate(Ev.READ);
        second.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(List.of("first", "second", "same", "lower"), order);
    }

    @Test
    void shouldRejectPriorityOutOfRangeAndChangeWhileActive() {
        EventBase base = newBase(new EventConfig().priorities(2));
        Event e = base.newUserEvent((ev, w) -> { });
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> e.priority(2));
        assertTrue(bad.getMessage().contains("priorities"), bad.getMessage());
        e.activate(Ev.READ);
        assertThrows(IllegalStateException.class, () -> e.priority(0));
    }

    @Test
    void shouldPassActivationBitsAndMergeRepeatedActivations() {
        EventBase base = newBase();
        List<Integer> whats = new ArrayList<>();
        Event e = base.newUserEvent((ev, w) -> whats.add(w));
        e.activate(Ev.READ);
        e.activate(Ev.WRITE);
        assertEquals(Ev.READ | Ev.WRITE, e.pending(Ev.READ | Ev.WRITE));
        dispatchWithin(base);
        assertEquals(List.of(Ev.READ | Ev.WRITE), whats);
    }

    @Test
    void shouldRunOnceCallbackExactlyOnce() {
        EventBase base = newBase();
        int[] n = {0};
        base.once(null, Ev.TIMEOUT, Duration.ofMillis(5), (ev, w) -> {
            assertEquals(Ev.TIMEOUT, w);
            n[0]++;
        });
        assertEquals(1, base.pendingCount());
        assertEquals(1, dispatchWithin(base));
        assertEquals(1, n[0]);
        assertEquals(0, base.pendingCount());
        assertThrows(IllegalArgumentException.class,
                () -> base.once(null, Ev.PERSIST, Duration.ZERO, (ev, w) -> { }));
    }

    @Test
    void shouldExitAfterDelayWithPendingEvents() {
        EventBase base = newBase();
        Event forever = base.newEvent(null, Ev.PERSIST, (ev, w) -> { });
        forever.add(Duration.ofMillis(2));
        long start = System.nanoTime();
        base.loopExit(Duration.ofMillis(30));
        assertEquals(0, dispatchWithin(base));
        assertTrue(base.gotExit());
        assertFalse(base.gotBreak());
        assertTrue(System.nanoTime() - start >= 30_000_000L);
    }

    @Test
    void shouldFinishActivePassOnExitButNotOnBreak() {
        EventBase base = newBase();
        List<String> ran = new ArrayList<>();
        Event a = base.newUserEvent((ev, w) -> {
            ran.add("a");
            ev.base().loopExit();
        });
        Event b = base.newUserEvent((ev, w) -> ran.add("b"));
        a.activate(Ev.READ);
        b.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(List.of("a", "b"), ran, "loopExit lets the current pass finish");

        ran.clear();
        Event c = base.newUserEvent((ev, w) -> {
            ran.add("c");
            ev.base().loopBreak();
        });
        Event d = base.newUserEvent((ev, w) -> ran.add("d"));
        c.activate(Ev.READ);
        d.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(List.of("c"), ran, "loopBreak stops after the running callback");
        assertTrue(base.gotBreak());
        assertEquals(Ev.READ, d.pending(Ev.READ), "d is still active for the next loop");
        dispatchWithin(base);
        assertEquals(List.of("c", "d"), ran);
        assertFalse(base.gotBreak(), "flags are reset when a loop starts");
    }

    @Test
    void shouldPollAgainAfterLoopContinue() {
        EventBase base = newBase(new EventConfig().priorities(2));
        List<String> ran = new ArrayList<>();
        Event second = base.newUserEvent((ev, w) -> ran.add("second"));
        Event urgent = base.newTimer((ev, w) -> ran.add("urgent"));
        urgent.priority(0);
        Event first = base.newUserEvent((ev, w) -> {
            ran.add("first");
            urgent.add(Duration.ZERO); // due now, but only seen after a poll
            ev.base().loopContinue();
        });
        first.priority(1);
        second.priority(1);
        first.activate(Ev.READ);
        second.activate(Ev.READ);
        dispatchWithin(base);
        // without loopContinue, "second" would run in the same pass, before the poll that finds "urgent"
        assertEquals(List.of("first", "urgent", "second"), ran);
    }

    @Test
    void shouldReturnAfterOnePassWithOnceFlag() {
        EventBase base = newBase();
        int[] n = {0};
        Event tick = base.newEvent(null, Ev.PERSIST, (ev, w) -> n[0]++);
        tick.add(Duration.ofMillis(1));
        assertEquals(0, loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10)));
        assertEquals(1, n[0]);
        assertTrue(tick.isPending());
    }

    @Test
    void shouldNotBlockWithNonblockFlag() {
        EventBase base = newBase();
        Event later = base.newTimer((ev, w) -> { });
        later.add(Duration.ofSeconds(60));
        long start = System.nanoTime();
        assertEquals(0, loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10)));
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "NONBLOCK waited for the timer");
        assertTrue(later.isPending());
    }

    @Test
    void shouldKeepRunningWhenEmptyWithNoExitOnEmpty() {
        EventBase base = newBase();
        Thread other = new Thread(() -> {
            base.execute(() -> base.newTimer((ev, w) -> base.loopExit()).add(Duration.ofMillis(5)));
        });
        base.execute(other::start); // start only once the loop runs
        assertEquals(0, loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10)));
        assertTrue(base.gotExit());
    }

    @Test
    void shouldReturnOneWhenNothingIsPending() {
        EventBase base = newBase();
        assertEquals(1, dispatchWithin(base));
    }

    @Test
    void shouldAllowRemoveAndReaddInsideOwnCallback() {
        EventBase base = newBase();
        int[] n = {0};
        Event e = base.newEvent(null, Ev.PERSIST, (ev, w) -> {
            n[0]++;
            ev.remove();
            assertFalse(ev.isPending());
            if (n[0] < 3) {
                ev.add(Duration.ofMillis(1));
            }
        });
        e.add(Duration.ofMillis(1));
        dispatchWithin(base);
        assertEquals(3, n[0]);
    }

    @Test
    void shouldNotRunCallbackOfEventRemovedByEarlierCallback() {
        EventBase base = newBase();
        boolean[] ran = {false};
        Event victim = base.newUserEvent((ev, w) -> ran[0] = true);
        Event killer = base.newUserEvent((ev, w) -> victim.remove());
        killer.activate(Ev.READ);
        victim.activate(Ev.READ);
        dispatchWithin(base);
        assertFalse(ran[0]);
    }

    @Test
    void shouldKeepLoopAliveWhenCallbackThrows() {
        EventBase base = newBase();
        AtomicReference<Throwable> seen = new AtomicReference<>();
        AtomicReference<Event> seenEvent = new AtomicReference<>();
        base.setCallbackErrorHandler((ev, t) -> {
            seen.set(t);
            seenEvent.set(ev);
        });
        Event bad = base.newUserEvent((ev, w) -> { throw new IllegalStateException("boom"); });
        boolean[] after = {false};
        Event good = base.newTimer((ev, w) -> after[0] = true);
        bad.activate(Ev.READ);
        good.add(Duration.ofMillis(5));
        dispatchWithin(base);
        assertEquals("boom", seen.get().getMessage());
        assertSame(bad, seenEvent.get());
        assertTrue(after[0], "the loop went on after the exception");
    }

    @Test
    void shouldRethrowCallbackExceptionWhenConfigured() {
        EventBase base = newBase(new EventConfig().rethrowCallbackErrors(true));
        Event bad = base.newUserEvent((ev, w) -> { throw new IllegalStateException("boom"); });
        bad.activate(Ev.READ);
        IllegalStateException e = assertThrows(IllegalStateException.class, base::dispatch);
        assertEquals("boom", e.getMessage());
        assertEquals(1, dispatchWithin(base), "the base is usable after a rethrow");
    }

    @Test
    void shouldRejectAddOfClosedEventAndReentrantLoop() {
        EventBase base = newBase();
        Event e = base.newTimer((ev, w) -> { });
        e.add(Duration.ofSeconds(5));
        e.close();
        e.close(); // idempotent
        assertFalse(e.isPending());
        IllegalStateException ex = assertThrows(IllegalStateException.class, () -> e.add(Duration.ZERO));
        assertTrue(ex.getMessage().contains("closed"), ex.getMessage());

        AtomicReference<Throwable> reentrant = new AtomicReference<>();
        base.newTimer((ev, w) -> {
            try {
                base.dispatch();
            } catch (IllegalStateException t) {
                reentrant.set(t);
            }
        }).add(Duration.ZERO);
        dispatchWithin(base);
        assertTrue(reentrant.get() != null && reentrant.get().getMessage().contains("already running"));
    }

    @Test
    void shouldRejectMisusedFlagsWithClearMessages() {
        EventBase base = newBase();
        IllegalArgumentException noHandle = assertThrows(IllegalArgumentException.class,
                () -> base.newEvent(null, Ev.READ, (ev, w) -> { }));
        assertTrue(noHandle.getMessage().contains("needs a handle"), noHandle.getMessage());
        assertThrows(IllegalArgumentException.class, () -> base.newEvent(null, Ev.SIGNAL, (ev, w) -> { }));
        assertThrows(IllegalArgumentException.class, () -> base.newEvent(null, 0x4000, (ev, w) -> { }));
        assertThrows(IllegalArgumentException.class, () -> base.loop(0x100));
    }

    @Test
    void shouldLimitCallbacksPerPassWithMaxDispatch() {
        // one callback per pass for priorities >= 1: a priority-0 timer due now gets in between
        EventBase limited = newBase(new EventConfig().priorities(2).maxDispatch(null, 1, 1));
        assertEquals(List.of("spin", "timer", "spin", "spin", "spin", "spin"), spinWithTimer(limited));
        // control: with no limit the whole queue, re-activations included, runs in one pass
        EventBase unlimited = newBase(new EventConfig().priorities(2));
        assertEquals(List.of("spin", "spin", "spin", "spin", "spin", "timer"), spinWithTimer(unlimited));
    }

    @Test
    void shouldPollAndFireDueTimersWhileAnEventKeepsActivatingItself() {
        // with no maxDispatch limit: an event that activates itself from its callback (as a socket writer refilling
        // its output does) must still let the loop poll and run a due timer after a bounded number of its runs
        EventBase base = newBase();
        int spins = 1000;
        int bound = 64; // generous: the library's default share is 16 runs per pass
        int[] n = {0};
        long[] lastPass = {-1};
        int[] runsThisPass = {0};
        int[] maxRunsPerPass = {0};
        int[] timerFiredAt = {-1};
        Event timer = base.newTimer((ev, w) -> timerFiredAt[0] = n[0]);
        Event spinner = base.newUserEvent((ev, w) -> {
            long pass = base.pollCount();
            runsThisPass[0] = pass == lastPass[0] ? runsThisPass[0] + 1 : 1;
            lastPass[0] = pass;
            maxRunsPerPass[0] = Math.max(maxRunsPerPass[0], runsThisPass[0]);
            if (n[0]++ == 0) {
                timer.add(Duration.ZERO);
            }
            if (n[0] < spins) {
                ev.activate(Ev.READ);
            }
        });
        spinner.activate(Ev.READ);
        dispatchWithin(base);
        assertEquals(spins, n[0], "the spinner's runs");
        assertTrue(maxRunsPerPass[0] <= bound, "[" + backendName() + "] one event ran " + maxRunsPerPass[0]
                + " times in one loop pass (at most " + bound + " expected): it held the loop");
        assertTrue(timerFiredAt[0] >= 1 && timerFiredAt[0] <= bound, "[" + backendName() + "] a due timer fired"
                + " after " + timerFiredAt[0] + " runs of an event that keeps activating itself (at most " + bound
                + " expected)");
    }

    private static List<String> spinWithTimer(EventBase base) {
        List<String> ran = new ArrayList<>();
        Event timer = base.newTimer((ev, w) -> ran.add("timer"));
        timer.priority(0);
        int[] n = {0};
        Event spinner = base.newUserEvent((ev, w) -> {
            ran.add("spin");
            if (n[0] == 0) {
                timer.add(Duration.ZERO);
            }
            if (++n[0] < 5) {
                ev.activate(Ev.READ);
            }
        });
        spinner.priority(1);
        spinner.activate(Ev.READ);
        dispatchWithin(base);
        return ran;
    }

    /** Polls a loop may make while it waits for one timer: a few wake-ups, never one per spin. */
    private static final long FEW_POLLS = 50;

    @Test
    void shouldWaitWithoutSpinningAndKeepInterruptStatusWhenLoopThreadIsInterrupted() {
        EventBase base = newBase();
        List<Boolean> interruptedInCallback = new ArrayList<>();
        long[] polls = new long[2];
        base.newTimer((ev, w) -> {
            interruptedInCallback.add(Thread.currentThread().isInterrupted());
            polls[0] = base.pollCount();
            Thread.currentThread().interrupt(); // a callback may interrupt its own thread too
        }).add(Duration.ofMillis(150));
        base.newTimer((ev, w) -> {
            interruptedInCallback.add(Thread.currentThread().isInterrupted());
            polls[1] = base.pollCount();
        }).add(Duration.ofMillis(300));
        long start = System.nanoTime();
        long before = base.pollCount();
        Thread.currentThread().interrupt();
        boolean keptAfterDispatch;
        try {
            assertEquals(1, dispatchWithin(base));
        } finally {
            keptAfterDispatch = Thread.interrupted(); // and clears it for the next test on this thread
        }
        assertTrue(System.nanoTime() - start >= 300_000_000L, "the loop ended before its timers were due");
        assertEquals(List.of(true, true), interruptedInCallback, "callbacks see the thread's interrupt status");
        assertTrue(keptAfterDispatch, "the interrupt status was lost by the loop");
        assertTrue(polls[0] - before <= FEW_POLLS,
                "interrupted before dispatch, the loop polled " + (polls[0] - before) + " times in 150 ms: it spins");
        assertTrue(polls[1] - polls[0] <= FEW_POLLS,
                "interrupted by a callback, the loop polled " + (polls[1] - polls[0]) + " times in 150 ms: it spins");
    }

    @Test
    void shouldKeepServingTasksWithoutSpinningWhenInterruptedFromAnotherThread() throws InterruptedException {
        EventBase base = newBase();
        Thread loopThread = Thread.currentThread();
        java.util.concurrent.CountDownLatch interrupted = new java.util.concurrent.CountDownLatch(1);
        boolean[] taskRan = {false};
        long[] pollsAfterInterrupt = {-1};
        long[] pollsAtEnd = {-1};
        Thread other = new Thread(() -> {
            loopThread.interrupt();
            interrupted.countDown();
            base.execute(() -> { // a task from another thread still wakes the interrupted loop
                taskRan[0] = true;
                pollsAfterInterrupt[0] = base.pollCount();
            });
        }, "interrupter");
        base.newTimer((ev, w) -> pollsAtEnd[0] = base.pollCount()).add(Duration.ofMillis(300));
        base.execute(other::start); // once the loop runs
        boolean kept;
        try {
            assertEquals(1, dispatchWithin(base));
        } finally {
            kept = Thread.interrupted();
        }
        other.join(10_000);
        assertEquals(0, interrupted.getCount(), "the other thread did not run");
        assertTrue(taskRan[0], "the task given after the interrupt did not run");
        assertTrue(kept, "the interrupt status was lost by the loop");
        long polls = pollsAtEnd[0] - pollsAfterInterrupt[0];
        assertTrue(polls <= FEW_POLLS, "interrupted, the loop polled " + polls + " times waiting for a timer: it spins");
    }

    @Test
    void shouldDumpAndListPendingEvents() throws IOException {
        EventBase base = newBase();
        Event t = base.newTimer((ev, w) -> { });
        t.add(Duration.ofSeconds(30));
        Event u = base.newUserEvent((ev, w) -> { });
        u.activate(Ev.WRITE);
        StringBuilder sb = new StringBuilder();
        base.dumpEvents(sb);
        assertTrue(sb.toString().contains("1 pending, 1 active"), sb.toString());
        assertTrue(sb.toString().contains("active WRITE"), sb.toString());
        List<Event> all = new ArrayList<>();
        base.forEachEvent(all::add);
        assertEquals(2, all.size());
        assertTrue(all.contains(t) && all.contains(u));
    }
}
