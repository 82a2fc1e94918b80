package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Attacks on the lifetime of handles and of the base's registrations, found by reading the descriptor-lifetime
 * change: a socket whose descriptor outlives its handle's {@code close} (a call still in flight on another thread, a
 * duplicate of the descriptor) must not reach, through a registration the base has forgotten, the events of
 * another socket that was given the forgotten registration's token; and a handle closed on another thread while the
 * loop changes its interest is a refused registration, never an exception out of the loop.
 */
public abstract class LifetimeAttackConformance extends ConformanceBase {

    private long write(Handle h, String s) throws IOException {
        return netOps().write(h, new ByteBuffer[] {ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))}, 0, 1);
    }

    /**
     * A system call on {@code h} under way on another thread: between the backend's {@code acquire()} and
     * {@code release()} of the handle. Only {@link FdHandle}s have such a window; for other handles this does
     * nothing.
     */
    private static final class CallInFlight implements AutoCloseable {
        private final CountDownLatch started = new CountDownLatch(1);
        private final CountDownLatch finish = new CountDownLatch(1);
        private final Thread thread;
        private volatile Throwable failure;
        /** Whether the call was the last user of a handle closed meanwhile: then it closed the descriptor. */
        private volatile boolean closedIt;

        CallInFlight(Handle h, NetOps ops) throws InterruptedException {
            if (!(h instanceof FdHandle)) {
                thread = null;
                return;
            }
            FdHandle fh = (FdHandle) h;
            thread = new Thread(() -> {
                try {
                    int fd = fh.acquire();
                    started.countDown();
                    finish.await();
                    if (fh.release()) {
                        closedIt = true;
                        ops.close(new FdHandle(fd)); // what the backend does when its call ends after a close
                    }
                } catch (Throwable t) {
                    failure = t;
                    started.countDown();
                }
            }, "call-in-flight");
            thread.start();
            assertTrue(started.await(10, TimeUnit.SECONDS), "the call did not start");
            if (failure != null) {
                throw new AssertionError("the call could not start", failure);
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (thread != null) {
                finish.countDown();
                thread.join(10_000);
                if (failure != null) {
                    throw new AssertionError("the call in flight failed", failure);
                }
            }
        }
    }

    /**
     * Counts the calls of an event on a socket nobody writes to: any READ it gets came from somewhere else.
     */
    private static final class Silent {
        int fired;
        int what;

        void on(Event ev, int w) {
            fired++;
            what |= w;
        }

        void assertNeverFired(String why) {
            assertEquals(0, fired, "an event on a socket nobody wrote to fired " + fired + " times ("
                    + Ev.toString(what) + "): " + why);
        }
    }

    @Test
    void shouldNotRouteASocketClosedDuringAnotherThreadsCallToTheEventThatGotItsToken() throws Exception {
        EventBase base = newBase();
        Handle[] p = socketPair();
        Event old = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> { });
        old.add();
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // registered with the backend
        Silent fresh = new Silent();
        try (CallInFlight call = new CallInFlight(p[0], netOps())) {
            write(p[1], "never read"); // p[0] stays readable: a registration left for it is reported on every poll
            netOps().close(p[0]); // dead at once; the descriptor lives until the call in flight ends
            old.remove(); // the base forgets the dead handle, and its token is free for the next one
            Handle[] q = socketPair();
            base.newEvent(q[0], Ev.READ | Ev.PERSIST, fresh::on).add();
            base.loopExit(Duration.ofMillis(300));
            loopWithin(base, 0, Duration.ofSeconds(10));
        }
        fresh.assertNeverFired("the readiness of a socket closed while another thread's call was in flight");
    }

    @Test
    void shouldNotRouteASocketWhoseDescriptorIsDuplicatedToTheEventThatGotItsToken() throws Exception {
        Handle[] p = socketPair();
        Handle dup = Descriptors.duplicate(p[0]);
        Assumptions.assumeTrue(dup != null, () -> "[" + backendName() + "] cannot duplicate " + p[0]);
        closeLater(dup);
        EventBase base = newBase();
        write(p[1], "never read");
        int[] oneShot = {0};
        base.once(p[0], Ev.READ, null, (ev, w) -> {
            oneShot[0]++;
            try {
                netOps().close(p[0]); // libevent's pattern: the one-shot's callback closes its descriptor
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(5));
        assertEquals(1, oneShot[0]);
        base.newTimer((ev, w) -> { }).add(Duration.ofSeconds(60)); // keeps the next pass from ending at once
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // the one-shot's batched removal: token free
        Silent fresh = new Silent();
        Handle[] q = socketPair();
        base.newEvent(q[0], Ev.READ | Ev.PERSIST, fresh::on).add();
        base.loopExit(Duration.ofMillis(300));
        loopWithin(base, 0, Duration.ofSeconds(10));
        fresh.assertNeverFired("the readiness of a closed handle's socket, still open through a duplicate");
    }

    /**
     * Another thread closes handles while the loop thread keeps changing their interest (remove, add, poll): each
     * change either goes through or meets a dead handle, which the base reports to the events; nothing escapes
     * {@code remove()} or the loop. The window is a few instructions wide, so this runs many closes, for about 3 s.
     */
    @Test
    void shouldTreatAHandleClosedOnAnotherThreadDuringAnInterestChangeAsRefused() throws Exception {
        EventBase base = newBase();
        BlockingQueue<Handle> toClose = new LinkedBlockingQueue<>();
        AtomicReference<Throwable> closerFailed = new AtomicReference<>();
        Thread closer = new Thread(() -> {
            try {
                while (true) {
                    netOps().close(toClose.take());
                }
            } catch (InterruptedException done) {
                // end of the test
            } catch (Throwable t) {
                closerFailed.set(t);
            }
        }, "closer");
        closer.setDaemon(true);
        closer.start();
        int perRound = 16;
        int closes = 0;
        long end = System.nanoTime() + 3_000_000_000L;
        try {
            while (System.nanoTime() < end) {
                List<Handle> handles = new ArrayList<>();
                List<Event> events = new ArrayList<>();
                try {
                    for (int i = 0; i < perRound; i++) {
                        Handle[] p = netOps().socketPair();
                        handles.add(p[0]);
                        handles.add(p[1]);
                        Event e = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> ev.remove());
                        e.add();
                        events.add(e);
                    }
                    loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // all registered
                    for (Event e : events) {
                        toClose.add(e.handle());
                    }
                    boolean anyOpen = true;
                    long giveUp = System.nanoTime() + 10_000_000_000L;
                    while (anyOpen && closerFailed.get() == null) { // until all are closed, change their interest
                        assertTrue(System.nanoTime() < giveUp, "the closer did not close the handles in 10 s");
                        anyOpen = false;
                        for (Event e : events) {
                            anyOpen |= e.handle().isOpen();
                            e.remove(); // sent to the backend at once
                            e.add();
                        }
                        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // the adds, sent before the poll
                    }
                    closes += perRound;
                } finally {
                    for (Event e : events) {
                        e.close();
                    }
                    for (Handle h : handles) {
                        netOps().close(h); // a no-op for those the closer closed
                    }
                }
                assertTrue(closerFailed.get() == null, () -> "the closer failed: " + closerFailed.get());
            }
        } catch (RuntimeException e) {
            throw new AssertionError("after " + closes + " closes: a handle closed on another thread during an"
                    + " interest change escaped as " + e, e);
        } finally {
            closer.interrupt();
            closer.join(10_000);
        }
    }
}
