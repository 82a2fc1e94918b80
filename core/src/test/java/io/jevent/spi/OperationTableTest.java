package io.jevent.spi;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table that names posted operations: a completion reaches the handler of the operation it belongs to, never
 * the handler that took the slot since; memory and handles stay held until the last completion. The engines'
 * conformance suite checks the same through a real kernel; this checks the bookkeeping exhaustively against a
 * model.
 */
class OperationTableTest {
    private final List<Integer> closed = new ArrayList<>();
    private final OperationTable table = new OperationTable(2, closed::add);

    @Test
    void shouldNeverDeliverAStaleCompletionToTheSlotsNextOwner() throws Exception {
        List<String> got = new ArrayList<>();
        long first = table.open(null, null, (r, f, d) -> got.add("first " + r));
        assertTrue(table.complete(first, 7, 0, null));
        long second = table.open(null, null, (r, f, d) -> got.add("second " + r));
        assertEquals(OperationTable.slot(first), OperationTable.slot(second), "the freed slot is reused");
        assertNotEquals(first, second, "under a new generation");
        assertFalse(table.complete(first, -125, 0, null), "the first operation's late completion is dropped");
        assertTrue(table.complete(second, 3, 0, null));
        assertEquals(List.of("first 7", "second 3"), got);
    }

    @Test
    void shouldKeepAMultishotOperationUntilACompletionWithoutMore() throws Exception {
        List<Integer> got = new ArrayList<>();
        long ud = table.open(null, null, (r, f, d) -> got.add(r));
        assertTrue(table.complete(ud, 11, CompletionEngine.MORE, null));
        assertTrue(table.complete(ud, 12, CompletionEngine.MORE, null));
        assertEquals(1, table.inFlight());
        assertTrue(table.complete(ud, -24, 0, null));
        assertEquals(0, table.inFlight());
        assertFalse(table.complete(ud, 13, CompletionEngine.MORE, null));
        assertEquals(List.of(11, 12, -24), got);
    }

    @Test
    void shouldHoldTheDescriptorOfAHandleClosedInFlightUntilItsLastCompletion() throws Exception {
        FdHandle h = new FdHandle(1234);
        long a = table.open(h, null, (r, f, d) -> { });
        long b = table.open(h, null, (r, f, d) -> { });
        assertFalse(h.markClosed(), "operations in flight hold the number");
        assertTrue(table.complete(a, -125, 0, null));
        assertEquals(List.of(), closed);
        assertTrue(table.complete(b, -125, 0, null));
        assertEquals(List.of(1234), closed, "the last completion closes the number, once");
        assertThrows(ClosedChannelException.class, () -> table.open(h, null, (r, f, d) -> { }));
        assertEquals(0, table.inFlight());
    }

    @Test
    void shouldKeepLentMemoryUntilTheCompletionAndLetItGoThen() throws Exception {
        Object memory = new Object();
        long ud = table.open(null, memory, (r, f, d) -> { });
        assertEquals(memory, table.memory(ud));
        table.complete(ud, 1, 0, null);
        assertNull(table.memory(ud));
    }

    @Test
    void shouldKeepTheBuffersOfAGatheringOperationWhenTheCallerReusesItsArrayAndLetThemGoAtItsEnd()
            throws Exception {
        java.nio.ByteBuffer[] array = {java.nio.ByteBuffer.allocateDirect(8), java.nio.ByteBuffer.allocateDirect(8)};
        java.lang.ref.WeakReference<java.nio.ByteBuffer> second = new java.lang.ref.WeakReference<>(array[1]);
        long ud = table.open(null, array, 1, 1, (r, f, d) -> { });
        array[1] = null; // reused by the caller at once
        for (int i = 0; i < 3 && second.get() != null; i++) {
            System.gc();
        }
        assertTrue(second.get() != null, "held by the operation, not through the caller's array");
        table.complete(ud, 8, 0, null);
        for (int i = 0; i < 3 && second.get() != null; i++) {
            System.gc();
        }
        assertNull(second.get(), "let go once the operation ended");
        assertThrows(IndexOutOfBoundsException.class, () -> table.open(null, array, 1, 2, (r, f, d) -> { }));
    }

