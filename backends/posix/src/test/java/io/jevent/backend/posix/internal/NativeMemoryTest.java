package io.jevent.backend.posix.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NativeMemoryTest {

    private static long jna(ByteBuffer b) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(b));
    }

    @Test
    void shouldGiveTheBaseAddressWhateverThePosition() {
        ByteBuffer b = ByteBuffer.allocateDirect(64);
        b.position(13);
        assertEquals(jna(b), NativeMemory.address(b));
        b.position(40);
        assertEquals(jna(b), NativeMemory.address(b), "a cached address must not depend on the position");
        ByteBuffer slice = b.slice();
        assertEquals(jna(b) + 40, NativeMemory.address(slice));
        ByteBuffer readOnly = b.asReadOnlyBuffer();
        readOnly.position(5);
        assertEquals(jna(b), NativeMemory.address(readOnly));
    }

    @Test
    void shouldStayRightForManyBuffersSharingCacheSlots() {
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < 40_000; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(8);
            b.position(i % 8);
            buffers.add(b);
        }
        for (int round = 0; round < 2; round++) {
            for (ByteBuffer b : buffers) {
                assertEquals(jna(b), NativeMemory.address(b));
            }
        }
    }

    @Test
    void shouldNotAllocateForABufferAlreadySeen() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        ByteBuffer[] bs = {ByteBuffer.allocateDirect(16), ByteBuffer.allocateDirect(16).slice()};
        long sum = 0;
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 100_000; i++) {
                sum += NativeMemory.address(bs[i & 1]);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (allocated < 1024) {
                assertTrue(sum != 0);
                return;
            }
            if (round == 2) {
                throw new AssertionError("100,000 lookups allocated " + allocated + " bytes");
            }
        }
    }

    @Test
    void shouldRefuseHeapBuffers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeMemory.address(ByteBuffer.allocate(4)));
        assertTrue(e.getMessage().contains("direct"), e.getMessage());
    }
}
