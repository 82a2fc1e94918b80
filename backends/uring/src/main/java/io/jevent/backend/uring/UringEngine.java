package io.jevent.backend.uring;

import com.sun.jna.Memory;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.SockAddr;
import io.jevent.backend.uring.internal.ArgLayout;
import io.jevent.backend.uring.internal.BufferRing;
import io.jevent.backend.uring.internal.CqeLayout;
import io.jevent.backend.uring.internal.Ring;
import io.jevent.backend.uring.internal.SqeLayout;
import io.jevent.backend.uring.internal.UringNative;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.OperationTable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion engine of one {@link UringReadiness}: each operation is one SQE in the same ring as the readiness
 * polls, named by {@link OperationTable} user data (bit 63 clear), submitted with the next {@code io_uring_enter}
 * and completed from inside {@link UringReadiness#poll}.
 *
 * <p><b>Operations.</b> read: {@code IORING_OP_RECV} into the caller's buffer. readAny: {@code IORING_OP_RECV} with
 * {@code IOSQE_BUFFER_SELECT} from a {@link BufferRing}, made at the first readAny (so an engine that never uses it
 * maps nothing); the completion names the buffer, whose view is handed to the handler and then given back to the
 * kernel. awaitReadable: a one-shot {@code IORING_OP_POLL_ADD(POLLIN)}. write: {@code IORING_OP_SENDMSG} with
 * {@code MSG_NOSIGNAL} (a reset peer gives EPIPE, never SIGPIPE), its {@code msghdr} and iovecs in native memory of the
 * operation's slot. connect: a new non-blocking socket and {@code IORING_OP_CONNECT}, the address in the slot's
 * memory. accept: multishot {@code IORING_OP_ACCEPT}. shutdownOutput: {@code IORING_OP_SHUTDOWN}. cancel: one
 * {@code IORING_OP_ASYNC_CANCEL} by user data per operation posted on the handle, found by a scan of the slots (not
 * everything on the descriptor, which would end the readiness polls of events on the same socket too).
 *
 * <p><b>Slot memory.</b> Each slot of the table has one direct buffer (sockaddr, msghdr, iovecs), made when the slot
 * first needs it and grown when a write has more buffers: the table never shrinks, so neither does this, and the
 * steady state allocates nothing. A write's buffers are held by the table ({@code OperationTable}'s gathering open)
 * in an array of the slot's own, not through the caller's array, which the caller may reuse once the post returns.
 *
 * <p><b>Provided buffers.</b> {@code jevent.uring.bufferRingEntries} (default 256, a power of two) buffers of
 * {@code jevent.uring.bufferSize} (default 16384) bytes per engine, read once. The kernel takes one only when bytes
 * arrive, so connections waiting in readAny hold none. When the ring is empty a receive completes with ENOBUFS; the
 * engine then posts it again before the next wait, by which time the handlers of that pass have given their buffers
 * back. A readAny never completes with ENOBUFS; one cancelled, or whose handle is closed, while it waits to be
 * posted again completes with ECANCELED, as if the kernel had still held it.
 *
 * <p><b>Refusals.</b> An operation on a closed handle completes with {@code -EBADF}, and one the kernel's full SQ would
 * not take with {@code -EBUSY}, at the next delivery: nothing is thrown from a post but programmer errors.
 *
 * <p><b>Closing a handle with operations posted.</b> Its close cancels them (the ring's closer, see
 * {@code UringReadiness}): those in the kernel complete with {@code -ECANCELED}, and so do those still queued in the
 * SQ, which never reach the kernel; the descriptor is closed after the last of them. So an operation never waits on a
 * dead handle for the peer to act.
 *
 * <p>Loop thread only.
 */
final class UringEngine implements CompletionEngine {
    private static final Logger LOG = LoggerFactory.getLogger(UringEngine.class);

