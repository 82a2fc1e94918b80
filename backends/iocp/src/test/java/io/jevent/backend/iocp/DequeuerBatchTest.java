package io.jevent.backend.iocp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.backend.iocp.internal.OverlappedEntryLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How a dequeuer hands one batch of {@code OVERLAPPED_ENTRY}s over, decoded from entries laid out as
 * {@code GetQueuedCompletionStatusEx} leaves them (platform-independent: no port is involved).
 */
class DequeuerBatchTest {
    /** Records what it is handed, in order ("h:overlapped:bytes", "wake"). */
    private static final class Recorder implements Dequeuer.Target {
        final List<String> log = new ArrayList<>();

        @Override
        public void handOff(long overlapped, long bytes) {
            log.add("h:" + overlapped + ":" + bytes);
        }

        @Override
        public void wakeLoop() {
            log.add("wake");
        }
    }

    private static ByteBuffer entries(int n) {
        return ByteBuffer.allocate(n * OverlappedEntryLayout.SIZE).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void shouldHandOverTheEntriesAfterAStopPacketBeforeStopping() {
        // a completion that came after the stop packet, in the same batch, is off the port already: dropping it
        // would leave its operation with the kernel for ever (the closing base then waits out its close timeout)
        Recorder a = new Recorder();
        ByteBuffer b = entries(4);
        OverlappedEntryLayout.put(b, 0, 0, 7, 0x1000, 5);
        OverlappedEntryLayout.put(b, 0, 1, Dequeuer.STOP_KEY, 0, 0);
        OverlappedEntryLayout.put(b, 0, 2, 7, 0x2000, 0);
        OverlappedEntryLayout.put(b, 0, 3, Dequeuer.WAKE_KEY, 0, 0);
        assertTrue(Dequeuer.dispatch(b, 4, k -> k == 7 ? a : null));
        assertEquals(List.of("h:4096:5", "h:8192:0", "wake"), a.log);
    }

    @Test
    void shouldWakeEachTargetAfterItsRunAndDropWakePacketsAndUnknownKeys() {
        Recorder a = new Recorder();
        Recorder c = new Recorder();
        ByteBuffer b = entries(5);
        OverlappedEntryLayout.put(b, 0, 0, 1, 0x10, 1);
        OverlappedEntryLayout.put(b, 0, 1, 1, 0x20, 0xffff_ffffL);
        OverlappedEntryLayout.put(b, 0, 2, Dequeuer.WAKE_KEY, 0, 0);
        OverlappedEntryLayout.put(b, 0, 3, 9, 0x30, 3); // a base gone
        OverlappedEntryLayout.put(b, 0, 4, 2, 0x40, 4);
        assertFalse(Dequeuer.dispatch(b, 5, k -> k == 1 ? a : k == 2 ? c : null));
        assertEquals(List.of("h:16:1", "h:32:4294967295", "wake"), a.log);
        assertEquals(List.of("h:64:4", "wake"), c.log);
    }
}
