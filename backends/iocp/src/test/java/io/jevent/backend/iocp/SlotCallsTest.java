package io.jevent.backend.iocp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jevent.backend.iocp.internal.WsaBufLayout;
import io.jevent.backend.posix.internal.NativeMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The gather list a send lays out in its slot (platform-independent: nothing is sent). */
class SlotCallsTest {
    private static ByteBuffer slot() {
        return ByteBuffer.allocate(SlotCalls.MAX_BUFS * WsaBufLayout.SIZE).order(ByteOrder.nativeOrder());
    }

    @Test
    void shouldListTheRemainingBytesOfEachNonEmptyBuffer() {
        ByteBuffer a = ByteBuffer.allocateDirect(10).position(3);
        ByteBuffer empty = ByteBuffer.allocateDirect(4).position(4);
        ByteBuffer c = ByteBuffer.allocateDirect(8).limit(5);
        ByteBuffer m = slot();
        assertEquals(2, SlotCalls.gather(m, 0, new ByteBuffer[] {empty, a, empty, c}, 1, 3));
        assertEquals(NativeMemory.address(a) + 3, WsaBufLayout.buf(m, 0, 0));
        assertEquals(7, WsaBufLayout.len(m, 0, 0));
        assertEquals(NativeMemory.address(c), WsaBufLayout.buf(m, 0, 1));
        assertEquals(5, WsaBufLayout.len(m, 0, 1));
    }

    @Test
    void shouldNeverListMoreBytesThanACompletionResultCanReport() {
        // a completion's result is an int: a send of more than 2^31 - 1 bytes would complete with a clamped count,
        // and the layer above would send the bytes past it a second time. The views below are never read.
        try (Memory backing = new Memory(16)) {
            Pointer p = new Pointer(Pointer.nativeValue(backing)); // a plain Pointer: no bounds check
            ByteBuffer huge1 = p.getByteBuffer(0, Integer.MAX_VALUE);
            ByteBuffer huge2 = p.getByteBuffer(0, Integer.MAX_VALUE);
            ByteBuffer small = p.getByteBuffer(0, 16);
            ByteBuffer m = slot();
            int n = SlotCalls.gather(m, 0, new ByteBuffer[] {small, huge1, huge2}, 0, 3);
            long total = 0;
            for (int i = 0; i < n; i++) {
                total += WsaBufLayout.len(m, 0, i);
            }
            assertEquals(Integer.MAX_VALUE, total);
            assertEquals(16, WsaBufLayout.len(m, 0, 0));
            assertEquals(Integer.MAX_VALUE - 16, WsaBufLayout.len(m, 0, 1));
        }
    }
}