    /** Buffers in the provided-buffer ring ({@code jevent.uring.bufferRingEntries}). */
    static final int BUFFER_RING_ENTRIES = Integer.getInteger("jevent.uring.bufferRingEntries", 256);
    /** Bytes per provided buffer ({@code jevent.uring.bufferSize}). */
    static final int BUFFER_SIZE = Integer.getInteger("jevent.uring.bufferSize", 16384);

    static {
        LOG.debug("jevent.uring.bufferRingEntries={}, jevent.uring.bufferSize={}", BUFFER_RING_ENTRIES, BUFFER_SIZE);
    }

    private static final int BUFFER_GROUP = 0;
    private static final int ENOENT = 2;
    private static final int EBADF = 9;
    private static final int EBUSY = 16;
    private static final int ENOBUFS = 105;
    private static final int ECANCELED = 125;

    /** {@link #kind}: completes as it comes. */
    private static final byte PLAIN = 0;
    /** {@link #kind}: a readAny (buffer selection, ENOBUFS retried). */
    private static final byte READ_ANY = 1;
    /** {@link #kind}: an awaitReadable (a poll mask becomes 0). */
    private static final byte AWAIT = 2;
    /** {@link #kind}: a cancel (it completes with the count of operations it asked to end, kept in {@link #slotLen}). */
    private static final byte CANCEL = 3;
    /** {@link #kind}: a multishot accept (its results are descriptors, closed if never delivered). */
    private static final byte ACCEPT = 4;
    /** {@link #kind}: a read into the caller's buffer (completes as it comes; {@link #cancelReads} ends it). */
    private static final byte READ = 5;

    /** Slot memory: the sockaddr at 0, the msghdr after it, then the iovecs. */
    private static final int MSGHDR_AT = SockAddr.STORAGE_SIZE;
    private static final int IOV_AT = MSGHDR_AT + ArgLayout.MSGHDR_SIZE;

    private final UringReadiness owner;
    private final Ring ring;
    private final OperationTable table;
    private BufferRing buffers;

    /** Per slot: {@link #PLAIN}, {@link #READ_ANY}, {@link #AWAIT}, {@link #CANCEL}, {@link #ACCEPT}. */
    private byte[] kind = new byte[64];
    /**
     * Per slot: the user data of its operation; and a readAny's descriptor and length, to post it again (a cancel's
     * count of the operations it asked to end in {@link #slotLen}).
     */
    private long[] slotData = new long[64];
    private int[] slotFd = new int[64];
    private int[] slotLen = new int[64];
    /** Per slot: its native memory (see the class comment), or null. */
    private ByteBuffer[] slotMem = new ByteBuffer[64];
    /**
     * The malloc'd memory behind {@link #slotMem} (kept here so that it lives as long as its view): outside the JVM's
     * direct-memory budget, so that a write or connect never fails because peers' reads have used that budget up.
     */
    private Memory[] slotOwner = new Memory[64];
    private long[] slotAddress = new long[64];

    /**
     * Per slot: a {@link #cancel} asked for the operation's end. A readAny that meets an empty buffer ring completes
     * with ENOBUFS, which is not shown: it would be posted again where the kernel's cancel cannot find it, so a
     * cancelled one completes with ECANCELED instead.
     */
    private boolean[] cancelRequested = new boolean[64];

    /** Slots whose readAny met an empty buffer ring: posted again before the next wait. */
    private int[] retry = new int[16];
    private int retryCount;
    /** Operations opened but refused before the kernel saw them: completed at the next delivery. */
    private long[] refusedData = new long[8];
    private int[] refusedResult = new int[8];
    private int refusedCount;
    /** Whether {@link #readAny} is offered (a provided-buffer ring, registered at its first use). */
    private final boolean providedBuffers;

    UringEngine(UringReadiness owner, Ring ring, boolean providedBuffers) {
        this.providedBuffers = providedBuffers;
        this.owner = owner;
        this.ring = ring;
        this.table = new OperationTable(64, UringEngine::closeDescriptor);
    }

    private static void closeDescriptor(int fd) {
        if (LibC.close(fd) < 0) {
            LOG.debug("io_uring: close of fd {} after its last operation: {}", fd, Errors.name(Errors.errno()));
        }
    }

