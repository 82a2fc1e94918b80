package io.jevent.backend.posix.internal;

import io.jevent.spi.NetOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;

/**
 * One {@code readv}/{@code writev} over an array of {@link ByteBuffer}s, without allocating.
 *
 * <p>Direct buffers go to the kernel in place (their address plus position). Heap buffers are staged through
 * the thread's {@link ThreadScratch#heapCopy}: copied in before a write, copied out after a read. At most
 * {@link LibC#IOV_MAX} buffers and at most {@link ThreadScratch#HEAP_SCRATCH_BYTES} heap bytes go in one call;
 * the rest waits for the next call, which a short count tells the caller to make.
 */
public final class VectorIo {
    private VectorIo() {
    }

    /**
     * Scattering read into the buffers' remaining space, advancing their positions.
     *
     * @return bytes read, {@code 0} at end of stream (or if no buffer has room), or {@link NetOps#WOULD_BLOCK}
     */
    public static long read(int fd, ByteBuffer[] dsts, int offset, int length) throws IOException {
        return transfer(fd, dsts, offset, length, false);
    }

    /**
     * Gathering write from the buffers' remaining bytes, advancing their positions.
     *
     * @return bytes written, or {@link NetOps#WOULD_BLOCK}
     */
    public static long write(int fd, ByteBuffer[] srcs, int offset, int length) throws IOException {
        return transfer(fd, srcs, offset, length, true);
    }

    /**
     * One system call over the buffers: read(2)/write(2) for a single buffer (the kernel is spared the iovec
     * copy-in, a few % of its time on small messages), readv(2)/writev(2) for several.
     */
    private static long transfer(int fd, ByteBuffer[] bufs, int offset, int length, boolean write)
            throws IOException {
        checkBounds(bufs, offset, length);
        ThreadScratch s = ThreadScratch.get();
        int count = fill(s, bufs, offset, length, write);
        if (count == 0) {
            return 0;
        }
        long n;
        if (count == 1) {
            long base = s.iov.getLong(0);
            long len = s.iov.getLong(8);
            do {
                n = write ? Errors.ioResult("write", LibC.write(fd, base, len))
                        : Errors.ioResult("read", LibC.read(fd, base, len));
            } while (n == Errors.RETRY);
        } else {
            do {
                n = write ? Errors.ioResult("writev", LibC.writev(fd, s.iovAddress, count))
                        : Errors.ioResult("readv", LibC.readv(fd, s.iovAddress, count));
            } while (n == Errors.RETRY);
        }
        if (n > 0) {
            advance(s, bufs, offset, length, n, !write);
        }
        return n;
    }

    /** Fills the iovec array; for a write, copies heap bytes into the scratch. Returns the iovec count. */
    private static int fill(ThreadScratch s, ByteBuffer[] bufs, int offset, int length, boolean forWrite) {
        ByteBuffer iov = s.iov;
        int count = 0;
        int heapUsed = 0;
        int end = offset + length;
        for (int i = offset; i < end && count < LibC.IOV_MAX; i++) {
            ByteBuffer b = bufs[i];
            if (!forWrite && b.isReadOnly()) {
                throw new ReadOnlyBufferException();
            }
            int rem = b.remaining();
            if (rem == 0) {
                continue;
            }
            long address;
            boolean full = false;
            if (b.isDirect()) {
                address = NativeMemory.address(b) + b.position();
            } else {
                int room = ThreadScratch.HEAP_SCRATCH_BYTES - heapUsed;
                if (room == 0) {
                    break;
                }
                if (rem >= room) {
                    rem = room;
                    full = true;
                }
                if (forWrite) {
                    s.heapCopy.put(heapUsed, b, b.position(), rem);
                }
                address = s.heapCopyAddress + heapUsed;
                heapUsed += rem;
            }
            iov.putLong(count * ThreadScratch.IOVEC_SIZE, address);
            iov.putLong(count * ThreadScratch.IOVEC_SIZE + 8, rem);
            count++;
            if (full) {
                break;
            }
        }
        return count;
    }

    /** Moves positions forward by {@code n} bytes in order; for a read, copies heap bytes out of the scratch. */
    private static void advance(ThreadScratch s, ByteBuffer[] bufs, int offset, int length, long n, boolean read) {
        long left = n;
        int heapUsed = 0;
        int end = offset + length;
        for (int i = offset; i < end && left > 0; i++) {
            ByteBuffer b = bufs[i];
            int take = (int) Math.min(left, b.remaining());
            if (take == 0) {
                continue;
            }
            int pos = b.position();
            if (!b.isDirect()) {
                if (read) {
                    b.put(pos, s.heapCopy, heapUsed, take);
                }
                heapUsed += take;
            }
            b.position(pos + take);
            left -= take;
        }
    }

    private static void checkBounds(ByteBuffer[] bufs, int offset, int length) {
        if (offset < 0 || length < 0 || offset > bufs.length - length) {
            throw new IndexOutOfBoundsException(
                    "expected 0 <= offset <= offset + length <= " + bufs.length + ", got offset " + offset
                            + ", length " + length);
        }
    }
}
