package io.jevent.backend.iocp;

import io.jevent.backend.iocp.internal.SockAddrLayout;
import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Kernel32;
import io.jevent.backend.iocp.internal.WinNative.Ws2;
import io.jevent.backend.iocp.internal.WsaBufLayout;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NetOps} over Winsock for {@link SocketHandle}s: every socket is made overlapped
 * ({@code WSASocketW(..., WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT)}, so that the completion engine may post on
 * it) and non-blocking ({@code ioctlsocket(FIONBIO)}, so that the synchronous calls here return
 * {@code WSAEWOULDBLOCK} instead of waiting). Reads and writes are non-overlapped {@code WSARecv}/{@code WSASend} over
 * WSABUF arrays in the thread's scratch memory; {@link #finishConnect} asks {@code select} with a zero timeout
 * (writable: connected; in the except set: failed, with {@code SO_ERROR}). {@code socketPair} is a loopback TCP pair,
 * as on NIO. {@code reuseAddress} and {@code reusePort} are not applied: Windows' {@code SO_REUSEADDR} lets another
 * socket take a bound port over, which is not what a POSIX caller asks for.
 *
 * <p>A handle of another kind throws {@link IllegalArgumentException}. Any thread.
 */
public final class IocpNetOps implements NetOps {
    private static final Logger LOG = LoggerFactory.getLogger(IocpNetOps.class);
    private static final IocpNetOps INSTANCE = new IocpNetOps();

    private IocpNetOps() {
    }

    /**
     * The one instance; stateless, so shared by every base.
     *
     * @return the shared instance, never {@code null}
     */
    public static IocpNetOps instance() {
        return INSTANCE;
    }

    /**
     * The handle as a {@link SocketHandle}.
     *
     * @throws IllegalArgumentException for another kind of handle
     */
    static SocketHandle socketHandle(Handle h) {
        if (h instanceof SocketHandle) {
            return (SocketHandle) h;
        }
        throw new IllegalArgumentException("the iocp backend works on SocketHandles made by its NetOps"
                + " (base.netOps()), got " + (h == null ? "null" : h.getClass().getSimpleName() + " (" + h + ")")
                + "; NIO ChannelHandles go to events (the selector), SOCKETs to the completion engine");
    }

    /** A new overlapped, non-blocking TCP socket of {@code family}. */
    static SocketHandle newSocket(int family) throws IOException {
        Iocp.ensureAvailability(); // Winsock is started by the probe
        long s = Ws2.WSASocketW(family, WinNative.SOCK_STREAM, WinNative.IPPROTO_TCP, 0L, 0,
                WinNative.WSA_FLAG_OVERLAPPED | WinNative.WSA_FLAG_NO_HANDLE_INHERIT);
        if (s == WinNative.INVALID_SOCKET) {
            throw WinErrors.exception("WSASocketW", WinNative.lastError());
        }
        try {
            nonBlocking(s);
        } catch (IOException e) {
            Ws2.closesocket(s);
            throw e;
        }
        SocketHandle h = new SocketHandle(s);
        h.family = family;
        return h;
    }

    static void nonBlocking(long s) throws IOException {
        Scratch sc = Scratch.get();
        sc.buf.putInt(Scratch.ARG, 1);
        if (Ws2.ioctlsocket(s, WinNative.FIONBIO, sc.base + Scratch.ARG) != 0) {
            throw WinErrors.exception("ioctlsocket(FIONBIO)", WinNative.lastError());
        }
    }

