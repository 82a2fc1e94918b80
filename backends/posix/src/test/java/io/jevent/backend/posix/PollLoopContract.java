package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.jevent.Ev;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * What the loop needs of every readiness backend's poll: a wake-up from another thread ends a blocking poll (a burst
 * of them coalesced and drained), and a loop of updates and polls allocates nothing. Implemented by a
 * {@link ReadinessFixture}: {@link ReadinessContract} (so poll, epoll and io_uring) and kqueue's test.
 */
public interface PollLoopContract {
    /** The opened backend (a {@link ReadinessFixture} answers itself). */
    ReadinessFixture fixture();

    @Test
    default void shouldInterruptBlockingPollOnWakeupFromAnotherThread() throws Exception {
        ReadinessFixture f = fixture();
        CountDownLatch aboutToPoll = new CountDownLatch(1);
        Thread waker = new Thread(() -> {
            try {
                aboutToPoll.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < 100; i++) {
                f.readiness.wakeup(); // coalesced: one write
            }
        });
        waker.start();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            aboutToPoll.countDown();
            assertEquals(0, f.readiness.poll(-1, f.rec), "a wakeup reports no handle");
        });
        waker.join();
        // the wakeups were drained: a zero-timeout poll has nothing, and a later wakeup still works
        assertEquals(0, f.rec.pollNow(f.readiness));
        f.readiness.wakeup();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> f.readiness.poll(-1, f.rec));
    }

    @Test
    default void shouldNotAllocateWhilePollingAndUpdating() throws IOException {
        ReadinessFixture f = fixture();
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Handle[] a = f.pair();
        Handle[] b = f.pair();
        f.readiness.update(a[0], 1, 0, Ev.WRITE);
        f.readiness.update(b[0], 2, 0, Ev.WRITE);
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                f.rec.total = 0;
                f.readiness.update(b[0], 2, Ev.WRITE, Ev.READ | Ev.WRITE);
                f.readiness.wakeup();
                f.readiness.poll(0, f.rec);
                f.readiness.update(b[0], 2, Ev.READ | Ev.WRITE, Ev.WRITE);
                f.readiness.poll(0, f.rec); // a backend that applies changes in its poll (kqueue) applies this one
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (allocated < 4096) {
                return;
            }
            if (round == 2) {
                throw new AssertionError("20,000 update/wakeup/poll rounds allocated " + allocated + " bytes");
            }
        }
    }
}
