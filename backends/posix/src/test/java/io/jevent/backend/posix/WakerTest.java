package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.Timeouts;
import io.jevent.backend.posix.internal.Waker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WakerTest {
    @BeforeAll
    static void available() {
        assumeTrue(Posix.isAvailable(), () -> "posix unavailable: " + Posix.unavailabilityCause());
    }

    @Test
    void shouldCoalesceManyWakeupsFromManyThreadsIntoOneEventfdWrite() throws Exception {
        try (Waker w = Waker.eventFd()) {
            hammer(w);
            ByteBuffer counter = NativeMemory.allocate(8);
            assertEquals(8, LibC.read(w.readFd(), NativeMemory.address(counter), 8));
            assertEquals(1L, counter.getLong(0), "eventfd counter: number of writes");
        }
    }

    @Test
    void shouldCoalesceManyWakeupsIntoOnePipeByte() throws Exception {
        try (Waker w = Waker.pipe()) {
            hammer(w);
            ByteBuffer bytes = NativeMemory.allocate(64);
            assertEquals(1, LibC.read(w.readFd(), NativeMemory.address(bytes), 64));
        }
    }

    @Test
    void shouldWriteAgainAfterDrain() throws IOException {
        try (Waker w = Waker.eventFd()) {
            w.wakeup();
            w.drain();
            ByteBuffer counter = NativeMemory.allocate(8);
            assertEquals(-1, LibC.read(w.readFd(), NativeMemory.address(counter), 8), "drained: EAGAIN");
            w.wakeup();
            assertEquals(8, LibC.read(w.readFd(), NativeMemory.address(counter), 8));
        }
    }

    @Test
    void shouldRoundTimeoutsUpToWholeMilliseconds() {
        assertEquals(-1, Timeouts.toMillisRoundUp(-5));
        assertEquals(0, Timeouts.toMillisRoundUp(0));
        assertEquals(1, Timeouts.toMillisRoundUp(1));
        assertEquals(1, Timeouts.toMillisRoundUp(1_000_000));
        assertEquals(2, Timeouts.toMillisRoundUp(1_000_001));
        assertEquals(Integer.MAX_VALUE, Timeouts.toMillisRoundUp(Long.MAX_VALUE));
    }

    private static void hammer(Waker w) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            threads[t] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 1000; i++) {
                    w.wakeup();
                }
            });
            threads[t].start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
    }
}
