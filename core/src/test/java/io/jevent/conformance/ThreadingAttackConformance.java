package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the owner rule: the hand-off monitor against the application's own locks, and owner actions queued
 * by other threads when the base closes before a loop runs them.
 */
public abstract class ThreadingAttackConformance extends ConformanceBase {

    /**
     * The holder runs a compound operation (runIfOwner) that takes an application lock; another thread holding
     * that lock activates an event of the base. That thread can never act at once (it is not the owner), so it
     * must queue without waiting for the holder's monitor: waiting is a lock-order inversion, a deadlock.
     */
    @Test
    void shouldNotMakeANonOwnerWaitForTheHoldersCompoundOperation() throws Exception {
        EventBase base = newBase();
        AtomicInteger fired = new AtomicInteger();
        Event ev = base.newUserEvent((e, w) -> fired.incrementAndGet());
        ReentrantLock appLock = new ReentrantLock();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch locked = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread other = new Thread(() -> {
            appLock.lock();
            try {
                locked.countDown();
                inside.await(10, TimeUnit.SECONDS);
                ev.activate(Ev.READ); // from a thread that does not own the base: queued
            } catch (Throwable t) {
                failure.set(t);
            } finally {
                appLock.unlock();
            }
        }, "app-thread");
        other.setDaemon(true);
        other.start();
        assertTrue(locked.await(10, TimeUnit.SECONDS));
        AtomicBoolean got = new AtomicBoolean();
        boolean ran = base.runIfOwner(() -> {
            inside.countDown();
            try {
                got.set(appLock.tryLock(5, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (got.get()) {
                appLock.unlock();
            }
        });
        assertTrue(ran, "the creating thread owns the base before any loop");
        other.join(10_000);
        assertNull(failure.get(), () -> "the other thread threw " + failure.get());
        assertTrue(got.get(), "deadlock: the thread activating the event waited for the holder's monitor while"
                + " holding the lock the holder's operation needed");
        dispatchWithin(base);
        assertEquals(1, fired.get(), "the queued activation runs on the next loop");
    }

    /**
     * Another thread closes an event while no loop runs (queued), then the base closes: the close is carried out,
     * so the event reads as closed on every thread, including in its dump line.
     */
    @Test
    void shouldCarryOutAQueuedEventCloseWhenTheBaseClosesFirst() throws Exception {
        EventBase base = newBase();
        Event ev = base.newTimer((e, w) -> { });
        ev.add(java.time.Duration.ofSeconds(30));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                ev.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "closer");
        closer.start();
        closer.join(10_000);
        assertFalse(closer.isAlive());
        assertNull(failure.get(), () -> "close() from another thread threw " + failure.get());
        base.close();
        assertTrue(ev.isClosed());
        assertFalse(ev.isPending());
        assertTrue(ev.toString().contains("closed"), () -> "the close was never carried out: " + ev);
    }
}
