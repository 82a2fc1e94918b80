package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** The hand-off ring from dequeuer threads to a loop: a model check on one thread, and a bounded multi-producer run. */
class CompletionRingTest {
    /** Offers (positive) and drains (0) against a FIFO of bounded size: the ring behaves as the model does. */
    @Property(tries = 200)
    void shouldBehaveAsABoundedFifo(@ForAll @Size(max = 200) List<@IntRange(min = 0, max = 5) Integer> ops,
            @ForAll @IntRange(min = 1, max = 4) int log2) {
        int cap = 1 << log2;
        CompletionRing ring = new CompletionRing(cap);
        ArrayDeque<long[]> model = new ArrayDeque<>();
        long next = 0;
        for (int op : ops) {
            if (op > 0) {
                for (int i = 0; i < op; i++) {
                    long ud = next++;
                    boolean accepted = ring.offer(ud, ~ud);
                    assertEquals(model.size() < cap, accepted);
                    if (accepted) {
                        model.add(new long[] {ud, ~ud});
                    }
                }
            } else {
                List<long[]> got = new ArrayList<>();
                ring.drain((u, v) -> got.add(new long[] {u, v}));
                assertEquals(model.size(), got.size());
                for (long[] g : got) {
                    long[] m = model.poll();
                    assertEquals(m[0], g[0]);
                    assertEquals(m[1], g[1]);
                }
            }
            assertEquals(model.isEmpty(), ring.isEmpty());
        }
    }

    @Test
    void shouldDeliverEveryCompletionOfFourProducersOnceAndInEachProducersOrder() throws Exception {
        CompletionRing ring = new CompletionRing(64);
        int producers = 4;
        int each = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final long id = p;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (long i = 0; i < each; i++) {
                    while (!ring.offer((id << 32) | i, i * 3)) {
                        Thread.onSpinWait();
                    }
                }
            });
            t.start();
            threads.add(t);
        }
        long[] nextOf = new long[producers];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int[] total = {0};
        start.countDown();
        while (total[0] < producers * each && System.nanoTime() < deadline) {
            total[0] += ring.drain((u, v) -> {
                int p = (int) (u >>> 32);
                long i = u & 0xffff_ffffL;
                assertEquals(nextOf[p], i, "producer " + p + " out of order");
                assertEquals(i * 3, v);
                nextOf[p]++;
            });
        }
        for (Thread t : threads) {
            t.join(10_000);
            assertFalse(t.isAlive());
        }
        assertEquals(producers * each, total[0]);
        assertTrue(ring.isEmpty());
    }
}
