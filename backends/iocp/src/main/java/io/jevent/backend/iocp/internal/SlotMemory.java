package io.jevent.backend.iocp.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Long-lived native memory per operation slot ({@link io.jevent.spi.OperationTable}'s slots), holding what the kernel
 * reads or writes while the operation is in flight: the OVERLAPPED first (so that its address is the slot's address),
 * then whatever the engine lays out after it (WSABUFs, a sockaddr, flags).
 *
 * <p><b>Address to slot without allocation.</b> Slot {@code s} lives at {@code base(chunk) + (s - first(chunk)) *
 * stride}. Chunks double in size (64, 128, 256, ... slots), so that at most about 26 chunks ever exist and
 * {@link #slotOf} is a short scan; a chunk is never moved or freed while the engine lives, so an address the kernel
 * holds stays valid. Besides, the engine writes each operation's user data at {@link #USER_DATA}, right after the
 * OVERLAPPED, so that whoever dequeues the completion reads it from there.
 *
 * <p>Grows on the loop thread ({@link #ensure}); {@link #slotOf} and the reads of {@link #USER_DATA} by other threads
 * see only chunks published before the operations whose addresses they were given.
 */
public final class SlotMemory {
    /** Offset, in a slot, of the operation's user data (a long), right after the OVERLAPPED. */
    public static final int USER_DATA = OverlappedLayout.SIZE;
    /** The first chunk's slots. */
    static final int FIRST_CHUNK = 64;

    private final int stride;
    /** Chunk k holds slots [first(k), first(k) + (FIRST_CHUNK << k)). Replaced, never modified, when it grows. */
    private volatile Memory[] chunks = new Memory[0];
    private volatile ByteBuffer[] views = new ByteBuffer[0];
    private volatile long[] bases = new long[0];

    /**
     * Empty memory for slots of {@code stride} bytes.
     *
     * @param stride bytes per slot, a multiple of 8 and at least {@code OVERLAPPED + user data} (40)
     */
    public SlotMemory(int stride) {
        if (stride < USER_DATA + 8 || stride % 8 != 0) {
            throw new IllegalArgumentException("expected a stride >= " + (USER_DATA + 8) + " and a multiple of 8, got "
                    + stride);
        }
        this.stride = stride;
    }

    /** Bytes per slot. */
    public int stride() {
        return stride;
    }

    /** The chunk that holds slot {@code s}: {@code floor(log2(s / 64 + 1))}. */
    static int chunkOf(int s) {
        return 31 - Integer.numberOfLeadingZeros(s / FIRST_CHUNK + 1);
    }

    /** The first slot of chunk {@code k}. */
    static int firstOf(int k) {
        return FIRST_CHUNK * ((1 << k) - 1);
    }

    /** Makes sure slot {@code s} has memory. Loop thread. */
    public void ensure(int s) {
        int k = chunkOf(s);
        Memory[] c = chunks;
        if (k < c.length) {
            return;
        }
        int n = k + 1;
        Memory[] nc = Arrays.copyOf(c, n);
        ByteBuffer[] nv = Arrays.copyOf(views, n);
        long[] nb = Arrays.copyOf(bases, n);
        for (int i = c.length; i < n; i++) {
            long size = (long) (FIRST_CHUNK << i) * stride;
            Memory m = new Memory(size);
            m.clear();
            nc[i] = m;
            nv[i] = m.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
            nb[i] = Pointer.nativeValue(m);
        }
        views = nv;
        bases = nb;
        chunks = nc; // last: a reader that sees the chunk sees its view and base
    }

    /** The view of the chunk holding slot {@code s} (native order); index it with {@link #offset}. */
    public ByteBuffer view(int s) {
        return views[chunkOf(s)];
    }

    /** The offset of slot {@code s} in its chunk's {@link #view}. */
    public int offset(int s) {
        return (s - firstOf(chunkOf(s))) * stride;
    }

    /** The address of slot {@code s} (its OVERLAPPED). */
    public long address(int s) {
        int k = chunkOf(s);
        return bases[k] + (long) (s - firstOf(k)) * stride;
    }

    /**
     * The slot whose memory starts at {@code address}, or {@code -1} if none does (an address that is not a slot's,
     * such as a posted packet's 0). Any thread.
     */
    public int slotOf(long address) {
        long[] b = bases;
        for (int k = 0; k < b.length; k++) {
            long off = address - b[k];
            long size = (long) (FIRST_CHUNK << k) * stride;
            if (off >= 0 && off < size) {
                return off % stride == 0 ? firstOf(k) + (int) (off / stride) : -1;
            }
        }
        return -1;
    }

    /** Slots with memory (for tests). */
    public int capacity() {
        return firstOf(chunks.length);
    }

    /** Frees the memory. Only once no operation can use it (the engine's close, after its port is closed). */
    public void free() {
        for (Memory m : chunks) {
            m.close();
        }
        chunks = new Memory[0];
        views = new ByteBuffer[0];
        bases = new long[0];
    }
}