    @Test
    void shouldDeliverLocalCompletionsLaterNeverInsideThePost() {
        List<Integer> got = new ArrayList<>();
        table.completeLater((r, f, d) -> {
            got.add(r);
            table.completeLater((r2, f2, d2) -> got.add(r2), r); // posted from a handler: the next delivery
        }, -9);
        assertEquals(List.of(), got);
        assertTrue(table.hasLocal());
        assertEquals(1, table.deliverLocal());
        assertEquals(List.of(-9), got);
        assertEquals(1, table.deliverLocal());
        assertEquals(List.of(-9, -9), got);
        assertFalse(table.hasLocal());
        assertEquals(0, table.inFlight());
    }

    @Test
    void shouldRefuseBadArgumentsWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OperationTable(0, fd -> { }));
        assertTrue(e.getMessage().contains("initialSlots > 0"), e.getMessage());
        assertThrows(NullPointerException.class, () -> table.open(null, null, null));
    }

    // ------------------------------------------------------------------------------------------ model-based

    /** One step: 0 open, 1 complete a live op (last), 2 complete a live op with MORE, 3 complete a stale user data. */
    @Property(tries = 500)
    void shouldAgreeWithAModelOfSlotsAndGenerations(@ForAll("steps") List<int[]> steps) throws Exception {
        OperationTable t = new OperationTable(1, fd -> { });
        Map<Long, Integer> live = new HashMap<>(); // user data -> op id
        List<Long> dead = new ArrayList<>();
        List<String> delivered = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        int nextId = 0;
        int maxLive = 0;
        for (int[] s : steps) {
            switch (s[0]) {
                case 0: {
                    int id = nextId++;
                    long ud = t.open(null, "mem" + id, (r, f, d) -> delivered.add(id + ":" + r + ":" + f));
                    assertTrue(ud >= 0, "bit 63 stays clear");
                    assertFalse(live.containsKey(ud) || dead.contains(ud), "user data never repeats while it could"
                            + " still be completed");
                    live.put(ud, id);
                    maxLive = Math.max(maxLive, live.size());
                    break;
                }
                case 1:
                case 2: {
                    if (live.isEmpty()) {
                        break;
                    }
                    long ud = new ArrayList<>(live.keySet()).get(s[1] % live.size());
                    int flags = s[0] == 2 ? CompletionEngine.MORE : 0;
                    assertEquals("mem" + live.get(ud), t.memory(ud));
                    assertTrue(t.complete(ud, s[2], flags, null));
                    expected.add(live.get(ud) + ":" + s[2] + ":" + flags);
                    if (flags == 0) {
                        live.remove(ud);
                        dead.add(ud);
                    }
                    break;
                }
                default: {
                    if (dead.isEmpty()) {
                        break;
                    }
                    long ud = dead.get(s[1] % dead.size());
                    assertFalse(t.complete(ud, s[2], 0, null), "a stale completion is dropped");
                    assertNull(t.memory(ud));
                }
            }
            assertEquals(live.size(), t.inFlight());
            assertEquals(expected, delivered);
        }
        assertTrue(t.capacity() <= Math.max(1, Integer.highestOneBit(Math.max(1, maxLive)) * 2),
                "the table grows only to the peak in flight: capacity " + t.capacity() + ", peak " + maxLive);
    }

    @Provide
    Arbitrary<List<int[]>> steps() {
        Arbitrary<int[]> step = Arbitraries.integers().between(0, 3).flatMap(kind ->
                Arbitraries.integers().between(0, 1000).flatMap(pick ->
                        Arbitraries.integers().between(-130, 65536).map(res -> new int[] {kind, pick, res})));
        return step.list().ofMaxSize(200);
    }
}
