package io.jevent.backend.posix.internal;

import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per-thread native scratch memory, allocated once per thread and reused by every call on it, so that reads,
 * writes and address conversions allocate nothing:
 * <ul>
 *   <li>{@link #iov}: {@link LibC#IOV_MAX} {@code struct iovec}s (16 bytes each: base address, length);</li>
 *   <li>{@link #heapCopy}: where heap {@link ByteBuffer}s are copied through, since the kernel needs native
 *       memory; its size is the system property {@code jevent.posix.heapScratchBytes} (default 65536), read
 *       once;</li>
 *   <li>{@link #addr}: a {@code sockaddr_storage} at 0, a {@code socklen_t}/int slot at {@link #LEN_OFFSET}
 *       (also used for the two ints of pipe2/socketpair and for socket options).</li>
 *   <li>{@link #lastSender} and {@link #lastTarget}: the last datagram sender and target, so a steady peer's address
 *       is decoded and encoded once (encoding copies the address bytes out of the {@code InetAddress}).</li>
 * </ul>
 * A thread pins its scratch for its life (about 80 KiB); loop threads are few and long-lived.
 */
public final class ThreadScratch {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadScratch.class);

    /** Bytes per {@code struct iovec} on LP64. */
    public static final int IOVEC_SIZE = 16;
    /** Offset of the int slot in {@link #addr}. */
    public static final int LEN_OFFSET = SockAddr.STORAGE_SIZE;
    /** Heap copy buffer size, from {@code jevent.posix.heapScratchBytes}. */
    public static final int HEAP_SCRATCH_BYTES;

    static {
        int size = Integer.getInteger("jevent.posix.heapScratchBytes", 65536);
        HEAP_SCRATCH_BYTES = Math.max(size, 1024);
        LOG.debug("jevent.posix.heapScratchBytes = {}", HEAP_SCRATCH_BYTES);
    }

    private static final ThreadLocal<ThreadScratch> CURRENT = ThreadLocal.withInitial(ThreadScratch::new);

    /** The iovec array. */
    public final ByteBuffer iov = NativeMemory.allocate(LibC.IOV_MAX * IOVEC_SIZE);
    /** Address of {@link #iov}. */
    public final long iovAddress = NativeMemory.address(iov);
    /** Copy area for heap buffers. */
    public final ByteBuffer heapCopy = NativeMemory.allocate(HEAP_SCRATCH_BYTES);
    /** Address of {@link #heapCopy}. */
    public final long heapCopyAddress = NativeMemory.address(heapCopy);
    /** A sockaddr_storage followed by an int slot. */
    public final ByteBuffer addr = NativeMemory.allocate(SockAddr.STORAGE_SIZE + 8);
    /** Address of {@link #addr}. */
    public final long addrAddress = NativeMemory.address(addr);
    /** Address of the int slot in {@link #addr}. */
    public final long lenAddress = addrAddress + LEN_OFFSET;

    /** The raw {@code sockaddr} of the last datagram sender decoded on this thread ({@link SockAddr#STORAGE_SIZE}). */
    public final byte[] lastSender = new byte[SockAddr.STORAGE_SIZE];
    /** Valid bytes in {@link #lastSender}; 0 when there is none. */
    public int lastSenderLength;
    /** {@link #lastSender} decoded, returned again while datagrams keep coming from it (no allocation). */
    public java.net.InetSocketAddress lastSenderAddress;

    /** The last datagram target encoded on this thread (compared by identity: the address is immutable). */
    public java.net.InetSocketAddress lastTarget;
    /** {@link #lastTarget} encoded as a {@code sockaddr}, copied back in when it is the target again. */
    public final byte[] lastTargetBytes = new byte[SockAddr.STORAGE_SIZE];
    /** Valid bytes in {@link #lastTargetBytes}. */
    public int lastTargetLength;

    private ThreadScratch() {
    }

    /** This thread's scratch. */
    public static ThreadScratch get() {
        return CURRENT.get();
    }
}