    // -------------------------------------------------------------------------------------------- posting

    @Override
    public void read(Handle handle, ByteBuffer dst, CompletionHandler handler) {
        if (!dst.isDirect() || !dst.hasRemaining()) {
            throw new IllegalArgumentException("expected a direct buffer with room to read into, got " + dst);
        }
        long ud = open(handle, dst, handler, READ);
        if (ud < 0) {
            return;
        }
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_RECV);
            sq.putInt(off + SqeLayout.FD, ((FdHandle) handle).fd());
            sq.putLong(off + SqeLayout.ADDR, NativeMemory.address(dst) + dst.position());
            sq.putInt(off + SqeLayout.LEN, dst.remaining());
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
    }

    @Override
    public boolean selectsReadBuffers() {
        return providedBuffers;
    }

    @Override
    public void readAny(Handle handle, int maxBytes, CompletionHandler handler) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("expected maxBytes > 0, got " + maxBytes);
        }
        if (!providedBuffers) {
            throw new UnsupportedOperationException("this io_uring engine reads without provided buffers"
                    + " (jevent.uring.bufferRingEntries=0 or UringBackend(false)): use awaitReadable, then read");
        }
        ensureOpen();
        if (buffers == null) {
            try {
                buffers = new BufferRing(ring, BUFFER_GROUP, BUFFER_RING_ENTRIES, BUFFER_SIZE);
            } catch (IOException e) {
                throw new IllegalStateException("io_uring: cannot register the provided-buffer ring: " + e, e);
            }
        }
        long ud = open(handle, null, handler, READ_ANY);
        if (ud < 0) {
            return;
        }
        int s = OperationTable.slot(ud);
        slotFd[s] = ((FdHandle) handle).fd();
        slotLen[s] = Math.min(maxBytes, buffers.bufferSize());
        postRecvSelect(s);
    }

    private void postRecvSelect(int s) {
        int off = sqe(slotData[s]);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_RECV);
            sq.put(off + SqeLayout.FLAGS, (byte) UringNative.IOSQE_BUFFER_SELECT);
            sq.putInt(off + SqeLayout.FD, slotFd[s]);
            sq.putInt(off + SqeLayout.LEN, slotLen[s]);
            sq.putShort(off + SqeLayout.BUF_GROUP, (short) BUFFER_GROUP);
            sq.putLong(off + SqeLayout.USER_DATA, slotData[s]);
        }
    }

    @Override
    public void awaitReadable(Handle handle, CompletionHandler handler) {
        long ud = open(handle, null, handler, AWAIT);
        if (ud < 0) {
            return;
        }
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_POLL_ADD);
            sq.putInt(off + SqeLayout.FD, ((FdHandle) handle).fd());
            sq.putInt(off + SqeLayout.OP_FLAGS, LibC.POLLIN);
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
    }

    @Override
    public void write(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler) {
        Objects.checkFromIndexSize(offset, count, srcs.length);
        for (int i = offset; i < offset + count; i++) {
            if (!srcs[i].isDirect()) {
                throw new IllegalArgumentException("expected direct buffers to write, got " + srcs[i] + " at " + i);
            }
        }
        int n = Math.min(count, LibC.IOV_MAX);
        long ud = open(handle, srcs, offset, n, handler);
        if (ud < 0) {
            return;
        }
        int s = OperationTable.slot(ud);
        ByteBuffer mem = slotMemory(s, n);
        long base = slotAddress[s];
        int iovs = 0;
        for (int i = 0; i < n; i++) {
            ByteBuffer b = srcs[offset + i];
            if (b.hasRemaining()) {
                int at = IOV_AT + iovs * ArgLayout.IOVEC_SIZE;
                mem.putLong(at + ArgLayout.IOVEC_BASE, NativeMemory.address(b) + b.position());
                mem.putLong(at + ArgLayout.IOVEC_LEN, b.remaining());
                iovs++;
            }
        }
        for (int i = 0; i < ArgLayout.MSGHDR_SIZE; i += 8) {
            mem.putLong(MSGHDR_AT + i, 0L);
        }
        mem.putLong(MSGHDR_AT + ArgLayout.MSGHDR_IOV, base + IOV_AT);
        mem.putLong(MSGHDR_AT + ArgLayout.MSGHDR_IOVLEN, iovs);
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_SENDMSG);
            sq.putInt(off + SqeLayout.FD, ((FdHandle) handle).fd());
            sq.putLong(off + SqeLayout.ADDR, base + MSGHDR_AT);
            sq.putInt(off + SqeLayout.LEN, 1);
            sq.putInt(off + SqeLayout.OP_FLAGS, UringNative.MSG_NOSIGNAL);
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
    }

    @Override
    public Handle connect(SocketAddress remote, CompletionHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        if (remote instanceof InetSocketAddress && ((InetSocketAddress) remote).isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        int fd = Errors.check("socket", LibC.socket(SockAddr.family(remote),
                LibC.SOCK_STREAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0));
        FdHandle h = new FdHandle(fd);
        long ud = open(h, null, handler, PLAIN);
        if (ud < 0) {
            return h; // cannot happen: nobody else has the handle yet
        }
        int s = OperationTable.slot(ud);
        ByteBuffer mem = slotMemory(s, 0);
        int len = SockAddr.encode(remote, mem);
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_CONNECT);
            sq.putInt(off + SqeLayout.FD, fd);
            sq.putLong(off + SqeLayout.ADDR, slotAddress[s]);
            sq.putLong(off + SqeLayout.OFF, len);
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
        return h;
    }

    @Override
    public void accept(Handle listener, CompletionHandler handler) {
        long ud = open(listener, null, handler, ACCEPT);
        if (ud < 0) {
            return;
        }
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_ACCEPT);
            sq.putShort(off + SqeLayout.IOPRIO, (short) UringNative.ACCEPT_MULTISHOT);
            sq.putInt(off + SqeLayout.FD, ((FdHandle) listener).fd());
            sq.putInt(off + SqeLayout.OP_FLAGS, LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC);
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
    }

    @Override
    public Handle accepted(int descriptor) {
        return new FdHandle(descriptor);
    }

    @Override
    public void shutdownOutput(Handle handle, CompletionHandler handler) {
        long ud = open(handle, null, handler, PLAIN);
        if (ud < 0) {
            return;
        }
        int off = sqe(ud);
        if (off >= 0) {
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_SHUTDOWN);
            sq.putInt(off + SqeLayout.FD, ((FdHandle) handle).fd());
            sq.putInt(off + SqeLayout.LEN, LibC.SHUT_WR);
            sq.putLong(off + SqeLayout.USER_DATA, ud);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Each operation of the engine on the handle is cancelled by its user data; readiness polls of events on the
     * same socket are left alone. The cancel completes with the last of those requests (or at the next delivery when
     * none went to the kernel), with the number of operations it asked the kernel (or, for a readAny waiting to be
     * posted again, itself) to end: each of those completes with
     * {@code -ECANCELED}, or its own result if it finished first. Costs a scan of the slots (the peak of operations in
     * flight). On a closed handle it completes with {@code -ENOENT}: the close cancelled everything on the socket
     * already. Once the backend is closed it does nothing: its close ended every operation.
     */
    @Override
    public void cancel(Handle handle, CompletionHandler handler) {
        cancel(handle, handler, false);
    }

    @Override
    public void cancelReads(Handle handle, CompletionHandler handler) {
        cancel(handle, handler, true);
    }

    private void cancel(Handle handle, CompletionHandler handler, boolean readsOnly) {
        FdHandle h = PosixNetOps.fdHandle(handle);
        Objects.requireNonNull(handler, "handler");
        if (owner.isClosed()) {
            return;
        }
        long ud;
        try {
            ud = table.open(h, null, handler);
        } catch (ClosedChannelException closed) {
            table.completeLater(handler, -ENOENT);
            return;
        }
        kindOf(ud, CANCEL);
        int self = OperationTable.slot(ud);
        int found = 0;
        int last = -1;
        for (int s = 0; s < kind.length; s++) {
            long op = slotData[s];
            if (s == self || kind[s] == CANCEL || OperationTable.slot(op) != s || table.handle(op) != h) {
                continue;
            }
            if (readsOnly && kind[s] != READ && kind[s] != READ_ANY && kind[s] != AWAIT) {
                continue;
            }
            cancelRequested[s] = true;
            if (kind[s] == READ_ANY && takeRetry(s)) {
                refuse(op, -ECANCELED); // waiting to be posted again: the kernel has nothing of it
                found++;
                continue;
            }
            int off = internalSqe();
            if (off < 0) {
                LOG.debug("io_uring: the SQ takes no cancel of operation {} on {} now", op, h);
                continue;
            }
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_ASYNC_CANCEL);
            sq.putInt(off + SqeLayout.FD, -1);
            sq.putLong(off + SqeLayout.ADDR, op);
            sq.putLong(off + SqeLayout.USER_DATA, UringReadiness.IGNORE_DATA);
            last = off;
            found++;
        }
        if (last >= 0) {
            // the last of them (still queued: nothing was submitted after it) completes the cancel itself, after
            // the kernel has acted on every one, as a cancel of everything on the descriptor would
            ring.sqes().putLong(last + SqeLayout.USER_DATA, ud);
            slotLen[self] = found;
        } else {
            refuse(ud, found > 0 ? found : -ENOENT);
        }
    }

    /** Removes slot {@code s} from the readAnys waiting to be posted again; whether it was there. */
    private boolean takeRetry(int s) {
        for (int i = 0; i < retryCount; i++) {
            if (retry[i] == s) {
                retry[i] = retry[--retryCount];
                return true;
            }
        }
        return false;
    }

    @Override
    public int inFlight() {
        return table.inFlight();
    }

    @Override
    public IOException failure(String op, int result) {
        return Errors.errnoException(op, -result);
    }

    /** The next SQE for a request of the engine's own (its completion ignored), or {@code -1} if the SQ is full. */
    private int internalSqe() {
        try {
            return owner.nextSqe();
        } catch (IOException e) {
            LOG.debug("io_uring: submitting a full SQ failed", e);
            return -1;
        }
    }

    /**
     * Records an operation: its handle acquired (the number stays the socket's until the last completion) and the
     * ring's closer recorded on it (its close cancels the operation).
     *
     * @return the user data, or {@code -1} when the handle is closed: the operation then completes with EBADF
     */
    private long open(Handle handle, Object memory, CompletionHandler handler, byte k) {
        return open(handle, memory, null, 0, 0, handler, k);
    }

    /** {@link #open(Handle, Object, CompletionHandler, byte)} of a write, lending {@code srcs[offset .. +count)}. */
    private long open(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler) {
        return open(handle, null, srcs, offset, count, handler, PLAIN);
    }

    private long open(Handle handle, Object memory, ByteBuffer[] srcs, int offset, int count,
            CompletionHandler handler, byte k) {
        FdHandle h = PosixNetOps.fdHandle(handle);
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        long ud;
        try {
            ud = srcs != null ? table.open(h, srcs, offset, count, handler) : table.open(h, memory, handler);
        } catch (ClosedChannelException closed) {
            table.completeLater(handler, -EBADF);
            return -1;
        }
        kindOf(ud, k);
        if (!h.addRegistration(owner.closer())) {
            refuse(ud, -EBADF); // closed on another thread just now; the table holds the number until then
            return -1;
        }
        return ud;
    }

    private void ensureOpen() {
        if (owner.isClosed()) {
            throw new IllegalStateException("this io_uring backend instance is closed: its base was closed, post"
                    + " operations on an open base");
        }
    }

    private void kindOf(long ud, byte k) {
        int s = OperationTable.slot(ud);
        if (s >= kind.length) {
            int n = Math.max(kind.length * 2, s + 1);
            kind = Arrays.copyOf(kind, n);
            slotData = Arrays.copyOf(slotData, n);
            slotFd = Arrays.copyOf(slotFd, n);
            slotLen = Arrays.copyOf(slotLen, n);
            slotMem = Arrays.copyOf(slotMem, n);
            slotOwner = Arrays.copyOf(slotOwner, n);
            slotAddress = Arrays.copyOf(slotAddress, n);
            cancelRequested = Arrays.copyOf(cancelRequested, n);
        }
        kind[s] = k;
        slotData[s] = ud;
        cancelRequested[s] = false;
    }

    /** The next SQE for operation {@code ud}, or {@code -1} after refusing the operation with EBUSY. */
    private int sqe(long ud) {
        int off;
        try {
            off = owner.nextSqe();
        } catch (IOException e) {
            LOG.debug("io_uring: submitting a full SQ failed", e);
            off = -1;
        }
        if (off < 0) {
            refuse(ud, -EBUSY);
        }
        return off;
    }

    /** Whether operation {@code ud} is in flight on a handle closed since it was posted. */
    boolean isDead(long ud) {
        Handle h = table.handle(ud);
        return h != null && !h.isOpen();
    }

    /** Completes operation {@code ud} with {@code result} at the next delivery, without the kernel. */
    void refuse(long ud, int result) {
        if (refusedCount == refusedData.length) {
            refusedData = Arrays.copyOf(refusedData, refusedCount * 2);
            refusedResult = Arrays.copyOf(refusedResult, refusedCount * 2);
        }
        refusedData[refusedCount] = ud;
        refusedResult[refusedCount] = result;
        refusedCount++;
    }

    private ByteBuffer slotMemory(int s, int iovecs) {
        int need = IOV_AT + Math.max(iovecs, 1) * ArgLayout.IOVEC_SIZE;
        ByteBuffer m = slotMem[s];
        if (m == null || m.capacity() < need) {
            int size = Math.max(need, m == null ? 0 : m.capacity() * 2);
            Memory owner = new Memory(size);
            m = owner.getByteBuffer(0, size).order(ByteOrder.nativeOrder());
            slotOwner[s] = owner;
            slotMem[s] = m;
            slotAddress[s] = NativeMemory.address(m);
        }
        return m;
    }

    // -------------------------------------------------------------------------------------------- completing

    /**
     * Posts again the readAnys that met an empty buffer ring. Before the wait. One whose handle was closed since
     * (its close found nothing of it in the kernel to cancel) is not posted: it completes with ECANCELED, as a cancel
     * by the close would have made it, and its receive never reaches the closed handle's socket.
     */
    void beforeWait() {
        int n = retryCount;
        retryCount = 0;
        for (int i = 0; i < n; i++) {
            int s = retry[i];
            long ud = slotData[s];
            Handle h = table.handle(ud);
            if (h == null) {
                continue;
            }
            if (h.isOpen()) {
                postRecvSelect(s);
            } else {
                refuse(ud, -ECANCELED);
            }
        }
    }

    /** Delivers the completions of operations refused before the kernel saw them; returns how many. */
    int deliverLocal() {
        int n = table.deliverLocal();
        int m = refusedCount;
        for (int i = 0; i < m; i++) {
            table.complete(refusedData[i], refusedResult[i], 0, null);
        }
        System.arraycopy(refusedData, m, refusedData, 0, refusedCount - m);
        System.arraycopy(refusedResult, m, refusedResult, 0, refusedCount - m);
        refusedCount -= m;
        return n + m;
    }

    /** Whether completions wait for {@link #deliverLocal} (the wait must not block then). */
    boolean hasLocal() {
        return table.hasLocal() || refusedCount > 0;
    }

    /** One CQE of an operation, from the reaping loop. */
    void complete(long data, int res, int cqeFlags) {
        boolean hasBuffer = (cqeFlags & UringNative.CQE_F_BUFFER) != 0;
        int bid = cqeFlags >>> UringNative.CQE_BUFFER_SHIFT;
        if (!table.isCurrent(data)) {
            if (hasBuffer) {
                buffers.recycle(bid); // the kernel filled a buffer for an operation that is gone
            }
            return;
        }
        int s = OperationTable.slot(data);
        byte k = kind[s];
        int flags = (cqeFlags & UringNative.CQE_F_MORE) != 0 ? MORE : 0;
        if (k == READ_ANY) {
            if (res == -ENOBUFS) {
                if (cancelRequested[s]) { // cancelled while the kernel had it done: not posted again
                    table.complete(data, -ECANCELED, 0, null);
                    return;
                }
                if (retryCount == retry.length) {
                    retry = Arrays.copyOf(retry, retryCount * 2);
                }
                retry[retryCount++] = s;
                return;
            }
            if (hasBuffer) {
                try {
                    table.complete(data, res, res > 0 ? flags | BUFFER : flags,
                            res > 0 ? buffers.view(bid, res) : null);
                } finally {
                    buffers.recycle(bid);
                }
                return;
            }
        } else if (k == AWAIT && res > 0) {
            res = 0;
        } else if (k == CANCEL) {
            res = slotLen[s]; // the operations it asked to end; the kernel's result is that of the last one only
        }
        table.complete(data, res, flags, null);
    }

    /**
     * Consumes the completions nobody will deliver now (the base is closing) and closes the descriptors of those that
     * are accepted connections: no handler will ever own them. The kernel's overflow list is flushed into the CQ
     * without submitting anything queued.
     */
    private void closeUndeliveredAccepts() {
        ByteBuffer cq = ring.cq();
        for (int round = 0; round < 16; round++) {
            int head = ring.cqHead();
            int tail = ring.cqTail();
            while (head != tail) {
                int at = ring.cqeOffset(head);
                long data = cq.getLong(at + CqeLayout.USER_DATA);
                int res = cq.getInt(at + CqeLayout.RES);
                head++;
                if (res >= 0 && table.isCurrent(data) && kind[OperationTable.slot(data)] == ACCEPT) {
                    closeDescriptor(res);
                }
            }
            ring.advanceCq(head);
            if ((ring.sqFlags() & UringNative.SQ_CQ_OVERFLOW) == 0) {
                return;
            }
            ring.flushOverflow();
        }
    }

    /** Provided buffers the kernel may pick now, or {@code -1} before the first readAny. For tests. */
    int buffersAvailable() {
        return buffers == null ? -1 : buffers.available();
    }

    /** Whether the CQ holds completions no pass has reaped yet. For tests. */
    boolean completionsWaiting() {
        return ring.cqReady();
    }

    /** {@code io_uring_enter} calls of this ring so far: a debug counter, for tests and benchmarks. */
    long enterCount() {
        return owner.enterCount();
    }

    /** The provided-buffer ring's size. For tests. */
    int bufferRingEntries() {
        return BUFFER_RING_ENTRIES;
    }

    /**
     * Cancels what is in flight, synchronously, and unregisters the buffer ring. The cancelled operations' handlers
     * are not called (the base is closing, possibly on another thread); their handles are released, so that a
     * descriptor closed meanwhile or later is really closed, and the connections an accept took that were never
     * delivered (completions still in the CQ or the kernel's overflow list) are closed.
     */
    void close() {
        if (table.inFlight() > 0) {
            int rc = ring.syncCancelAll();
            LOG.debug("io_uring: closed with {} operations in flight; cancel: {}", table.inFlight(),
                    rc < 0 ? Errors.name(-rc) : rc);
            closeUndeliveredAccepts();
            for (int s = 0; s < slotData.length; s++) {
                long ud = slotData[s];
                Handle h = OperationTable.slot(ud) == s && table.isCurrent(ud) ? table.handle(ud) : null;
                if (h instanceof FdHandle) {
                    PosixNetOps.release((FdHandle) h); // closes the descriptor if it was closed meanwhile
                }
            }
        }
        if (buffers != null) {
            buffers.close();
        }
    }
}
