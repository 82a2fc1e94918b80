package io.jevent.backend.posix;

import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.FileDescriptors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.Os;
import io.jevent.backend.posix.internal.SockAddr;
import io.jevent.backend.posix.internal.ThreadScratch;
import io.jevent.backend.posix.internal.VectorIo;
import io.jevent.backend.posix.internal.Waker;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NetOps} over raw descriptors ({@link FdHandle}) through JNA libc, shared by the poll and epoll backends.
 *
 * <p>Every descriptor is created with {@code SOCK_NONBLOCK | SOCK_CLOEXEC} (on macOS, which has neither, with
 * {@code fcntl} right after: {@link #configure}). Reads and writes are one
 * {@code readv}/{@code writev} each, over iovecs in per-thread native memory: no allocation per call (see
 * {@code VectorIo}). Errors follow {@code Errors}: EAGAIN is {@link #WOULD_BLOCK}, EBADF a
 * {@link java.nio.channels.ClosedChannelException}, the rest {@link io.jevent.spi.ErrnoException}s.
 *
 * <p><b>Dead handles.</b> Every call on a handle's descriptor is bracketed by {@link FdHandle#acquire()} and
 * {@link #release(FdHandle)}: a handle closed here throws {@link java.nio.channels.ClosedChannelException} before
 * any system call, so its number, which the kernel hands to the next socket opened, is never used on its behalf
 * again. A close racing a call on another thread is completed by that call, when it ends ({@link FdHandle}).
 *
 * <p>Thread-safe: all state is per thread.
 */
public final class PosixNetOps implements NetOps {
    private static final Logger LOG = LoggerFactory.getLogger(PosixNetOps.class);
    private static final PosixNetOps INSTANCE = new PosixNetOps();
    private static final int SOCK_FLAGS = LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC;

    private PosixNetOps() {
    }

    /**
     * The shared instance.
     *
     * @return the one instance, never {@code null}
     * @throws IllegalStateException if the libc layer is unavailable ({@link Posix#unavailabilityCause()})
     */
    public static PosixNetOps instance() {
        Posix.ensureAvailability();
        return INSTANCE;
    }

    /**
     * The handle as an {@link FdHandle}; its number is for system calls between {@link FdHandle#acquire()} and
     * {@link #release(FdHandle)} only.
     *
     * @param handle the handle to view; one that this {@link NetOps} opened or accepted passes
     * @return the same handle, cast
     * @throws IllegalArgumentException if the handle is not an {@link FdHandle} (including {@code null})
     */
    public static FdHandle fdHandle(Handle handle) {
        if (handle instanceof FdHandle) {
            return (FdHandle) handle;
        }
        throw new IllegalArgumentException("expected an FdHandle (a raw descriptor, as made by the NetOps of the"
                + " epoll and poll backends, PosixNetOps), got "
                + (handle == null ? "null" : handle.getClass().getSimpleName() + " '" + handle + "'")
                + "; a ChannelHandle belongs to the nio backend: open handles with the NetOps of the backend"
                + " the EventBase runs on");
    }

    /**
     * Ends a call begun with {@link FdHandle#acquire()}; if the handle was closed meanwhile, this is where its
     * descriptor is really closed. For the backends built on this layer.
     *
     * @param h the handle whose {@link FdHandle#acquire()} succeeded; not {@code null}
     */
    public static void release(FdHandle h) {
        if (h.release()) {
            closeDeferred(h);
        }
    }

    private static void closeDeferred(FdHandle h) {
        if (LibC.close(h.fd()) < 0) {
            int errno = Errors.errno();
            LOG.debug("deferred close of {} after the call in flight: {}", h, Errors.name(errno));
        } else {
            LOG.trace("deferred close of {} done after the call in flight", h);
        }
    }

    @Override
    public Handle[] socketPair() throws IOException {
        ThreadScratch s = ThreadScratch.get();
        Errors.check("socketpair",
                LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM | SOCK_FLAGS, 0, s.addrAddress));
        int a = s.addr.getInt(0);
        int b = s.addr.getInt(4);
        configure(a, b);
        return new Handle[] {new FdHandle(a), new FdHandle(b)};
    }

    @Override
    public Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort)
            throws IOException {
        if (backlog <= 0) {
            throw new IllegalArgumentException("expected backlog > 0, got " + backlog);
        }
        int fd = Errors.check("socket", LibC.socket(SockAddr.family(local), LibC.SOCK_STREAM | SOCK_FLAGS, 0));
        try {
            configure(fd, fd);
            ThreadScratch s = ThreadScratch.get();
            if (reuseAddress) {
                setIntOption(fd, LibC.SOL_SOCKET, LibC.SO_REUSEADDR, 1);
            }
            if (reusePort && LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_REUSEPORT, intArg(s, 1), 4) < 0) {
                int errno = Errors.errno();
                if (errno != Errors.ENOPROTOOPT) {
                    throw Errors.newException("setsockopt(SO_REUSEPORT)", errno);
                }
                LOG.debug("SO_REUSEPORT unsupported here (ENOPROTOOPT), ignored for {}", local);
            }
            int len = SockAddr.encode(local, s.addr);
            if (LibC.bind(fd, s.addrAddress, len) < 0) {
                throw Errors.newException("bind", local, Errors.errno());
            }
            if (LibC.listen(fd, backlog) < 0) {
                throw Errors.newException("listen", local, Errors.errno());
            }
            return new FdHandle(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    @Override
    public Handle accept(Handle listener) throws IOException {
        FdHandle l = fdHandle(listener);
        int lfd = l.acquire();
        try {
            for (;;) {
                int fd = Os.LINUX ? LibC.accept4(lfd, 0, 0, SOCK_FLAGS) : LibC.accept(lfd, 0, 0);
                if (fd >= 0) {
                    configure(fd, fd);
                    return new FdHandle(fd);
                }
                int errno = Errors.errno();
                if (errno == Errors.EAGAIN) {
                    return null;
                }
                // EINTR: try again. ECONNABORTED: that peer gave up while queued; others may be waiting.
                if (errno != Errors.EINTR && errno != Errors.ECONNABORTED) {
                    throw Errors.newException(Os.LINUX ? "accept4" : "accept", errno);
                }
            }
        } finally {
            release(l);
        }
    }

    @Override
    public Handle connect(SocketAddress remote) throws IOException {
        int fd = Errors.check("socket", LibC.socket(SockAddr.family(remote), LibC.SOCK_STREAM | SOCK_FLAGS, 0));
        try {
            configure(fd, fd);
            ThreadScratch s = ThreadScratch.get();
            int len = SockAddr.encode(remote, s.addr);
            if (LibC.connect(fd, s.addrAddress, len) < 0) {
                int errno = Errors.errno();
                // EINTR on a non-blocking connect: it goes on asynchronously, as EINPROGRESS.
                if (errno != Errors.EINPROGRESS && errno != Errors.EINTR) {
                    throw Errors.newException("connect", remote, errno);
                }
            }
            return new FdHandle(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    @Override
    public boolean finishConnect(Handle handle) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            int error = getIntOption(fd, LibC.SOL_SOCKET, LibC.SO_ERROR);
            if (error != 0) {
                throw Errors.errnoException("connect", error);
            }
            ThreadScratch s = ThreadScratch.get();
            s.addr.putInt(ThreadScratch.LEN_OFFSET, SockAddr.STORAGE_SIZE);
            if (LibC.getpeername(fd, s.addrAddress, s.lenAddress) == 0) {
                return true;
            }
            int errno = Errors.errno();
            if (errno == Errors.ENOTCONN) {
                return stillConnecting(fd, s);
            }
            throw Errors.newException("getpeername", errno);
        } finally {
            release(h);
        }
    }

    /**
     * Whether a socket that has no peer (getpeername: ENOTCONN) and no pending error (SO_ERROR 0) is still
     * connecting: {@code false} when {@code poll} says it is writable or hung up, which a connecting socket never is.
     * Then the connect failed and someone else took its error first (libkqueue reads SO_ERROR itself, which on Linux
     * clears it), so the failure is reported as ENOTCONN rather than left to look pending forever (a level-triggered
     * WRITE event would then fire on every pass).
     *
     * @throws ErrnoException ENOTCONN when the connect failed with an error already taken
     */
    private static boolean stillConnecting(int fd, ThreadScratch s) throws IOException {
        // a pollfd in the scratch sockaddr area: fd @0, events @4, revents @6
        s.addr.putInt(0, fd);
        s.addr.putShort(4, LibC.POLLOUT);
        s.addr.putShort(6, (short) 0);
        int n = LibC.poll(s.addrAddress, 1, 0);
        short revents = s.addr.getShort(6);
        if (n > 0 && (revents & (LibC.POLLOUT | LibC.POLLHUP | LibC.POLLERR)) != 0) {
            throw new ErrnoException("connect", Errors.ENOTCONN, Errors.name(Errors.ENOTCONN),
                    "the connect failed, and its error was taken by another reader of SO_ERROR");
        }
        return false;
    }

    @Override
    public long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            return VectorIo.read(fd, dsts, offset, length);
        } finally {
            release(h);
        }
    }

    @Override
    public long write(Handle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            return VectorIo.write(fd, srcs, offset, length);
        } finally {
            release(h);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>On Linux one {@code sendfile(2)}, the file's descriptor read from the JDK channel (see
     * {@code FileDescriptors}); {@link #UNSUPPORTED} elsewhere (macOS's sendfile has another signature), for a channel
     * whose descriptor cannot be known, and when the kernel refuses the pair (EINVAL, ENOSYS: a file that cannot be
     * mapped), so the caller copies instead. Allocates nothing.
     */
    @Override
    public long sendFile(Handle handle, FileChannel file, long position, long count) throws IOException {
        if (position < 0 || count <= 0) {
            throw new IllegalArgumentException("expected position >= 0 and count > 0, got " + position + ", " + count);
        }
        if (!Os.LINUX) {
            return UNSUPPORTED;
        }
        int in = FileDescriptors.of(file);
        if (in < 0) {
            return UNSUPPORTED;
        }
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            ThreadScratch scratch = ThreadScratch.get();
            while (true) {
                scratch.addr.putLong(0, position);
                long rc = LibC.sendfile(fd, in, scratch.addrAddress, count);
                if (rc < 0) {
                    int errno = Errors.errno();
                    if (errno == Errors.EINVAL || errno == Errors.ENOSYS) {
                        return UNSUPPORTED;
                    }
                }
                long r = Errors.ioResult("sendfile", rc);
                if (r != Errors.RETRY) {
                    return r;
                }
            }
        } finally {
            release(h);
        }
    }

    @Override
    public void shutdownOutput(Handle handle) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            Errors.check("shutdown", LibC.shutdown(fd, LibC.SHUT_WR));
        } finally {
            release(h);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>The handle is marked dead first; {@code close(2)} follows at once, or, if a call on the descriptor is in
     * flight on another thread, when that call ends (its error, if any, is then only logged at debug).
     */
    @Override
    public void close(Handle handle) throws IOException {
        FdHandle h = fdHandle(handle);
        if (h.markClosed()) {
            Errors.closeResult(LibC.close(h.fd()));
        }
    }

    @Override
    public SocketAddress localAddress(Handle handle) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            ThreadScratch s = ThreadScratch.get();
            s.addr.putInt(ThreadScratch.LEN_OFFSET, SockAddr.STORAGE_SIZE);
            Errors.check("getsockname", LibC.getsockname(fd, s.addrAddress, s.lenAddress));
            return SockAddr.decode(s.addr, s.addr.getInt(ThreadScratch.LEN_OFFSET));
        } finally {
            release(h);
        }
    }

    @Override
    public SocketAddress remoteAddress(Handle handle) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            ThreadScratch s = ThreadScratch.get();
            s.addr.putInt(ThreadScratch.LEN_OFFSET, SockAddr.STORAGE_SIZE);
            if (LibC.getpeername(fd, s.addrAddress, s.lenAddress) < 0) {
                int errno = Errors.errno();
                if (errno == Errors.ENOTCONN) {
                    return null;
                }
                throw Errors.newException("getpeername", errno);
            }
            return SockAddr.decode(s.addr, s.addr.getInt(ThreadScratch.LEN_OFFSET));
        } finally {
            release(h);
        }
    }

    @Override
    public void setTcpNoDelay(Handle handle, boolean on) throws IOException {
        FdHandle h = fdHandle(handle);
        int fd = h.acquire();
        try {
            setIntOption(fd, LibC.IPPROTO_TCP, LibC.TCP_NODELAY, on ? 1 : 0);
        } finally {
            release(h);
        }
    }

    @Override
    public boolean supportsDatagrams() {
        return true;
    }

    @Override
    public Handle openDatagram(InetSocketAddress local) throws IOException {
        java.util.Objects.requireNonNull(local, "local");
        int fd = Errors.check("socket", LibC.socket(SockAddr.family(local), LibC.SOCK_DGRAM | SOCK_FLAGS, 0));
        try {
            configure(fd, fd);
            ThreadScratch s = ThreadScratch.get();
            int len = SockAddr.encode(local, s.addr);
            Errors.check("bind", LibC.bind(fd, s.addrAddress, len));
            return new FdHandle(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A heap buffer is copied through the thread's native scratch, which holds
     * {@code jevent.posix.heapScratchBytes} (64 KiB by default, more than any UDP datagram).
     */
    @Override
    public long sendTo(Handle handle, ByteBuffer src, InetSocketAddress target) throws IOException {
        java.util.Objects.requireNonNull(target, "target");
        FdHandle h = fdHandle(handle);
        ThreadScratch s = ThreadScratch.get();
        int n = src.remaining();
        long address;
        if (src.isDirect()) {
            address = NativeMemory.address(src) + src.position();
        } else {
            if (n > ThreadScratch.HEAP_SCRATCH_BYTES) {
                throw new IllegalArgumentException("expected a datagram of at most " + ThreadScratch.HEAP_SCRATCH_BYTES
                        + " bytes in a heap buffer (jevent.posix.heapScratchBytes), got " + n
                        + ": use a direct buffer");
            }
            s.heapCopy.put(0, src, src.position(), n);
            address = s.heapCopyAddress;
        }
        int len;
        if (target == s.lastTarget) {
            len = s.lastTargetLength;
            s.addr.put(0, s.lastTargetBytes, 0, len);
        } else {
            len = SockAddr.encode(target, s.addr);
            s.addr.get(0, s.lastTargetBytes, 0, len);
            s.lastTarget = target;
            s.lastTargetLength = len;
        }
        int fd = h.acquire();
        try {
            long rc;
            do {
                rc = Errors.ioResult("sendto", LibC.sendto(fd, address, n, 0, s.addrAddress, len));
            } while (rc == Errors.RETRY);
            if (rc >= 0) {
                src.position(src.position() + (int) rc);
            }
            return rc;
        } finally {
            release(h);
        }
    }

    @Override
    public InetSocketAddress receiveFrom(Handle handle, ByteBuffer dst) throws IOException {
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException();
        }
        FdHandle h = fdHandle(handle);
        ThreadScratch s = ThreadScratch.get();
        int room = dst.remaining();
        long address;
        if (dst.isDirect()) {
            address = NativeMemory.address(dst) + dst.position();
        } else {
            room = Math.min(room, ThreadScratch.HEAP_SCRATCH_BYTES);
            address = s.heapCopyAddress;
        }
        int fd = h.acquire();
        long rc;
        try {
            do {
                s.addr.putInt(ThreadScratch.LEN_OFFSET, SockAddr.STORAGE_SIZE);
                rc = Errors.ioResult("recvfrom", LibC.recvfrom(fd, address, room, 0, s.addrAddress, s.lenAddress));
            } while (rc == Errors.RETRY);
        } finally {
            release(h);
        }
        if (rc == WOULD_BLOCK) {
            return null;
        }
        int n = (int) rc;
        if (!dst.isDirect()) {
            dst.put(dst.position(), s.heapCopy, 0, n);
        }
        dst.position(dst.position() + n);
        return sender(s, Math.min(s.addr.getInt(ThreadScratch.LEN_OFFSET), SockAddr.STORAGE_SIZE));
    }

    /** The sender in the scratch's sockaddr: the cached one if the bytes are the same as last time. */
    private static InetSocketAddress sender(ThreadScratch s, int len) throws IOException {
        boolean same = len == s.lastSenderLength && s.lastSenderAddress != null;
        for (int i = 0; same && i < len; i++) {
            same = s.addr.get(i) == s.lastSender[i];
        }
        if (same) {
            return s.lastSenderAddress;
        }
        SocketAddress a = SockAddr.decode(s.addr, len);
        if (!(a instanceof InetSocketAddress)) {
            throw new IOException("recvfrom: a datagram from a sender that is not an IP address: " + a);
        }
        s.addr.get(0, s.lastSender, 0, len);
        s.lastSenderLength = len;
        s.lastSenderAddress = (InetSocketAddress) a;
        return s.lastSenderAddress;
    }

    /**
     * Makes new descriptors non-blocking and close-on-exec where the call that made them could not (macOS: no
     * {@code SOCK_NONBLOCK}, {@code SOCK_CLOEXEC}, {@code accept4}); closes both if that fails. Nothing on Linux.
     */
    private static void configure(int a, int b) throws IOException {
        if (Os.LINUX) {
            return;
        }
        try {
            Waker.configure(a);
            if (b != a) {
                Waker.configure(b);
            }
        } catch (IOException | RuntimeException e) {
            LibC.close(a);
            if (b != a) {
                LibC.close(b);
            }
            throw e;
        }
    }

    private static void setIntOption(int fd, int level, int name, int value) throws IOException {
        Errors.check("setsockopt", LibC.setsockopt(fd, level, name, intArg(ThreadScratch.get(), value), 4));
    }

    /** Puts {@code value} in the scratch int slot and returns its address. */
    private static long intArg(ThreadScratch s, int value) {
        s.addr.putInt(ThreadScratch.LEN_OFFSET, value);
        return s.lenAddress;
    }

    private static int getIntOption(int fd, int level, int name) throws IOException {
        ThreadScratch s = ThreadScratch.get();
        s.addr.putInt(0, 0);
        s.addr.putInt(ThreadScratch.LEN_OFFSET, 4);
        Errors.check("getsockopt", LibC.getsockopt(fd, level, name, s.addrAddress, s.lenAddress));
        return s.addr.getInt(0);
    }
}
