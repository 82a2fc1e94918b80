package io.jevent.backend.posix.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.lang.ref.WeakReference;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Native memory we own, as direct {@link ByteBuffer}s in native byte order (so Java reads structs with
 * {@code getInt}/{@code getLong}, no JNA call per field), and their addresses for the direct-mapped calls.
 *
 * <p>{@link #address(ByteBuffer)} must not allocate: it is called for every buffer of every readv/writev and every
 * posted io_uring read or write. The JDK keeps a direct buffer's address in a private field that only
 * {@code sun.misc.Unsafe} or an {@code --add-opens} could read, and JDK 24 and later warn about (and will remove)
 * the former; JNA's {@link Native#getDirectBufferPointer} allocates a {@code Pointer} per call. So the address is
 * found once per buffer and remembered:
 * <ul>
 *   <li>a miss asks the C library: {@code memset(buffer, 0, 0)} writes nothing and returns its first argument,
 *       which JNA's direct mapping passes as the buffer's address plus its position (≈200 ns, no allocation);</li>
 *   <li>the answer goes into a direct-mapped cache keyed by the buffer's identity; an entry is a weak reference
 *       (so the cache never keeps a buffer alive) carrying the address, immutable once published, so loop threads
 *       of several bases may race on a slot and at worst miss again.</li>
 * </ul>
 * The buffers that reach the hot paths are long-lived (pooled EvBuffer segments and their reusable views, engine
 * memory), so after warm-up every lookup is a hit: an identity hash, an array read and a {@code get()}.
 */
public final class NativeMemory {
    /** Cache slots; a power of two. Enough for the segments of thousands of busy connections. */
    private static final int CACHE_SLOTS = 1 << 13;
    /** Remembered addresses, indexed by a mix of the buffer's identity hash. */
    private static final Entry[] CACHE = new Entry[CACHE_SLOTS];

    static {
        Native.register(NativeMemory.class, Platform.C_LIBRARY_NAME);
    }

    private NativeMemory() {
    }

    /** {@code memset(3)} used only with {@code n == 0}: it returns {@code s}, the buffer's address plus position. */
    private static native long memset(Buffer s, int c, long n);

    /** A zeroed direct buffer of {@code size} bytes in native byte order. */
    public static ByteBuffer allocate(int size) {
        return ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
    }

    /**
     * The address of a direct buffer's first byte (index 0, not its position). Allocates nothing once the buffer
     * has been seen; the first call for a buffer allocates one small cache entry.
     *
     * @param buffer a direct buffer
     * @return its base address
     * @throws IllegalArgumentException if {@code buffer} is not direct
     */
    public static long address(ByteBuffer buffer) {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("expected a direct ByteBuffer, got " + buffer);
        }
        int slot = slot(buffer);
        Entry e = CACHE[slot];
        if (e != null && e.get() == buffer) {
            return e.address;
        }
        // The buffer belongs to the calling thread here, so its position cannot move during the call.
        int position = buffer.position();
        long address = memset(buffer, 0, 0) - position;
        CACHE[slot] = new Entry(buffer, address);
        return address;
    }

    private static int slot(ByteBuffer buffer) {
        int h = System.identityHashCode(buffer);
        return (h ^ (h >>> 13)) & (CACHE_SLOTS - 1);
    }

    /** A remembered address; immutable, so publishing it through a plain array store is safe. */
    private static final class Entry extends WeakReference<ByteBuffer> {
        final long address;

        Entry(ByteBuffer buffer, long address) {
            super(buffer);
            this.address = address;
        }
    }
}
