package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.InFlightWork;
import io.jevent.LoopFlag;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lifetimes around the loop: work in flight off the loop, and events that outlive their base. */
public abstract class LifetimeConformance extends ConformanceBase {

    @Test
    void shouldKeepDispatchRunningUntilWorkInFlightHasFinished() throws Exception {
        EventBase base = newBase();
        InFlightWork work = base.beginWork("a slow computation");
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread helper = new Thread(() -> {
            try {
                release.await();
                work.finish(() -> ranOn.set(Thread.currentThread()));
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "off-loop-worker");
        helper.start();
        // the helper finishes only after this timer: with nothing else pending, dispatch() must still wait for it
        base.newTimer((ev, w) -> release.countDown()).add(Duration.ofMillis(20));
        assertEquals(1, dispatchWithin(base), "dispatch ends once nothing is pending");
        helper.join(10_000);
        assertNull(failure.get());
        assertEquals(Thread.currentThread(), ranOn.get(), "the result runs on the loop thread, before dispatch ends");
        assertTrue(work.isFinished());
        assertEquals(0, base.workInFlight());
    }

    @Test
    void shouldDropAResultThatArrivesAfterTheBaseClosedWithoutThrowing() throws Exception {
        EventBase base = newBase();
        InFlightWork work = base.beginWork("a lookup");
        assertEquals(1, base.workInFlight());
        base.close();
        AtomicBoolean ran = new AtomicBoolean();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread helper = new Thread(() -> {
            try {
                outcome.set(work.finish(() -> ran.set(true)));
            } catch (Throwable t) {
                outcome.set(t);
            }
        }, "late-worker");
        helper.start();
        helper.join(10_000);
        assertEquals(Boolean.FALSE, outcome.get(), "finish() after close is dropped, reported by false");
        assertFalse(ran.get());
        assertThrows(IllegalStateException.class, () -> base.beginWork("too late"));
    }

    @Test
    void shouldRefuseToFinishWorkTwice() {
        EventBase base = newBase();
        InFlightWork work = base.beginWork("once");
        work.finish(() -> { });
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> work.finish(() -> { }));
        assertTrue(twice.getMessage().contains("once"), twice.getMessage());
        dispatchWithin(base);
        assertEquals(0, base.workInFlight());
    }

    @Test
    void shouldCloseAndRemoveEventsAfterTheirBaseClosedWithoutThrowing() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        Event read = base.newEvent(pair[0], Ev.READ | Ev.PERSIST, (ev, w) -> { });
        Event write = base.newEvent(pair[0], Ev.WRITE | Ev.PERSIST, (ev, w) -> { });
        Event timer = base.newTimer((ev, w) -> { });
        Event user = base.newUserEvent((ev, w) -> { });
        read.add();
        write.add(Duration.ofSeconds(30));
        timer.add(Duration.ofSeconds(30));
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10)); // registered with the backend
        user.activate(Ev.READ);
        base.close();
        read.remove();
        write.close();
        timer.close();
        user.activate(Ev.READ); // nothing can run it any more: ignored
        user.close();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            try {
                read.close();
                read.remove();
                timer.remove();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "closer");
        other.start();
        other.join(10_000);
        assertNull(failure.get(), () -> "closing from another thread threw " + failure.get());
        for (Event e : new Event[] {read, write, timer, user}) {
            assertTrue(e.isClosed(), e::toString);
            assertEquals(0, e.pending(Ev.READ | Ev.WRITE | Ev.TIMEOUT), e::toString);
        }
        assertThrows(IllegalStateException.class, () -> timer.add(Duration.ofSeconds(1)));
        // the handle is the caller's: closing it now releases it, and the peer sees the end of the stream
        netOps().close(pair[0]);
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(16)};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        do {
            dst[0].clear();
            n = netOps().read(pair[1], dst, 0, 1);
        } while (n < 0 && System.nanoTime() < deadline);
        assertEquals(0, n, "the peer reads the end of the stream");
    }

    /**
     * A release registered with {@code onClose} (what waits on a timer of the base to let go of a descriptor) runs at
     * close, after the backend closed, on the closing thread; one taken back first does not; one registered on a
     * closed base runs at once. A failing one goes to the error handler and the others still run.
     */
    @Test
    void shouldRunTheReleasesRegisteredForCloseAndNotThoseTakenBack() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        java.util.List<String> ran = new java.util.ArrayList<>();
        AtomicReference<Throwable> reported = new AtomicReference<>();
        base.setCallbackErrorHandler((ev, e) -> reported.set(e));
        Event linger = base.newTimer((ev, w) -> ran.add("timer")); // the timer a release would have waited for
        linger.add(Duration.ofHours(1));
        Runnable takenBack = () -> ran.add("taken back");
        base.onClose(() -> {
            ran.add("release on " + Thread.currentThread().getName() + ", closed " + base.isClosed());
            try {
                netOps().close(pair[0]);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        base.onClose(() -> {
            throw new IllegalStateException("a failing release");
        });
        base.onClose(takenBack);
        assertTrue(base.removeOnClose(takenBack));
        assertFalse(base.removeOnClose(takenBack), "taken back once");
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        assertEquals(java.util.List.of(), ran, "nothing runs before close");
        base.close();
        assertEquals(java.util.List.of("release on " + Thread.currentThread().getName() + ", closed true"), ran);
        assertEquals("a failing release", reported.get() == null ? null : reported.get().getMessage());
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(16)};
        assertEquals(0, netOps().read(pair[1], dst, 0, 1), "the peer sees the end of the stream: released");
        AtomicBoolean late = new AtomicBoolean();
        base.onClose(() -> late.set(true));
        assertTrue(late.get(), "registered on a closed base: runs at once");
        base.close(); // idempotent: nothing runs twice
        assertEquals(1, ran.size());
    }
}
