package io.jevent.backend.iocp;

import io.jevent.backend.iocp.internal.AcceptedSockets;
import io.jevent.backend.iocp.internal.CompletionInbox;
import io.jevent.backend.iocp.internal.CompletionRing;
import io.jevent.backend.iocp.internal.Extensions;
import io.jevent.backend.iocp.internal.SlotMemory;
import io.jevent.backend.iocp.internal.SockAddrLayout;
import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Kernel32;
import io.jevent.backend.iocp.internal.WinNative.Ws2;
import io.jevent.backend.iocp.internal.WsaBufLayout;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.Handle;
import io.jevent.spi.OperationTable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The completion engine of one {@link IocpReadiness}: each operation is one overlapped Winsock call whose OVERLAPPED
 * is the start of its slot's native memory ({@link SlotMemory}), named by {@link OperationTable} user data written
 * beside it, and completed on the loop thread.
 *
 * <p><b>Operations.</b> read: an overlapped {@code WSARecv} into the caller's buffer. readAny and awaitReadable: a
 * <em>zero-byte</em> {@code WSARecv}, which completes when bytes (or the end of the stream, or an error) arrive
 * without lending the kernel any memory; readAny then reads at once, non-blocking, into the engine's one read buffer
 * ({@code jevent.iocp.readBufferSize}, default 65536 bytes, lent to the handler during its call), so an idle
 * connection pins no buffer, which on Windows is non-paged memory. write: {@code WSASend} over up to
 * {@link SlotCalls#MAX_BUFS} WSABUFs in the slot (a gather list of nothing completes with 0 without a call).
 * connect: a new socket, bound to the wildcard address, and {@code ConnectEx}; then {@code SO_UPDATE_CONNECT_CONTEXT}.
 * accept: {@code AcceptEx} into a socket made beforehand, then {@code SO_UPDATE_ACCEPT_CONTEXT}; posted again after
 * each connection, so that it behaves as a multishot accept ({@link #MORE}); its result is the index of the accepted
 * SOCKET in a small table ({@code AcceptedSockets}), since a SOCKET has 64 bits, until {@link #accepted} takes it.
 * shutdownOutput: {@code shutdown(SD_SEND)} at once (it never waits), completed at the next delivery. cancel:
 * {@code CancelIoEx} on the socket.
 *
 * <p><b>Association.</b> A socket is associated with the engine's port under the engine's key at its first post, with
 * {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS} where its provider allows ({@link Iocp#skipsPortOnSuccess}): an
 * operation that completes at once is then not queued to the port, and the engine completes it at the next delivery
 * (as {@link OperationTable#completeLater} does for refusals). A socket belongs to one port for life: posting on it
 * from another base is refused ({@link IllegalStateException}).
 *
 * <p><b>Results.</b> The NTSTATUS the kernel leaves in {@code OVERLAPPED.Internal} is turned into a Winsock code by
 * {@link WinErrors#result}; a cancelled operation completes with {@code -ECANCELED} (or with the bytes it moved before
 * the cancel), one posted on a closed handle with {@code -EBADF}, as on io_uring (see {@link WinErrors}).
 *
 * <p>Loop thread only, but for {@link #handOff} and {@link #wakeLoop} (dequeuer threads).
 */
final class IocpEngine implements CompletionEngine, Dequeuer.Target {
    private static final Logger LOG = LoggerFactory.getLogger(IocpEngine.class);

    /** Bytes of the buffer readAny reads into ({@code jevent.iocp.readBufferSize}). */
    static final int READ_BUFFER_SIZE = Integer.getInteger("jevent.iocp.readBufferSize", 65536);
    /** Cells of the ring through which dequeuer threads hand completions over ({@code jevent.iocp.ringSize}). */
    static final int RING_SIZE = Integer.getInteger("jevent.iocp.ringSize", 4096);
    /** How long a closing base waits for its cancelled requests to end ({@code jevent.iocp.closeWaitMillis}). */
    static final long CLOSE_WAIT_MILLIS = Long.getLong("jevent.iocp.closeWaitMillis", 2000L);
    private static final byte PLAIN = 0;
    private static final byte READ_ANY = 1;
    private static final byte AWAIT = 2;
    private static final byte ACCEPT = 3;
    private static final byte CONNECT = 4;
    /** {@link #slotMax} of an accept whose AcceptEx failed before the kernel took it. */
    private static final int POST_FAILED = -1;
    /** A read into the caller's buffer (a plain completion, but its failure is a receive's). */
    private static final byte READ = 5;

    private final IocpReadiness owner;
    private final long port;
    private final long key;
    private final OperationTable table = new OperationTable(64, fd -> { });
    private final SlotCalls calls;
    /** Completions handed over by dequeuer threads (pool mode, or the helper of a base with NIO registrations). */
    private final CompletionInbox inbox = new CompletionInbox(RING_SIZE);
    private final CompletionRing.Consumer fromRing = (ud, v) -> finish(ud, WinErrors.result((int) (v >>> 32),
            v & 0xffff_ffffL));

    /** Per slot: what its operation is ({@link #PLAIN}, {@link #READ}, {@link #READ_ANY}, ...). */
    private byte[] kind = new byte[64];
    /** Per slot: the user data of its operation (the last one, once it has ended). */
    private long[] slotData = new long[64];
    /** Per slot: a readAny's byte limit; an accept's {@link #POST_FAILED} marker. */
    private int[] slotMax = new int[64];
    /** Per slot: an accept's SOCKET made for the next connection, or 0. */
    private long[] slotAux = new long[64];
    /** Per slot: a {@link #cancel} asked for its end (a readAny woken for nothing, an accept: not posted again). */
    private boolean[] cancelRequested = new boolean[64];

    /** Operations finished without the port (at once, or refused): completed at the next delivery. */
    private long[] localData = new long[16];
    private int[] localResult = new int[16];
    private int localCount;

    /** The SOCKETs accepted and not yet taken by {@link #accepted}. */
    private final AcceptedSockets acceptedSockets = new AcceptedSockets();

    /** The buffer readAny reads into and lends to its handler during the call; made at the first such read. */
    private ByteBuffer readBuffer;
    private long readBufferAddress;
    /** Set by {@link #close}: posting throws from then on. */
    private boolean closed;

    IocpEngine(IocpReadiness owner, long port, long key, Extensions ext) {
        this.owner = owner;
        this.port = port;
        this.key = key;
        this.calls = new SlotCalls(ext);
    }

    // -------------------------------------------------------------------------------------------- posting

    @Override
    public void read(Handle handle, ByteBuffer dst, CompletionHandler handler) {
        if (!dst.isDirect() || !dst.hasRemaining()) {
            throw new IllegalArgumentException("expected a direct buffer with room to read into, got " + dst);
        }
        long ud = open(handle, dst, handler, READ);
        if (ud >= 0) {
            postRecv(ud, NativeMemory.address(dst) + dst.position(), dst.remaining());
        }
    }

    /** {@code true}: readAny waits with a zero-byte receive and reads only when bytes are there. */
    @Override
    public boolean selectsReadBuffers() {
        return true;
    }

    @Override
    public void readAny(Handle handle, int maxBytes, CompletionHandler handler) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("expected maxBytes > 0, got " + maxBytes);
        }
        long ud = open(handle, null, handler, READ_ANY);
        if (ud >= 0) {
            slotMax[OperationTable.slot(ud)] = maxBytes;
            postRecv(ud, 0L, 0);
        }
    }

    @Override
    public void awaitReadable(Handle handle, CompletionHandler handler) {
        long ud = open(handle, null, handler, AWAIT);
        if (ud >= 0) {
            postRecv(ud, 0L, 0);
        }
    }

    private void postRecv(long ud, long address, int len) {
        posted(ud, calls.recv(OperationTable.slot(ud), slotSocket(ud), address, len));
    }

    @Override
    public void write(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler) {
        Objects.checkFromIndexSize(offset, count, srcs.length);
        for (int i = offset; i < offset + count; i++) {
            if (!srcs[i].isDirect()) {
                throw new IllegalArgumentException("expected direct buffers to write, got " + srcs[i] + " at " + i);
            }
        }
        int n = Math.min(count, SlotCalls.MAX_BUFS);
        long ud = open(handle, null, srcs, offset, n, handler, PLAIN);
        if (ud < 0) {
            return;
        }
        boolean any = false;
        for (int i = offset; i < offset + n && !any; i++) {
            any = srcs[i].hasRemaining();
        }
        if (any) {
            posted(ud, calls.send(OperationTable.slot(ud), slotSocket(ud), srcs, offset, n));
        } else {
            local(ud, 0); // nothing to send: a write of 0 bytes, without asking Winsock about an empty gather list
        }
    }

    @Override
    public Handle connect(SocketAddress remote, CompletionHandler handler) throws IOException {
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        int family = SockAddrLayout.family(remote);
        SocketHandle h = IocpNetOps.newSocket(family);
        try {
            Scratch sc = Scratch.get();
            int len = SockAddrLayout.encodeAny(family, sc.buf, Scratch.ADDR);
            if (Ws2.bind(h.socket(), sc.base + Scratch.ADDR, len) != 0) {
                throw WinErrors.exception("bind (before ConnectEx)", WinNative.lastError());
            }
            associate(h);
        } catch (IOException | RuntimeException e) {
            Ws2.closesocket(h.socket());
            throw e;
        }
        long ud = open(h, null, handler, CONNECT);
        if (ud < 0) {
            return h;
        }
        posted(ud, calls.connect(OperationTable.slot(ud), h.socket(), remote));
        return h;
    }

    @Override
    public void accept(Handle listener, CompletionHandler handler) {
        long ud = open(listener, null, handler, ACCEPT);
        if (ud >= 0) {
            int err = postAccept(ud);
            if (err != 0) {
                local(ud, -err);
            }
        }
    }

    /** Posts AcceptEx for the accept in slot of {@code ud}; returns 0, or the code of a failure before the post. */
    private int postAccept(long ud) {
        int s = OperationTable.slot(ud);
        SocketHandle l = (SocketHandle) table.handle(ud);
        long as;
        try {
            as = IocpNetOps.newSocket(l.family != 0 ? l.family : SockAddrLayout.AF_INET).socket();
        } catch (IOException e) {
            return e instanceof io.jevent.spi.ErrnoException ? ((io.jevent.spi.ErrnoException) e).errno()
                    : WinErrors.WSAENOBUFS;
        }
        slotAux[s] = as;
        slotMax[s] = 0; // set to POST_FAILED by posted() if AcceptEx fails before the kernel takes it
        calls.rearm(s);
        posted(ud, calls.accept(s, l.socket(), as));
        return 0;
    }

    /** {@inheritDoc} The result is an index into the engine's table of accepted SOCKETs (64 bits do not fit). */
    @Override
    public Handle accepted(int descriptor) {
        int family = acceptedSockets.family(descriptor);
        SocketHandle h = new SocketHandle(acceptedSockets.take(descriptor));
        h.family = family;
        return h;
    }

    @Override
    public void shutdownOutput(Handle handle, CompletionHandler handler) {
        SocketHandle h = IocpNetOps.socketHandle(handle);
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        long s;
        try {
            s = h.acquire();
        } catch (ClosedChannelException e) {
            table.completeLater(handler, -WinErrors.EBADF);
            return;
        }
        try {
            int rc = Ws2.shutdown(s, WinNative.SD_SEND);
            table.completeLater(handler, rc == 0 ? 0 : -WinErrors.fromLastError(WinNative.lastError()));
        } finally {
            IocpNetOps.releaseAndMaybeClose(h);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code CancelIoEx} on the socket ends every request on it; the cancel completes at the next delivery with
     * the number of operations of this engine that were in flight on the handle, or {@code -ENOENT}.
     */
    @Override
    public void cancel(Handle handle, CompletionHandler handler) {
        cancel(handle, handler, false);
    }

    @Override
    public void cancelReads(Handle handle, CompletionHandler handler) {
        cancel(handle, handler, true);
    }

    /**
     * Cancels the operations of {@code handle}, or only its reads: {@code CancelIoEx} with no OVERLAPPED for all of
     * them, or once per read with that read's OVERLAPPED (the slot's address), so a send in flight is never cancelled
     * by a connection that merely stops reading (Windows may abort a connection whose send is cancelled).
     */
    private void cancel(Handle handle, CompletionHandler handler, boolean readsOnly) {
        SocketHandle h = IocpNetOps.socketHandle(handle);
        Objects.requireNonNull(handler, "handler");
        if (closed) {
            return;
        }
        int found = 0;
        for (int s = 0; s < kind.length; s++) {
            long op = slotData[s];
            if (OperationTable.slot(op) == s && table.handle(op) == h
                    && (!readsOnly || kind[s] == READ || kind[s] == READ_ANY || kind[s] == AWAIT)) {
                cancelRequested[s] = true;
                found++;
            }
        }
        if (found > 0) {
            try {
                long sock = h.acquire();
                try {
                    if (!readsOnly) {
                        cancelIo(h, sock, 0L);
                    } else {
                        for (int s = 0; s < kind.length; s++) {
                            long op = slotData[s];
                            if (cancelRequested[s] && OperationTable.slot(op) == s && table.handle(op) == h
                                    && (kind[s] == READ || kind[s] == READ_ANY || kind[s] == AWAIT)) {
                                cancelIo(h, sock, calls.memory().address(s));
                            }
                        }
                    }
                } finally {
                    IocpNetOps.releaseAndMaybeClose(h);
                }
            } catch (ClosedChannelException alreadyCancelledByClose) {
                // the close cancelled them
            }
        }
        table.completeLater(handler, found > 0 ? found : -WinErrors.ENOENT);
    }

    /** {@code CancelIoEx} of one request ({@code overlapped}) or of all ({@code 0}); "nothing found" is no error. */
    private static void cancelIo(SocketHandle h, long sock, long overlapped) {
        if (Kernel32.CancelIoEx(sock, overlapped) == 0 && WinNative.lastError() != WinErrors.ERROR_NOT_FOUND) {
            LOG.debug("iocp: CancelIoEx on {}: {}", h, WinErrors.describe(WinNative.lastError()));
        }
    }

    @Override
    public int inFlight() {
        return table.inFlight();
    }

    @Override
    public IOException failure(String op, int result) {
        return WinErrors.exception(op, -result);
    }

    private long open(Handle handle, Object memory, CompletionHandler handler, byte k) {
        return open(handle, memory, null, 0, 0, handler, k);
    }

    /**
     * Records an operation: its handle acquired until the completion, associated with the port, its slot's memory
     * ready (OVERLAPPED zeroed, user data written).
     *
     * @return the user data, or {@code -1} when the handle is closed: the operation then completes with EBADF
     */
    private long open(Handle handle, Object memory, ByteBuffer[] srcs, int offset, int count,
            CompletionHandler handler, byte k) {
        SocketHandle h = IocpNetOps.socketHandle(handle);
        Objects.requireNonNull(handler, "handler");
        ensureOpen();
        try {
            h.acquire();
        } catch (ClosedChannelException e) {
            table.completeLater(handler, -WinErrors.EBADF);
            return -1;
        }
        try {
            associate(h);
        } catch (RuntimeException e) {
            IocpNetOps.releaseAndMaybeClose(h); // another base's socket: a programmer error, nothing recorded
            throw e;
        } catch (IOException e) {
            IocpNetOps.releaseAndMaybeClose(h);
            int code = e instanceof io.jevent.spi.ErrnoException ? ((io.jevent.spi.ErrnoException) e).errno()
                    : WinErrors.WSAEINVAL;
            table.completeLater(handler, -code);
            return -1;
        }
        long ud;
        try {
            ud = srcs != null ? table.open(h, srcs, offset, count, handler) : table.open(h, memory, handler);
        } catch (ClosedChannelException impossible) {
            throw new AssertionError(impossible); // the table acquires FdHandles only
        }
        int s = OperationTable.slot(ud);
        if (s >= kind.length) {
            int n = Math.max(kind.length * 2, s + 1);
            kind = Arrays.copyOf(kind, n);
            slotData = Arrays.copyOf(slotData, n);
            slotMax = Arrays.copyOf(slotMax, n);
            slotAux = Arrays.copyOf(slotAux, n);
            cancelRequested = Arrays.copyOf(cancelRequested, n);
        }
        kind[s] = k;
        slotData[s] = ud;
        slotAux[s] = 0;
        cancelRequested[s] = false;
        calls.prepare(s, ud);
        return ud;
    }

    /** Associates {@code h} with this engine's port, once; see the class comment. */
    private void associate(SocketHandle h) throws IOException {
        if (h.port == port && h.key == key) {
            return;
        }
        if (h.port != 0) {
            throw new IllegalStateException(h + " belongs to another base's completion port (Windows associates a"
                    + " socket with one port for its life): post its operations on the base that first posted on it");
        }
        if (Kernel32.CreateIoCompletionPort(h.socket(), port, key, 0) == 0) {
            throw WinErrors.exception("CreateIoCompletionPort", WinNative.lastError());
        }
        h.key = key;
        h.port = port;
        boolean skip = Iocp.skipsPortOnSuccess(h.family);
        byte modes = (byte) (WinNative.FILE_SKIP_SET_EVENT_ON_HANDLE
                | (skip ? WinNative.FILE_SKIP_COMPLETION_PORT_ON_SUCCESS : 0));
        h.skipOnSuccess = Kernel32.SetFileCompletionNotificationModes(h.socket(), modes) != 0 && skip;
    }

    private long slotSocket(long ud) {
        return ((SocketHandle) table.handle(ud)).socket();
    }

    /**
     * After a post: {@code ok} when the call finished at once. Then the port hears of it only without
     * skip-on-success; otherwise the engine completes it itself. A failure other than {@code WSA_IO_PENDING} queues
     * nothing: completed here too. A pending request on a handle closed meanwhile is cancelled here.
     */
    private void posted(long ud, boolean ok) {
        if (ok) {
            SocketHandle h = (SocketHandle) table.handle(ud);
            if (h.skipOnSuccess) {
                int s = OperationTable.slot(ud);
                local(ud, calls.bytes(s));
            }
            return;
        }
        int err = WinNative.lastError();
        if (err == WinErrors.ERROR_IO_PENDING) {
            SocketHandle h = (SocketHandle) table.handle(ud);
            if (!h.isOpen()) {
                // closed by another thread since the handle was acquired (or, for a receive or accept posted again,
                // since it was checked): that close's CancelIoEx may have run before this post and found nothing,
                // and a pending receive would then wait for the peer for ever. The operation holds the socket open.
                Kernel32.CancelIoEx(h.socket(), 0L);
            }
            return;
        }
        int s = OperationTable.slot(ud);
        if (kind[s] == ACCEPT && err != WinErrors.WSAECONNRESET) {
            // the listener itself refused: report it, do not post again. WSAECONNRESET is the one connection's
            // (reset by its peer before AcceptEx took it): dropped and the accept posted again, as from the port
            slotMax[s] = POST_FAILED;
        }
        local(ud, -WinErrors.fromLastError(err));
    }

    private void local(long ud, int result) {
        if (localCount == localData.length) {
            localData = Arrays.copyOf(localData, localCount * 2);
            localResult = Arrays.copyOf(localResult, localCount * 2);
        }
        localData[localCount] = ud;
        localResult[localCount] = result;
        localCount++;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this IOCP backend instance is closed: its base was closed, post"
                    + " operations on an open base");
        }
    }

    // -------------------------------------------------------------------------------------------- completing

    /** A dequeuer thread hands over the completion of the OVERLAPPED at {@code overlapped}. Any thread. */
    @Override
    public void handOff(long overlapped, long bytes) {
        int s = calls.slotOf(overlapped);
        if (s < 0) {
            LOG.debug("iocp: completion of an unknown OVERLAPPED 0x{}", Long.toHexString(overlapped));
            return;
        }
        long ud = calls.userData(s);
        long v = ((long) calls.status(s) << 32) | (bytes & 0xffff_ffffL);
        inbox.offer(ud, v);
    }

    /** Wakes the loop waiting in the selector. Any thread. */
    @Override
    public void wakeLoop() {
        owner.wakeSelector();
    }

    /** Whether completions wait for {@link #deliver} (the loop must not block). */
    boolean hasPending() {
        return localCount > 0 || table.hasLocal() || !inbox.isEmpty();
    }

    /**
     * Delivers local completions and those handed over by dequeuers; returns how many. Each is taken off its list
     * before its handler runs, so that a handler that throws leaves the rest for the next delivery and never has one
     * delivered twice (an accept's, which keeps its slot, would be taken for a second connection). Loop thread.
     */
    int deliver() {
        int n = table.deliverLocal();
        int m = localCount;
        int i = 0;
        try {
            while (i < m) {
                long ud = localData[i];
                int result = localResult[i];
                i++;
                finish(ud, result);
            }
        } finally {
            System.arraycopy(localData, i, localData, 0, localCount - i);
            System.arraycopy(localResult, i, localResult, 0, localCount - i);
            localCount -= i;
        }
        return n + m + inbox.drain(fromRing);
    }

    /** One finished request. */
    private void finish(long ud, int result) {
        if (!table.isCurrent(ud)) {
            return;
        }
        int s = OperationTable.slot(ud);
        switch (kind[s]) {
            case READ_ANY:
                if (result >= 0) {
                    readNow(ud, s);
                    return;
                }
                result = -WinErrors.receiveError(-result);
                break;
            case AWAIT:
                result = result > 0 ? 0 : -WinErrors.receiveError(-result);
                break;
            case READ:
                result = result >= 0 ? result : -WinErrors.receiveError(-result);
                break;
            case ACCEPT:
                accepted(ud, s, result);
                return;
            case CONNECT:
                if (result >= 0) {
                    long sock = slotSocket(ud);
                    if (Ws2.setsockopt(sock, WinNative.SOL_SOCKET, WinNative.SO_UPDATE_CONNECT_CONTEXT, 0L, 0) != 0) {
                        LOG.debug("iocp: SO_UPDATE_CONNECT_CONTEXT: {}", WinErrors.describe(WinNative.lastError()));
                    }
                    result = 0;
                }
                break;
            default:
                break;
        }
        end(ud, result, 0, null);
    }

    /** A readAny's zero-byte receive completed: read what is there into the engine's buffer. */
    private void readNow(long ud, int s) {
        SocketHandle h = (SocketHandle) table.handle(ud);
        if (!h.isOpen()) {
            end(ud, -WinErrors.ECANCELED, 0, null);
            return;
        }
        if (readBuffer == null) {
            readBuffer = NativeMemory.allocate(READ_BUFFER_SIZE);
            readBufferAddress = NativeMemory.address(readBuffer);
        }
        Scratch sc = Scratch.get();
        int max = Math.min(slotMax[s], READ_BUFFER_SIZE);
        WsaBufLayout.put(sc.buf, Scratch.WSABUFS, 0, readBufferAddress, max);
        long n;
        try {
            n = IocpNetOps.recv(h.socket(), sc.base + Scratch.WSABUFS, 1, sc);
        } catch (io.jevent.spi.ErrnoException e) {
            end(ud, -WinErrors.fromLastError(e.errno()), 0, null);
            return;
        } catch (IOException e) {
            end(ud, -WinErrors.WSAEINVAL, 0, null);
            return;
        }
        if (n == IocpNetOps.WOULD_BLOCK) {
            if (cancelRequested[s]) {
                end(ud, -WinErrors.ECANCELED, 0, null);
            } else {
                calls.rearm(s);
                postRecv(ud, 0L, 0); // woken for nothing: wait again
            }
            return;
        }
        int got = (int) n;
        ByteBuffer data = got > 0 ? readBuffer.clear().limit(got) : null;
        end(ud, got, got > 0 ? BUFFER : 0, data);
    }

    /**
     * An AcceptEx finished. A connection whose accept failed in the kernel (the peer reset it first), or whose
     * {@code SO_UPDATE_ACCEPT_CONTEXT} failed, is dropped and the accept posted again, as libuv does: the listener may
     * be healthy, and if it is not the next AcceptEx fails at its post, which ends the accept with that error. A
     * cancel (or the listener's close) ends it with ECANCELED.
     */
    private void accepted(long ud, int s, int result) {
        long as = slotAux[s];
        slotAux[s] = 0;
        SocketHandle l = (SocketHandle) table.handle(ud);
        boolean goOn = !cancelRequested[s] && l.isOpen() && !closed;
        if (result >= 0 && !calls.updateAcceptContext(s, as)) {
            LOG.debug("iocp: SO_UPDATE_ACCEPT_CONTEXT (listener {}): {}; connection dropped", l,
                    WinErrors.describe(WinNative.lastError()));
            result = -WinErrors.WSAECONNRESET;
        }
        if (result < 0) {
            if (as != 0) { // 0: no accept socket could be made
                Ws2.closesocket(as);
            }
            if (goOn && result != -WinErrors.ECANCELED && slotMax[s] != POST_FAILED) {
                LOG.debug("iocp: an accept on {} failed ({}); posted again", l, WinErrors.describe(-result));
                int err = postAccept(ud);
                if (err == 0) {
                    return;
                }
                result = -err;
            }
            end(ud, result, 0, null);
            return;
        }
        try {
            IocpNetOps.nonBlocking(as);
        } catch (IOException e) {
            LOG.debug("iocp: accepted socket {} stays blocking: {}", as, e.getMessage());
        }
        int idx = acceptedSockets.put(as, l.family);
        boolean more = goOn && postAccept(ud) == 0;
        end(ud, idx, more ? MORE : 0, null);
    }

    /** Ends (or, with {@link #MORE}, reports) an operation: its handle released first, then the handler. */
    private void end(long ud, int result, int flags, ByteBuffer data) {
        if ((flags & MORE) == 0) {
            SocketHandle h = (SocketHandle) table.handle(ud);
            if (h != null) {
                IocpNetOps.releaseAndMaybeClose(h);
            }
        }
        table.complete(ud, result, flags, data);
    }

    // -------------------------------------------------------------------------------------------- closing

    /**
     * Cancels what is in flight and waits (at most {@code jevent.iocp.closeWaitMillis}, default 2000) for the kernel to
     * be done with the slot memory; the handlers are not called. Then the handles are released, the undelivered
     * accepted sockets closed and the memory freed. Memory of requests the kernel never finished, the slot memory and
     * the buffers lent to them, is left allocated rather than freed under it. Called by the readiness' close, once no
     * dequeuer hands anything over any more (own port), or while they may still do so (shared port: they hand to the
     * ring, drained here).
     *
     * @param waitOnPort whether to dequeue the port here (the loop's own port, without a helper)
     */
    void close(boolean waitOnPort) {
        if (closed) {
            return;
        }
        closed = true;
        pendingClose = new boolean[kind.length];
        for (int s = 0; s < kind.length; s++) {
            long op = slotData[s];
            Handle h = OperationTable.slot(op) == s ? table.handle(op) : null;
            if (h instanceof SocketHandle) {
                pendingClose[s] = true;
                outstanding++;
                if (h.isOpen()) {
                    Kernel32.CancelIoEx(((SocketHandle) h).socket(), 0L);
                }
            }
        }
        forgetLocal();
        long deadline = System.nanoTime() + CLOSE_WAIT_MILLIS * 1_000_000L;
        CompletionRing.Consumer forget = (ud, v) -> forget(ud);
        while (outstanding > 0 && System.nanoTime() < deadline) {
            int got = inbox.drain(forget); // handed over by a dequeuer, stopped or not
            if (waitOnPort) {
                owner.drainPortForClose(this);
            } else if (got == 0) {
                LockSupport.parkNanos(1_000_000L);
            }
        }
        inbox.drain(forget);
        boolean kernelDone = outstanding == 0;
        if (!kernelDone) {
            LOG.debug("iocp: closed with {} requests the kernel has not finished; their memory is left allocated",
                    outstanding);
            for (int s = 0; s < kind.length; s++) {
                if (pendingClose[s]) {
                    Handle h = table.handle(slotData[s]);
                    if (h instanceof SocketHandle) {
                        IocpNetOps.releaseAndMaybeClose((SocketHandle) h);
                    }
                    if (kind[s] == ACCEPT && slotAux[s] != 0) {
                        Ws2.closesocket(slotAux[s]); // the kernel keeps its own reference while AcceptEx ends
                        slotAux[s] = 0;
                    }
                }
            }
        }
        acceptedSockets.closeAll(Ws2::closesocket);
        if (kernelDone) {
            table.closeAll();
            calls.free();
        } else {
            // the table, not closed, keeps the buffers lent to those requests reachable (a read's destination, a
            // write's gather list): let go, the collector would free a direct buffer the kernel still writes into
            LEAKED.add(calls.memory());
            LEAKED.add(table);
        }
    }

    /**
     * Slot memory, and the operation table holding the buffers lent to requests, that the kernel may still use: kept
     * reachable for ever rather than freed under it.
     */
    private static final java.util.Queue<Object> LEAKED = new java.util.concurrent.ConcurrentLinkedQueue<>();

    /** While closing: per slot, whether its request is still the kernel's; {@link #outstanding} counts them. */
    private boolean[] pendingClose;
    private int outstanding;

    private void forgetLocal() {
        for (int i = 0; i < localCount; i++) {
            forget(localData[i]);
        }
        localCount = 0;
    }

    /**
     * The completion of {@code ud} while closing: the kernel is done with its slot. Releases its handle and closes an
     * accept's socket; no handler is called.
     */
    void forget(long ud) {
        if (!table.isCurrent(ud)) {
            return;
        }
        int s = OperationTable.slot(ud);
        if (!pendingClose[s]) {
            return;
        }
        pendingClose[s] = false;
        outstanding--;
        if (kind[s] == ACCEPT && slotAux[s] != 0) {
            Ws2.closesocket(slotAux[s]);
            slotAux[s] = 0;
        }
        SocketHandle h = (SocketHandle) table.handle(ud);
        if (h != null) {
            IocpNetOps.releaseAndMaybeClose(h);
        }
    }

    /** While closing: a port entry the closing loop dequeued itself. */
    void forgetEntry(long overlapped) {
        int s = calls.slotOf(overlapped);
        if (s >= 0) {
            forget(calls.userData(s));
        }
    }

    /** Accepted sockets not yet taken (for tests). */
    int acceptedWaiting() {
        return acceptedSockets.size();
    }
}
