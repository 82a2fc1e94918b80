package io.jevent.backend.uring.internal;

import static io.jevent.backend.uring.internal.UringNative.ENTER_EXT_ARG;
import static io.jevent.backend.uring.internal.UringNative.ENTER_GETEVENTS;

import com.sun.jna.Pointer;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.FdHandle;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One io_uring instance: the submission queue (SQ), the completion queue (CQ) and the SQE array, mmapped from the
 * kernel, and the one {@code io_uring_enter} that submits and waits. liburing's {@code io_uring} struct and its
 * inline helpers, written again in Java.
 *
 * <p><b>Memory ordering.</b> The rings are shared with the kernel, which reads the SQ tail and writes the SQ head,
 * writes the CQ tail and reads the CQ head. Each of those indices is read with {@code getAcquire} and written with
 * {@code setRelease} through a {@link VarHandle} viewing the mapped ring as an {@code int[]} ({@link #INT}): the
 * release store of the SQ tail publishes the SQE bytes written before it with plain puts, and the acquire load of
 * the CQ tail makes the CQE bytes the kernel wrote before it visible to the plain gets after it; the release store
 * of the CQ head tells the kernel that we are done reading those entries. This is exactly what liburing's
 * {@code io_uring_smp_store_release}/{@code io_uring_smp_load_acquire} do; a VarHandle keeps the pairing on the
 * access itself instead of fences around plain accesses that a later edit could separate.
 *
 * <p><b>Indices.</b> Heads and tails are free-running 32-bit counters, compared by difference; an entry's place is
 * {@code index & mask}. The SQ's indirection array is filled once with the identity, so SQE {@code i} is always
 * in slot {@code i}. {@link #sqTail} is our private copy of the tail: SQEs are written ahead of it and published in
 * one release store just before each enter ({@link #publish}).
 *
 * <p>Loop thread only, except {@link #syncCancel}, which any thread may call.
 */
public final class Ring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Ring.class);

    /** Ring indices, as aligned ints of the mapped buffers; see the class comment. */
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

    private static final ThreadLocal<ByteBuffer> CANCEL_SCRATCH =
            ThreadLocal.withInitial(() -> NativeMemory.allocate(ArgLayout.SYNC_CANCEL_SIZE));

    private final int fd;
    /** {@link #fd} as a handle, so that {@link #syncCancel} on another thread never acts on a reused number. */
    private final FdHandle handle;
    private final int setupFlags;
    private final int features;

    private final long ringAddress;
    private final long ringSize;
    /** The SQ and CQ rings (one mapping: IORING_FEAT_SINGLE_MMAP). */
    private final ByteBuffer ring;
    private final long sqesAddress;
    private final long sqesSize;
    /** The SQE array. */
    private final ByteBuffer sqes;

    private final int sqHeadOff;
    private final int sqTailOff;
    private final int sqFlagsOff;
    private final int sqMask;
    private final int sqEntries;
    private final int cqHeadOff;
    private final int cqTailOff;
    private final int cqesOff;
    private final int cqMask;
    private final int cqEntries;

    /** Our SQ tail: SQEs up to here are written, up to the ring's tail published. */
    private int sqTail;
    /** Our CQ head: entries before it are consumed (published by {@link #advanceCq}). */
    private int cqHead;

    /** {@code io_uring_getevents_arg} and its timespec, reused by every wait. */
    private final ByteBuffer arg = NativeMemory.allocate(ArgLayout.GETEVENTS_SIZE + ArgLayout.TIMESPEC_SIZE);
    private final long argAddress = NativeMemory.address(arg);
    private final long tsAddress = argAddress + ArgLayout.GETEVENTS_SIZE;

    /** io_uring_enter calls made, for tests and benchmarks. */
    private long enters;
    private boolean closed;

    private Ring(int fd, ByteBuffer params) throws IOException {
        this.fd = fd;
        this.setupFlags = params.getInt(ParamsLayout.FLAGS);
        this.features = params.getInt(ParamsLayout.FEATURES);
        if ((features & UringNative.FEAT_SINGLE_MMAP) == 0) {
            throw new IOException("io_uring without IORING_FEAT_SINGLE_MMAP (kernel older than 5.4) is not supported");
        }
        sqEntries = params.getInt(ParamsLayout.SQ_ENTRIES);
        cqEntries = params.getInt(ParamsLayout.CQ_ENTRIES);
        long sqSize = params.getInt(ParamsLayout.SQ_ARRAY) + 4L * sqEntries;
        long cqSize = params.getInt(ParamsLayout.CQ_CQES) + (long) CqeLayout.SIZE * cqEntries;
        ringSize = Math.max(sqSize, cqSize);
        ringAddress = map(fd, ringSize, UringNative.OFF_SQ_RING);
        sqesSize = (long) SqeLayout.SIZE * sqEntries;
        long sqesAt;
        try {
            sqesAt = map(fd, sqesSize, UringNative.OFF_SQES);
        } catch (IOException e) {
            UringNative.munmap(ringAddress, ringSize);
            throw e;
        }
        sqesAddress = sqesAt;
        ring = new Pointer(ringAddress).getByteBuffer(0, ringSize).order(ByteOrder.nativeOrder());
        sqes = new Pointer(sqesAddress).getByteBuffer(0, sqesSize).order(ByteOrder.nativeOrder());
        sqHeadOff = params.getInt(ParamsLayout.SQ_HEAD);
        sqTailOff = params.getInt(ParamsLayout.SQ_TAIL);
        sqFlagsOff = params.getInt(ParamsLayout.SQ_FLAGS);
        sqMask = ring.getInt(params.getInt(ParamsLayout.SQ_RING_MASK));
        cqHeadOff = params.getInt(ParamsLayout.CQ_HEAD);
        cqTailOff = params.getInt(ParamsLayout.CQ_TAIL);
        cqesOff = params.getInt(ParamsLayout.CQ_CQES);
        cqMask = ring.getInt(params.getInt(ParamsLayout.CQ_RING_MASK));
        int array = params.getInt(ParamsLayout.SQ_ARRAY);
        for (int i = 0; i < sqEntries; i++) {
            ring.putInt(array + 4 * i, i);
        }
        sqTail = (int) INT.getAcquire(ring, sqTailOff);
        cqHead = (int) INT.getAcquire(ring, cqHeadOff);
        handle = new FdHandle(fd);
    }

    /**
     * Sets up a ring of {@code sqEntries} SQEs and {@code cqEntries} CQEs, with {@code flags} if the kernel accepts
     * them, else with each flag of {@code optionalFlags} dropped in turn (a kernel refuses flags it does not know with
     * EINVAL).
     *
     * @param flags setup flags the ring needs ({@code IORING_SETUP_CQSIZE} is added)
     * @param optionalFlags setup flags worth having, given up one at a time, highest bit first, on EINVAL
     * @throws io.jevent.spi.ErrnoException with the errno of {@code io_uring_setup} (EPERM, ENOSYS, ...)
     */
    public static Ring open(int sqEntries, int cqEntries, int flags, int optionalFlags) throws IOException {
        ByteBuffer params = NativeMemory.allocate(ParamsLayout.SIZE);
        long paramsAddress = NativeMemory.address(params);
        int optional = optionalFlags;
        for (;;) {
            for (int i = 0; i < ParamsLayout.SIZE; i += 8) {
                params.putLong(i, 0);
            }
            params.putInt(ParamsLayout.CQ_ENTRIES, cqEntries);
            params.putInt(ParamsLayout.FLAGS, flags | optional | UringNative.SETUP_CQSIZE);
            int fd = UringNative.setup(sqEntries, paramsAddress);
            if (fd >= 0) {
                if (optional != optionalFlags) {
                    LOG.debug("io_uring_setup refused flags 0x{}; running without them",
                            Integer.toHexString(optionalFlags & ~optional));
                }
                try {
                    return new Ring(fd, params);
                } catch (IOException | RuntimeException e) {
                    LibC.close(fd);
                    throw e;
                }
            }
            int errno = Errors.errno();
            if (errno != Errors.EINVAL || optional == 0) {
                throw Errors.errnoException("io_uring_setup", errno);
            }
            optional &= ~Integer.highestOneBit(optional);
        }
    }

    private static long map(int fd, long size, long offset) throws IOException {
        long at = UringNative.mmap(0, size, UringNative.PROT_RW, UringNative.MAP_SHARED | UringNative.MAP_POPULATE,
                fd, offset);
        if (at == UringNative.MAP_FAILED) {
            throw Errors.errnoException("mmap(io_uring)", Errors.errno());
        }
        return at;
    }

    /** The ring's descriptor (for {@code io_uring_register}). */
    public int fd() {
        return fd;
    }

    /** The setup flags the kernel accepted. */
    public int setupFlags() {
        return setupFlags;
    }

    /** The kernel's {@code IORING_FEAT_*} bits. */
    public int features() {
        return features;
    }

    /** SQ size. */
    public int sqEntries() {
        return sqEntries;
    }

    /** CQ size. */
    public int cqEntries() {
        return cqEntries;
    }

    // ------------------------------------------------------------------------------------------ submission queue

    /** The SQE array; write an entry at the offset {@link #nextSqe} returned. */
    public ByteBuffer sqes() {
        return sqes;
    }

    /**
     * Reserves the next SQE, zeroed, and returns its byte offset in {@link #sqes()}.
     *
     * @return the offset, or {@code -1} when the SQ is full: submit ({@link #submit}) and try again
     */
    public int nextSqe() {
        if (sqTail - (int) INT.getAcquire(ring, sqHeadOff) >= sqEntries) {
            return -1;
        }
        int off = (sqTail & sqMask) * SqeLayout.SIZE;
        for (int i = 0; i < SqeLayout.SIZE; i += 8) {
            sqes.putLong(off + i, 0L);
        }
        sqTail++;
        return off;
    }

    /** The kernel's SQ head (acquire): SQEs before it are consumed. */
    public int sqHead() {
        return (int) INT.getAcquire(ring, sqHeadOff);
    }

    /** The offset in {@link #sqes()} of the SQE at index {@code index} (valid until we write a new one there). */
    public int sqeOffset(int index) {
        return (index & sqMask) * SqeLayout.SIZE;
    }

    /** The offset in {@link #sqes()} of the {@code i}-th SQE not yet consumed by the kernel ({@code i < unsubmitted()}). */
    public int unsubmittedSqe(int i) {
        return ((int) INT.getAcquire(ring, sqHeadOff) + i & sqMask) * SqeLayout.SIZE;
    }

    /** SQEs written and not yet consumed by the kernel. */
    public int unsubmitted() {
        return sqTail - (int) INT.getAcquire(ring, sqHeadOff);
    }

    /** Publishes the SQEs written so far: one release store of the tail (see the class comment). */
    private void publish() {
        INT.setRelease(ring, sqTailOff, sqTail);
    }

    /** The SQ ring's flags ({@code IORING_SQ_*}), written by the kernel. */
    public int sqFlags() {
        return (int) INT.getAcquire(ring, sqFlagsOff);
    }

    /**
     * Submits what is queued and waits for at least one completion, in one {@code io_uring_enter}.
     *
     * @param timeoutNanos {@code < 0} waits for ever, {@code 0} does not wait (and makes no call at all when nothing
     *     is queued and the kernel has no task work or overflowed completions waiting), else the longest wait
     * @return {@code 0}, or a negated errno the caller may treat as a normal end of the wait: EINTR, ETIME (timed
     *     out), EBUSY/EAGAIN (the kernel would not take more SQEs now)
     * @throws IOException for any other failure
     */
    public int submitAndWait(long timeoutNanos) throws IOException {
        if (timeoutNanos == 0) {
            if (sqTail == (int) INT.getAcquire(ring, sqHeadOff)
                    && (sqFlags() & (UringNative.SQ_TASKRUN | UringNative.SQ_CQ_OVERFLOW)) == 0) {
                return 0;
            }
            return enter(0, ENTER_GETEVENTS);
        }
        if (timeoutNanos < 0) {
            arg.putLong(ArgLayout.GETEVENTS_TS, 0L);
        } else {
            arg.putLong(ArgLayout.GETEVENTS_TS, tsAddress);
            arg.putLong(ArgLayout.GETEVENTS_SIZE + ArgLayout.TIMESPEC_SEC, timeoutNanos / 1_000_000_000L);
            arg.putLong(ArgLayout.GETEVENTS_SIZE + ArgLayout.TIMESPEC_NSEC, timeoutNanos % 1_000_000_000L);
        }
        return enter(1, ENTER_GETEVENTS | ENTER_EXT_ARG);
    }

    /** Submits what is queued without waiting; flushes overflowed completions too. */
    public int submit() throws IOException {
        return enter(0, ENTER_GETEVENTS);
    }

    private int enter(int minComplete, int flags) throws IOException {
        ensureOpen();
        publish();
        int toSubmit = sqTail - (int) INT.getAcquire(ring, sqHeadOff);
        boolean ext = (flags & ENTER_EXT_ARG) != 0;
        enters++;
        int rc = UringNative.enter(fd, toSubmit, minComplete, flags, ext ? argAddress : 0L,
                ext ? ArgLayout.GETEVENTS_SIZE : 0L);
        if (rc >= 0) {
            return 0;
        }
        int errno = Errors.errno();
        if (errno == Errors.EINTR || errno == ETIME || errno == EBUSY || errno == Errors.EAGAIN) {
            if (errno != ETIME && errno != Errors.EINTR) {
                LOG.debug("io_uring_enter: {} with {} SQEs queued", Errors.name(errno), toSubmit);
            }
            return -errno;
        }
        throw Errors.newException("io_uring_enter", errno);
    }

    /** {@code ETIME}. */
    public static final int ETIME = 62;
    /** {@code EBUSY}. */
    public static final int EBUSY = 16;

    /** io_uring_enter calls made so far. */
    public long enterCount() {
        return enters;
    }

    // ------------------------------------------------------------------------------------------ completion queue

    /** The mapped rings; read a CQE at {@link #cqeOffset}. */
    public ByteBuffer cq() {
        return ring;
    }

    /** Our CQ head: the next entry to read. */
    public int cqHead() {
        return cqHead;
    }

    /** The kernel's CQ tail (acquire): entries before it are complete. */
    public int cqTail() {
        return (int) INT.getAcquire(ring, cqTailOff);
    }

    /** Whether completions wait to be read. */
    public boolean cqReady() {
        return cqHead != cqTail();
    }

    /** The byte offset in {@link #cq()} of the entry at index {@code head}. */
    public int cqeOffset(int head) {
        return cqesOff + (head & cqMask) * CqeLayout.SIZE;
    }

    /** Hands the entries before {@code head} back to the kernel (release). */
    public void advanceCq(int head) {
        cqHead = head;
        INT.setRelease(ring, cqHeadOff, head);
    }

    // ------------------------------------------------------------------------------------------ register

    /**
     * {@code io_uring_register} on this ring; returns its result or {@code -errno}.
     */
    public int register(int opcode, long arg, int nrArgs) {
        ensureOpen();
        int rc = UringNative.register(fd, opcode, arg, nrArgs);
        return rc >= 0 ? rc : -Errors.errno();
    }

    /**
     * Cancels every request on the file {@code targetFd} names now, and waits until they have completed
     * ({@code IORING_REGISTER_SYNC_CANCEL}), so that none of them holds the file any longer. Any thread; a ring closed
     * meanwhile makes it do nothing.
     *
     * @return the number cancelled, or {@code -errno} ({@code -ENOENT}: none)
     */
    public int syncCancel(int targetFd) {
        return syncCancel(targetFd, UringNative.ASYNC_CANCEL_FD | UringNative.ASYNC_CANCEL_ALL);
    }

    /**
     * Cancels the request with user data {@code userData}, if in flight, and waits until it has completed. Loop
     * thread.
     *
     * @return 1, or {@code -errno} ({@code -ENOENT}: not in flight)
     */
    public int syncCancelUserData(long userData) {
        ByteBuffer b = CANCEL_SCRATCH.get();
        for (int i = 0; i < ArgLayout.SYNC_CANCEL_SIZE; i += 8) {
            b.putLong(i, 0L);
        }
        b.putLong(ArgLayout.SYNC_CANCEL_ADDR, userData);
        b.putInt(ArgLayout.SYNC_CANCEL_FD, -1);
        b.putLong(ArgLayout.SYNC_CANCEL_TIMEOUT, -1L);
        b.putLong(ArgLayout.SYNC_CANCEL_TIMEOUT + 8, -1L);
        return register(UringNative.REGISTER_SYNC_CANCEL, NativeMemory.address(b), 1);
    }

    /** Cancels every request in flight on the ring and waits until they have completed; see {@link #syncCancel(int)}. */
    public int syncCancelAll() {
        return syncCancel(-1, UringNative.ASYNC_CANCEL_ANY | UringNative.ASYNC_CANCEL_ALL);
    }

    private int syncCancel(int targetFd, int flags) {
        int rfd;
        try {
            rfd = handle.acquire();
        } catch (ClosedChannelException gone) {
            return -Errors.EBADF;
        }
        try {
            ByteBuffer b = CANCEL_SCRATCH.get();
            for (int i = 0; i < ArgLayout.SYNC_CANCEL_SIZE; i += 8) {
                b.putLong(i, 0L);
            }
            b.putInt(ArgLayout.SYNC_CANCEL_FD, targetFd);
            b.putInt(ArgLayout.SYNC_CANCEL_FLAGS, flags);
            b.putLong(ArgLayout.SYNC_CANCEL_TIMEOUT, -1L);
            b.putLong(ArgLayout.SYNC_CANCEL_TIMEOUT + 8, -1L);
            int rc = UringNative.register(rfd, UringNative.REGISTER_SYNC_CANCEL, NativeMemory.address(b), 1);
            return rc >= 0 ? rc : -Errors.errno();
        } finally {
            if (handle.release()) {
                LibC.close(rfd); // the ring was closed while this cancel ran: its close is ours to finish
            }
        }
    }

    /** Unmaps the rings and closes the descriptor; the kernel cancels what is in flight. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UringNative.munmap(sqesAddress, sqesSize);
        UringNative.munmap(ringAddress, ringSize);
        if (handle.markClosed()) {
            LibC.close(fd);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this io_uring instance is closed");
        }
    }
}
