package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The table behind the accept results, against a map as the model. */
class AcceptedSocketsTest {
    /** Positive: put a new socket; negative: take the |n|-th index handed out (taken or not). */
    @Property(tries = 200)
    void shouldHandBackEachSocketOnceAndCloseWhatWasNeverTaken(
            @ForAll @Size(max = 100) List<@IntRange(min = -40, max = 3) Integer> ops) {
        AcceptedSockets t = new AcceptedSockets();
        Map<Integer, Long> model = new HashMap<>();
        List<Integer> handedOut = new ArrayList<>();
        long next = 1L << 33; // SOCKETs past 32 bits survive
        for (int op : ops) {
            if (op > 0) {
                long s = next++;
                int i = t.put(s, (int) (s & 1) == 0 ? 2 : 23);
                assertEquals((int) (s & 1) == 0 ? 2 : 23, t.family(i));
                assertEquals(null, model.put(i, s), "index " + i + " handed out twice");
                handedOut.add(i);
            } else if (!handedOut.isEmpty()) {
                int i = handedOut.get(-op % handedOut.size());
                Long expected = model.remove(i);
                if (expected == null) {
                    assertThrows(IllegalArgumentException.class, () -> t.take(i));
                } else {
                    assertEquals(expected.longValue(), t.take(i));
                }
            }
            assertEquals(model.size(), t.size());
        }
        List<Long> closed = new ArrayList<>();
        t.closeAll(closed::add);
        assertEquals(model.size(), closed.size());
        assertEquals(new java.util.HashSet<>(model.values()), new java.util.HashSet<>(closed));
        assertEquals(0, t.size());
        assertThrows(IllegalArgumentException.class, () -> t.put(-1L, 2));
    }
}
