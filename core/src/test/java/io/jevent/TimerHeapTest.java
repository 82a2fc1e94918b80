package io.jevent;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The timer heap against java.util.PriorityQueue, under random pushes, removals and pops. */
class TimerHeapTest {

    private static Event timer(long deadline, long seq) {
        Event e = new Event(null, null, 0, (ev, w) -> { }, -1, null, 0);
        e.deadline = deadline;
        e.seq = seq;
        return e;
    }

    @Property(tries = 200)
    void shouldPopInDeadlineThenSequenceOrderLikePriorityQueue(
            @ForAll @Size(max = 300) List<@IntRange(min = 0, max = 50) Integer> deadlines,
            @ForAll long seed) {
        TimerHeap heap = new TimerHeap();
        Comparator<Event> order = Comparator.<Event>comparingLong(e -> e.deadline).thenComparingLong(e -> e.seq);
        PriorityQueue<Event> model = new PriorityQueue<>(order);
        Random rnd = new Random(seed);
        List<Event> live = new ArrayList<>();
        long seq = 0;
        for (int d : deadlines) {
            Event e = timer(d, seq++);
            heap.push(e);
            model.add(e);
            live.add(e);
            if (rnd.nextInt(4) == 0 && !live.isEmpty()) {
                Event victim = live.remove(rnd.nextInt(live.size()));
                heap.remove(victim);
                model.remove(victim);
                assertEquals(-1, victim.heapIndex);
            }
            assertTrue(heap.isValid());
        }
        assertEquals(model.size(), heap.size());
        while (!model.isEmpty()) {
            assertSame(model.poll(), heap.pop());
            assertTrue(heap.isValid());
        }
        assertEquals(null, heap.pop());
    }

    @Property(tries = 50)
    void shouldIgnoreRemovalOfEventNotInHeap(@ForAll @IntRange(min = 1, max = 40) int n) {
        TimerHeap heap = new TimerHeap();
        for (int i = 0; i < n; i++) {
            heap.push(timer(i, i));
        }
        Event outsider = timer(5, 999);
        heap.remove(outsider);
        assertEquals(n, heap.size());
        assertTrue(heap.isValid());
    }
}
