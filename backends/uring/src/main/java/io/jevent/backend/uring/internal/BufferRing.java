package io.jevent.backend.uring.internal;

import com.sun.jna.Pointer;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.NativeMemory;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}): buffers the kernel picks from only when bytes arrive
 * for a receive posted with {@code IOSQE_BUFFER_SELECT}, so a connection waiting to read holds no buffer of its own.
 *
 * <p>The ring is an array of {@code io_uring_buf} entries (address, length, id) in page-aligned memory we map; we add
 * entries at the tail (a {@code u16} free-running counter, stored with release semantics after the entry is written,
 * as with the SQ tail), the kernel takes them at its head. Buffer {@code i} is bytes {@code [i*size, (i+1)*size)} of
 * one direct buffer, and its id is {@code i}; each has a reusable view, so handing one out allocates nothing.
 *
 * <p>Loop thread only.
 */
public final class BufferRing implements AutoCloseable {
    /** The ring's tail, a {@code u16} read and written with acquire/release through this view. */
    private static final VarHandle SHORT =
            MethodHandles.byteBufferViewVarHandle(short[].class, ByteOrder.nativeOrder());
    private static final long PAGE = 4096;

    private final Ring uring;
    private final int groupId;
    private final int entries;
    private final int bufferSize;
    private final long ringAddress;
    private final long ringBytes;
    private final ByteBuffer ringMemory;
    private final ByteBuffer memory;
    private final long memoryAddress;
    private final ByteBuffer[] views;
    private final ByteBuffer status = NativeMemory.allocate(BufRingLayout.STATUS_SIZE);
    private int tail;
    private boolean closed;

    /**
     * Maps and registers a ring of {@code entries} buffers of {@code bufferSize} bytes under {@code groupId}, all of
     * them given to the kernel.
     *
     * @param entries a power of two, at most 32768
     */
    public BufferRing(Ring uring, int groupId, int entries, int bufferSize) throws IOException {
        if (Integer.bitCount(entries) != 1 || entries > 32768) {
            throw new IllegalArgumentException("expected a power of two <= 32768 buffer ring entries, got " + entries);
        }
        if (bufferSize <= 0) {
            throw new IllegalArgumentException("expected a buffer size > 0, got " + bufferSize);
        }
        this.uring = uring;
        this.groupId = groupId;
        this.entries = entries;
        this.bufferSize = bufferSize;
        ringBytes = ((long) entries * BufRingLayout.ENTRY_SIZE + PAGE - 1) / PAGE * PAGE;
        ringAddress = mapAnonymous(ringBytes);
        ringMemory = new Pointer(ringAddress).getByteBuffer(0, ringBytes).order(ByteOrder.nativeOrder());
        int rc = registerRing(uring, ringAddress, entries, groupId);
        if (rc < 0) {
            UringNative.munmap(ringAddress, ringBytes);
            throw Errors.errnoException("io_uring_register(PBUF_RING)", -rc);
        }
        memory = NativeMemory.allocate(Math.multiplyExact(entries, bufferSize));
        memoryAddress = NativeMemory.address(memory);
        views = new ByteBuffer[entries];
        for (int i = 0; i < entries; i++) {
            views[i] = memory.slice(i * bufferSize, bufferSize);
            add(i);
        }
        SHORT.setRelease(ringMemory, BufRingLayout.TAIL, (short) tail);
    }

    /**
     * Whether this kernel has provided-buffer rings: registers and unregisters a one-entry ring.
     *
     * @return {@code null} if it has, else the reason
     */
    public static Throwable probe(Ring uring) {
        long at;
        try {
            at = mapAnonymous(PAGE);
        } catch (IOException e) {
            return e;
        }
        try {
            int rc = registerRing(uring, at, 1, 0);
            if (rc < 0) {
                return new IllegalStateException("io_uring lacks provided-buffer rings (IORING_REGISTER_PBUF_RING,"
                        + " kernel 5.19): " + Errors.name(-rc));
            }
            unregisterRing(uring, 0);
            return null;
        } finally {
            UringNative.munmap(at, PAGE);
        }
    }

    private static long mapAnonymous(long bytes) throws IOException {
        long at = UringNative.mmap(0, bytes, UringNative.PROT_RW, UringNative.MAP_PRIVATE | UringNative.MAP_ANONYMOUS,
                -1, 0);
        if (at == UringNative.MAP_FAILED) {
            throw Errors.errnoException("mmap(buffer ring)", Errors.errno());
        }
        return at;
    }

    private static int registerRing(Ring uring, long ringAddress, int entries, int groupId) {
        ByteBuffer reg = NativeMemory.allocate(BufRingLayout.REG_SIZE);
        reg.putLong(BufRingLayout.REG_RING_ADDR, ringAddress);
        reg.putInt(BufRingLayout.REG_RING_ENTRIES, entries);
        reg.putShort(BufRingLayout.REG_BGID, (short) groupId);
        return uring.register(UringNative.REGISTER_PBUF_RING, NativeMemory.address(reg), 1);
    }

    private static void unregisterRing(Ring uring, int groupId) {
        ByteBuffer reg = NativeMemory.allocate(BufRingLayout.REG_SIZE);
        reg.putShort(BufRingLayout.REG_BGID, (short) groupId);
        uring.register(UringNative.UNREGISTER_PBUF_RING, NativeMemory.address(reg), 1);
    }

    /** The buffer group id, for {@code sqe->buf_group}. */
    public int groupId() {
        return groupId;
    }

    /** The size of each buffer. */
    public int bufferSize() {
        return bufferSize;
    }

    /** The number of buffers. */
    public int entries() {
        return entries;
    }

    /** Buffer {@code id}'s reusable view, position 0 and limit {@code length}. */
    public ByteBuffer view(int id, int length) {
        ByteBuffer v = views[id];
        v.clear().limit(length);
        return v;
    }

    /** Gives buffer {@code id} back to the kernel. */
    public void recycle(int id) {
        add(id);
        SHORT.setRelease(ringMemory, BufRingLayout.TAIL, (short) tail);
    }

    private void add(int id) {
        int at = (tail & (entries - 1)) * BufRingLayout.ENTRY_SIZE;
        ringMemory.putLong(at + BufRingLayout.ENTRY_ADDR, memoryAddress + (long) id * bufferSize);
        ringMemory.putInt(at + BufRingLayout.ENTRY_LEN, bufferSize);
        ringMemory.putShort(at + BufRingLayout.ENTRY_BID, (short) id);
        tail = (tail + 1) & 0xffff;
    }

    /**
     * Buffers the kernel may still pick: our tail minus the kernel's head ({@code IORING_REGISTER_PBUF_STATUS},
     * kernel 6.8), or {@code -1} if the kernel cannot tell. For tests.
     */
    public int available() {
        status.putInt(BufRingLayout.STATUS_BUF_GROUP, groupId);
        int rc = uring.register(UringNative.REGISTER_PBUF_STATUS, NativeMemory.address(status), 1);
        if (rc < 0) {
            return -1;
        }
        int head = status.getInt(BufRingLayout.STATUS_HEAD) & 0xffff;
        return (tail - head) & 0xffff;
    }

    /** Unregisters and unmaps the ring; the buffers' memory goes with the garbage collector. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            unregisterRing(uring, groupId);
            UringNative.munmap(ringAddress, ringBytes);
        }
    }
}