    @Override
    public Handle[] socketPair() throws IOException {
        Handle listener = listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, false, false);
        try {
            SocketAddress at = localAddress(listener);
            Handle client = connect(at);
            try {
                Handle server = null;
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (server == null || !finishConnect(client)) {
                    if (server == null) {
                        server = accept(listener);
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IOException("socketPair: the loopback connect did not finish in 10 s");
                    }
                    Thread.yield(); // a loopback connect: done in microseconds, unless the machine is loaded
                }
                return new Handle[] {client, server};
            } catch (IOException | RuntimeException e) {
                close(client);
                throw e;
            }
        } finally {
            close(listener);
        }
    }

    @Override
    public Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort)
            throws IOException {
        Objects.requireNonNull(local, "local");
        if (backlog <= 0) {
            throw new IllegalArgumentException("expected backlog > 0, got " + backlog);
        }
        if (reuseAddress || reusePort) {
            LOG.debug("iocp: SO_REUSEADDR/SO_REUSEPORT not applied on Windows (its SO_REUSEADDR allows port theft)");
        }
        SocketHandle h = newSocket(SockAddrLayout.family(local));
        try {
            Scratch sc = Scratch.get();
            int len = SockAddrLayout.encode(local, sc.buf, Scratch.ADDR);
            if (Ws2.bind(h.socket(), sc.base + Scratch.ADDR, len) != 0) {
                throw WinErrors.exception("bind", WinNative.lastError());
            }
            if (Ws2.listen(h.socket(), backlog) != 0) {
                throw WinErrors.exception("listen", WinNative.lastError());
            }
            return h;
        } catch (IOException | RuntimeException e) {
            Ws2.closesocket(h.socket());
            throw e;
        }
    }

    @Override
    public Handle accept(Handle listener) throws IOException {
        SocketHandle l = socketHandle(listener);
        long ls = l.acquire();
        long s;
        try {
            s = Ws2.accept(ls, 0L, 0L);
            if (s == WinNative.INVALID_SOCKET) {
                int err = WinNative.lastError();
                if (err == WinErrors.WSAEWOULDBLOCK || err == WinErrors.WSAECONNRESET) {
                    return null; // nothing pending (or a peer gone before we took it)
                }
                throw WinErrors.exception("accept", err);
            }
        } finally {
            releaseAndMaybeClose(l);
        }
        try {
            nonBlocking(s);
        } catch (IOException e) {
            Ws2.closesocket(s);
            throw e;
        }
        SocketHandle h = new SocketHandle(s);
        h.family = l.family; // the listener's: which provider's skip-on-success answer applies to it
        return h;
    }

    @Override
    public Handle connect(SocketAddress remote) throws IOException {
        Objects.requireNonNull(remote, "remote");
        SocketHandle h = newSocket(SockAddrLayout.family(remote));
        Scratch sc = Scratch.get();
        int len = SockAddrLayout.encode(remote, sc.buf, Scratch.ADDR);
        if (Ws2.connect(h.socket(), sc.base + Scratch.ADDR, len) != 0) {
            int err = WinNative.lastError();
            if (err != WinErrors.WSAEWOULDBLOCK && err != WinErrors.WSAEINPROGRESS) {
                Ws2.closesocket(h.socket());
                throw WinErrors.exception("connect", err);
            }
        }
        return h;
    }

    @Override
    public boolean finishConnect(Handle handle) throws IOException {
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            Scratch sc = Scratch.get();
            ByteBuffer b = sc.buf;
            b.putLong(Scratch.FD_WRITE, 1L); // fd_count 1 and its padding
            b.putLong(Scratch.FD_WRITE + 8, s);
            b.putLong(Scratch.FD_EXCEPT, 1L);
            b.putLong(Scratch.FD_EXCEPT + 8, s);
            b.putLong(Scratch.TIMEVAL, 0L);
            int n = Ws2.select(0, 0L, sc.base + Scratch.FD_WRITE, sc.base + Scratch.FD_EXCEPT,
                    sc.base + Scratch.TIMEVAL);
            if (n == WinNative.SOCKET_ERROR) {
                throw WinErrors.exception("select", WinNative.lastError());
            }
            if (b.getInt(Scratch.FD_EXCEPT) != 0) {
                b.putInt(Scratch.ARG, 0);
                b.putInt(Scratch.LEN, 4);
                if (Ws2.getsockopt(s, WinNative.SOL_SOCKET, WinNative.SO_ERROR, sc.base + Scratch.ARG,
                        sc.base + Scratch.LEN) != 0) {
                    throw WinErrors.exception("getsockopt(SO_ERROR)", WinNative.lastError());
                }
                throw WinErrors.exception("connect", b.getInt(Scratch.ARG));
            }
            return b.getInt(Scratch.FD_WRITE) != 0;
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    @Override
    public long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            Scratch sc = Scratch.get();
            int n = Math.min(length, Scratch.MAX_WSABUFS);
            for (int i = 0; i < n; i++) {
                ByteBuffer d = dsts[offset + i];
                WsaBufLayout.put(sc.buf, Scratch.WSABUFS, i, NativeMemory.address(d) + d.position(), d.remaining());
            }
            long got = recv(s, sc.base + Scratch.WSABUFS, n, sc);
            if (got > 0) {
                advance(dsts, offset, n, got);
            }
            return got;
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    /**
     * A non-overlapped, non-blocking {@code WSARecv} into the WSABUFs at {@code bufs}: bytes ({@code 0} at end of
     * stream), or {@link #WOULD_BLOCK}. A graceful close by the peer ({@code WSAEDISCON}) is end of stream.
     */
    static long recv(long s, long bufs, int count, Scratch sc) throws IOException {
        sc.buf.putInt(Scratch.FLAGS, 0);
        if (Ws2.WSARecv(s, bufs, count, sc.base + Scratch.BYTES, sc.base + Scratch.FLAGS, 0L, 0L) != 0) {
            int err = WinNative.lastError();
            if (err == WinErrors.WSAEWOULDBLOCK) {
                return WOULD_BLOCK;
            }
            if (err == WinErrors.WSAEDISCON) {
                return 0;
            }
            throw WinErrors.exception("WSARecv", WinErrors.receiveError(err));
        }
        return sc.buf.getInt(Scratch.BYTES) & 0xffff_ffffL;
    }

    @Override
    public long write(Handle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            Scratch sc = Scratch.get();
            int n = Math.min(length, Scratch.MAX_WSABUFS);
            for (int i = 0; i < n; i++) {
                ByteBuffer d = srcs[offset + i];
                WsaBufLayout.put(sc.buf, Scratch.WSABUFS, i, NativeMemory.address(d) + d.position(), d.remaining());
            }
            if (Ws2.WSASend(s, sc.base + Scratch.WSABUFS, n, sc.base + Scratch.BYTES, 0, 0L, 0L) != 0) {
                int err = WinNative.lastError();
                if (err == WinErrors.WSAEWOULDBLOCK) {
                    return WOULD_BLOCK;
                }
                throw WinErrors.exception("WSASend", err);
            }
            long put = sc.buf.getInt(Scratch.BYTES) & 0xffff_ffffL;
            advance(srcs, offset, n, put);
            return put;
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    private static void advance(ByteBuffer[] bufs, int offset, int n, long moved) {
        for (int i = 0; i < n && moved > 0; i++) {
            ByteBuffer b = bufs[offset + i];
            int step = (int) Math.min(moved, b.remaining());
            b.position(b.position() + step);
            moved -= step;
        }
    }

    @Override
    public void shutdownOutput(Handle handle) throws IOException {
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            if (Ws2.shutdown(s, WinNative.SD_SEND) != 0) {
                throw WinErrors.exception("shutdown", WinNative.lastError());
            }
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Requests still posted on the socket are cancelled ({@code CancelIoEx}); {@code closesocket} follows the last
     * of their completions, or happens now when there is none.
     */
    @Override
    public void close(Handle handle) throws IOException {
        SocketHandle h = socketHandle(handle);
        if (!h.markClosedAndHold()) {
            return;
        }
        if (h.port != 0 && Kernel32.CancelIoEx(h.socket(), 0L) == 0) {
            int err = WinNative.lastError();
            if (err != WinErrors.ERROR_NOT_FOUND) {
                LOG.debug("iocp: CancelIoEx on close of {}: {}", h, WinErrors.describe(err));
            }
        }
        releaseAndMaybeClose(h);
    }

    /** Ends a call on {@code h}, closing the socket if the handle was closed and this was the last call. */
    static void releaseAndMaybeClose(SocketHandle h) {
        if (h.release() && Ws2.closesocket(h.socket()) != 0) {
            LOG.debug("iocp: closesocket of {}: {}", h, WinErrors.describe(WinNative.lastError()));
        }
    }

    @Override
    public SocketAddress localAddress(Handle handle) throws IOException {
        return address(handle, false);
    }

    @Override
    public SocketAddress remoteAddress(Handle handle) throws IOException {
        return address(handle, true);
    }

    private static SocketAddress address(Handle handle, boolean peer) throws IOException {
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            Scratch sc = Scratch.get();
            sc.buf.putInt(Scratch.LEN, SockAddrLayout.STORAGE_SIZE);
            int rc = peer ? Ws2.getpeername(s, sc.base + Scratch.ADDR, sc.base + Scratch.LEN)
                    : Ws2.getsockname(s, sc.base + Scratch.ADDR, sc.base + Scratch.LEN);
            if (rc != 0) {
                int err = WinNative.lastError();
                if (peer && err == WinErrors.WSAENOTCONN) {
                    return null;
                }
                throw WinErrors.exception(peer ? "getpeername" : "getsockname", err);
            }
            return SockAddrLayout.decode(sc.buf, Scratch.ADDR);
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    @Override
    public void setTcpNoDelay(Handle handle, boolean on) throws IOException {
        SocketHandle h = socketHandle(handle);
        long s = h.acquire();
        try {
            Scratch sc = Scratch.get();
            sc.buf.putInt(Scratch.ARG, on ? 1 : 0);
            if (Ws2.setsockopt(s, WinNative.IPPROTO_TCP, WinNative.TCP_NODELAY, sc.base + Scratch.ARG, 4) != 0) {
                throw WinErrors.exception("setsockopt(TCP_NODELAY)", WinNative.lastError());
            }
        } finally {
            releaseAndMaybeClose(h);
        }
    }

    /** For messages: a closed handle's exception. */
    static ClosedChannelException closed() {
        return new ClosedChannelException();
    }
}
