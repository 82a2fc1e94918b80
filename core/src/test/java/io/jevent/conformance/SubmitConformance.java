package io.jevent.conformance;

import io.jevent.EventBase;
import io.jevent.LoopFlag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link EventBase#submit}: a loop-thread task with a result. It runs on the loop thread, never inside the caller,
 * completes with the result or the exception, never stays pending on a closed base, and what its dependents do never
 * reaches the loop.
 */
public abstract class SubmitConformance extends ConformanceBase {

    /** Runs {@code base}'s loop on a thread of its own until {@code base.loopExit()}; returns the thread. */
    private static Thread runLoop(EventBase base, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "submit-loop");
        t.start();
        return t;
    }

    @Test
    void shouldRunSubmittedTasksFromOtherThreadsOnTheLoopThreadWithTheirResults() throws Exception {
        EventBase base = newBase();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop = runLoop(base, failure);
        int threads = 4;
        int perThread = 2_000;
        List<List<CompletableFuture<Integer>>> results = new ArrayList<>();
        List<Thread> producers = new ArrayList<>();
        AtomicInteger offLoop = new AtomicInteger();
        int[] counter = {0}; // touched only on the loop thread
        for (int p = 0; p < threads; p++) {
            List<CompletableFuture<Integer>> mine = new ArrayList<>();
            results.add(mine);
            int id = p;
            producers.add(new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    int v = id * perThread + i;
                    mine.add(base.submit(() -> {
                        if (Thread.currentThread() != loop) {
                            offLoop.incrementAndGet();
                        }
                        counter[0]++;
                        return v * 2;
                    }));
                }
            }));
        }
        producers.forEach(Thread::start);
        for (Thread t : producers) {
            t.join();
        }
        int checked = 0;
        for (int p = 0; p < threads; p++) {
            for (int i = 0; i < perThread; i++) {
                assertEquals((p * perThread + i) * 2, results.get(p).get(i).get(20, TimeUnit.SECONDS));
                checked++;
            }
        }
        assertEquals(threads * perThread, checked);
        CompletableFuture<Integer> count = base.submit(() -> counter[0]);
        assertEquals(threads * perThread, count.get(20, TimeUnit.SECONDS), "every task ran once");
        base.loopExit();
        loop.join(20_000);
        assertEquals(0, offLoop.get(), "tasks that ran off the loop thread");
        assertEquals(null, failure.get());
    }

    @Test
    void shouldCompleteOnTheLoopThreadSoDependentsAddedBeforeRunThere() throws Exception {
        EventBase base = newBase();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Thread> dependentOn = new AtomicReference<>();
        AtomicReference<Thread> loopThread = new AtomicReference<>();
        CountDownLatch dependentRan = new CountDownLatch(1);
        CompletableFuture<String> f = base.submit(() -> {
            ranOn.set(Thread.currentThread());
            return "x";
        });
        f.thenRun(() -> {
            dependentOn.set(Thread.currentThread());
            dependentRan.countDown();
        });
        Thread loop = new Thread(() -> {
            loopThread.set(Thread.currentThread());
            dispatchWithin(base);
        }, "submit-loop");
        loop.start();
        // waits on the latch, not in f.get(): a thread blocked in get() may run the dependents itself (as
        // CompletableFuture allows), which is what the Javadoc warns about, not what this test is about
        assertTrue(dependentRan.await(20, TimeUnit.SECONDS));
        assertEquals("x", f.getNow(null));
        loop.join(20_000);
        assertSame(loop, ranOn.get(), "the task ran on " + ranOn.get());
        assertSame(loop, dependentOn.get(), "a dependent added before completion ran on " + dependentOn.get());
    }

    @Test
    void shouldQueueATaskSubmittedOnTheLoopThreadBehindTheRunningCallback() {
        EventBase base = newBase();
        List<String> order = new ArrayList<>();
        CompletableFuture<?>[] inner = new CompletableFuture<?>[1];
        base.execute(() -> {
            inner[0] = base.submit(() -> {
                order.add("task");
                return null;
            });
            order.add("after submit");
            assertFalse(inner[0].isDone(), "submit ran the task inside the calling callback");
        });
        dispatchWithin(base);
        assertEquals(List.of("after submit", "task"), order);
        assertTrue(inner[0].isDone() && !inner[0].isCompletedExceptionally());
    }

    @Test
    void shouldCompleteExceptionallyWithWhatTheTaskThrowsAndKeepTheLoopGoing() throws Exception {
        EventBase base = newBase();
        AtomicInteger handlerCalls = new AtomicInteger();
        base.setCallbackErrorHandler((ev, t) -> handlerCalls.incrementAndGet());
        IllegalStateException boom = new IllegalStateException("boom");
        CompletableFuture<Object> failed = base.submit(() -> {
            throw boom;
        });
        CompletableFuture<Integer> checked = base.submit(() -> {
            throw new java.io.IOException("checked");
        });
        CompletableFuture<Integer> after = base.submit(() -> 7);
        dispatchWithin(base);
        ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(0, TimeUnit.SECONDS));
        assertSame(boom, e.getCause());
        ExecutionException c = assertThrows(ExecutionException.class, () -> checked.get(0, TimeUnit.SECONDS));
        assertInstanceOf(java.io.IOException.class, c.getCause());
        assertEquals(7, after.get(0, TimeUnit.SECONDS), "the task behind the failing ones ran");
        assertEquals(0, handlerCalls.get(), "the futures carry the exceptions; the error handler is not told");
    }

    @Test
    void shouldKeepTheLoopRunningWhenADependentStageThrows() throws Exception {
        EventBase base = newBase();
        AtomicInteger handlerCalls = new AtomicInteger();
        base.setCallbackErrorHandler((ev, t) -> handlerCalls.incrementAndGet());
        CompletableFuture<Integer> first = base.submit(() -> 1);
        CompletableFuture<Void> thrower = first.thenAccept(v -> {
            throw new IllegalStateException("dependent fails");
        });
        CompletableFuture<Void> errorThrower = first.thenAccept(v -> {
            throw new AssertionError("dependent throws an Error");
        });
        CompletableFuture<Integer> second = base.submit(() -> 2);
        AtomicBoolean timerRan = new AtomicBoolean();
        base.once(null, io.jevent.Ev.TIMEOUT, Duration.ofMillis(1), (ev, w) -> timerRan.set(true));
        dispatchWithin(base);
        assertEquals(2, second.get(0, TimeUnit.SECONDS));
        assertTrue(timerRan.get(), "the loop went on to the timer");
        CompletionException ce = assertThrows(CompletionException.class, thrower::join);
        assertEquals("dependent fails", ce.getCause().getMessage());
        assertInstanceOf(AssertionError.class, assertThrows(CompletionException.class, errorThrower::join).getCause());
        assertEquals(0, handlerCalls.get());
    }

    @Test
    void shouldFailASubmitOnAClosedBaseWithoutRunningIt() {
        EventBase base = newBase();
        base.close();
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<Boolean> f = base.submit(() -> ran.getAndSet(true));
        assertTrue(f.isCompletedExceptionally(), "a submit to a closed base must fail at once, not hang");
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.SECONDS));
        assertInstanceOf(RejectedExecutionException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
        assertFalse(ran.get());
    }

    @Test
    void shouldFailQueuedSubmitsWhenTheBaseClosesBeforeALoopRunsThem() throws Exception {
        EventBase base = newBase();
        AtomicInteger ran = new AtomicInteger();
        List<CompletableFuture<Integer>> fs = new ArrayList<>();
        Thread other = new Thread(() -> {
            for (int i = 0; i < 100; i++) {
                fs.add(base.submit(ran::incrementAndGet));
            }
        });
        other.start();
        other.join();
        base.close();
        for (CompletableFuture<Integer> f : fs) {
            assertTrue(f.isDone(), "a task queued when the base closed must not stay pending");
            ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.SECONDS));
            assertInstanceOf(RejectedExecutionException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("closed before"), e.getCause().getMessage());
        }
        assertEquals(0, ran.get(), "no task may run after its base closed");
    }

    @Test
    void shouldFailEverySubmitRacingClose() throws Exception {
        for (int round = 0; round < 50; round++) {
            EventBase base = newBase();
            List<CompletableFuture<Integer>> fs = java.util.Collections.synchronizedList(new ArrayList<>());
            CountDownLatch go = new CountDownLatch(1);
            Thread submitter = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 200; i++) {
                    fs.add(base.submit(() -> 1));
                }
            });
            submitter.start();
            go.countDown();
            base.close();
            submitter.join(20_000);
            for (CompletableFuture<Integer> f : fs) {
                assertTrue(f.isDone(), "round " + round + ": a submit racing close() stayed pending");
                assertThrows(ExecutionException.class, () -> f.get(0, TimeUnit.SECONDS));
            }
        }
    }

    @Test
    void shouldNotRunATaskWhoseFutureWasCancelledBeforeItRan() {
        EventBase base = newBase();
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<Boolean> f = base.submit(() -> ran.getAndSet(true));
        assertTrue(f.cancel(false));
        dispatchWithin(base);
        assertFalse(ran.get(), "the cancelled task ran");
    }
}
