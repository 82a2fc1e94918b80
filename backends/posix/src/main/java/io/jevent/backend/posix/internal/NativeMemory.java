package io.jevent.backend.posix.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.reflect.Field;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Native memory we own, as direct {@link ByteBuffer}s in native byte order (so Java reads structs with
 * {@code getInt}/{@code getLong}, no JNA call per field), and their addresses for the direct-mapped calls.
 *
 * <p>{@link #address(ByteBuffer)} must not allocate: it is called for every buffer of every readv/writev. It reads
 * the private {@code java.nio.Buffer.address} field through {@code sun.misc.Unsafe} (module jdk.unsupported;
 * netty's trick). If that is refused, it falls back to {@link Native#getDirectBufferPointer}, which allocates a
 * {@link Pointer} per call; the fallback is logged once at debug.
 */
public final class NativeMemory {
    private static final Logger LOG = LoggerFactory.getLogger(NativeMemory.class);

    /** {@code sun.misc.Unsafe}, or null when the fast path is unavailable. */
    private static final sun.misc.Unsafe UNSAFE;
    /** Offset of {@code Buffer.address} in a buffer object; meaningful only when {@link #UNSAFE} is set. */
    private static final long ADDRESS_OFFSET;

    static {
        sun.misc.Unsafe unsafe = null;
        long offset = -1;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = (sun.misc.Unsafe) f.get(null);
            offset = unsafe.objectFieldOffset(Buffer.class.getDeclaredField("address"));
            ByteBuffer probe = ByteBuffer.allocateDirect(1);
            if (unsafe.getLong(probe, offset) != Pointer.nativeValue(Native.getDirectBufferPointer(probe))) {
                throw new IllegalStateException("Buffer.address does not hold the direct buffer's address");
            }
        } catch (Throwable t) {
            LOG.debug("direct buffer addresses through JNA (allocates per call): Unsafe path unavailable", t);
            unsafe = null;
        }
        UNSAFE = unsafe;
        ADDRESS_OFFSET = offset;
    }

    private NativeMemory() {
    }

    /** A zeroed direct buffer of {@code size} bytes in native byte order. */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    /**
     * The address of a direct buffer's first byte (index 0, not its position).
     *
     * @throws IllegalArgumentException if {@code buffer} is not direct
     */
    public static long address(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("expected a direct ByteBuffer, got " + buffer);
        }
        if (UNSAFE != null) {
            return UNSAFE.getLong(buffer, ADDRESS_OFFSET);
        }
        return Pointer.nativeValue(Native.getDirectBufferPointer(buffer));
    }

    /** Whether {@link #address} runs without allocating. */
    public static boolean hasFastAddress() {
        return UNSAFE != null;
    }
}
