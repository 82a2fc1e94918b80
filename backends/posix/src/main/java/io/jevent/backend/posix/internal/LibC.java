package io.jevent.backend.posix.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * Raw libc bindings through JNA <em>direct mapping</em> ({@link Native#register}): every argument is a primitive
 * or a {@code long} address into native memory we own, so a call costs one JNI transition and no marshalling.
 *
 * <p>Failures return {@code -1} and leave errno, which JNA saves per thread after each call; read it with
 * {@link Errors#errno()} and interpret it in {@link Errors} only. No method is declared to throw
 * {@code LastErrorException}: building that exception costs about 5 µs, far too much for EAGAIN.
 *
 * <p>The constants are Linux's (x86_64 and aarch64 share them). {@code size_t}/{@code ssize_t} are mapped to
 * {@code long}, which holds on LP64 only; {@code io.jevent.backend.posix.Posix} refuses other platforms.
 *
 * <p>Initialising this class loads libc; callers go through {@code Posix.ensureAvailability()} first.
 */
public final class LibC {
    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = 10;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_NONBLOCK} (= {@code O_NONBLOCK}). */
    public static final int SOCK_NONBLOCK = 0x800;
    /** {@code SOCK_CLOEXEC} (= {@code O_CLOEXEC}). */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code O_NONBLOCK}. */
    public static final int O_NONBLOCK = 0x800;
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = 0x80000;
    /** {@code EFD_NONBLOCK}. */
    public static final int EFD_NONBLOCK = 0x800;
    /** {@code EFD_CLOEXEC}. */
    public static final int EFD_CLOEXEC = 0x80000;
    /** {@code F_GETFL}. */
    public static final int F_GETFL = 3;
    /** {@code F_SETFL}. */
    public static final int F_SETFL = 4;

    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_REUSEADDR}. */
    public static final int SO_REUSEADDR = 2;
    /** {@code SO_ERROR}. */
    public static final int SO_ERROR = 4;
    /** {@code SO_REUSEPORT}. */
    public static final int SO_REUSEPORT = 15;
    /** {@code IPPROTO_TCP}. */
    public static final int IPPROTO_TCP = 6;
    /** {@code TCP_NODELAY}. */
    public static final int TCP_NODELAY = 1;
    /** {@code SHUT_WR}. */
    public static final int SHUT_WR = 1;

    /** {@code POLLIN}. */
    public static final short POLLIN = 0x1;
    /** {@code POLLOUT}. */
    public static final short POLLOUT = 0x4;
    /** {@code POLLERR}. */
    public static final short POLLERR = 0x8;
    /** {@code POLLHUP}. */
    public static final short POLLHUP = 0x10;
    /** {@code POLLNVAL}. */
    public static final short POLLNVAL = 0x20;
    /** {@code POLLRDHUP} (Linux). */
    public static final short POLLRDHUP = 0x2000;

    /** {@code IOV_MAX} on Linux: the most iovecs one readv/writev accepts. */
    public static final int IOV_MAX = 1024;

    private LibC() {
    }

    public static native int socket(int domain, int type, int protocol);

    public static native int bind(int fd, long addr, int addrLen);

    public static native int listen(int fd, int backlog);

    public static native int accept4(int fd, long addr, long addrLenPtr, int flags);

    public static native int connect(int fd, long addr, int addrLen);

    public static native int getsockopt(int fd, int level, int name, long value, long lenPtr);

    public static native int setsockopt(int fd, int level, int name, long value, int len);

    public static native int getsockname(int fd, long addr, long addrLenPtr);

    public static native int getpeername(int fd, long addr, long addrLenPtr);

    public static native long read(int fd, long buf, long count);

    public static native long write(int fd, long buf, long count);

    public static native long readv(int fd, long iov, int iovcnt);

    public static native long writev(int fd, long iov, int iovcnt);

    public static native int shutdown(int fd, int how);

    public static native int close(int fd);

    public static native int pipe2(long fds, int flags);

    public static native int socketpair(int domain, int type, int protocol, long sv);

    /** {@code fcntl(fd, cmd, arg)} for the integer-argument commands (F_GETFL, F_SETFL). */
    public static native int fcntl(int fd, int cmd, int arg);

    /** Linux {@code eventfd(2)}. */
    public static native int eventfd(int initval, int flags);

    public static native int poll(long fds, long nfds, int timeoutMillis);

    /**
     * Checks that the bindings work here: LP64, and errno is saved after a direct-mapped call (close(-1) must
     * fail with EBADF). Called once by {@code Posix}'s static initialiser.
     *
     * @throws IllegalStateException if not
     */
    public static void probe() {
        if (Native.POINTER_SIZE != 8 || Native.LONG_SIZE != 8 || Native.SIZE_T_SIZE != 8) {
            throw new IllegalStateException("jevent's libc bindings need an LP64 platform, pointer size "
                    + Native.POINTER_SIZE + ", long size " + Native.LONG_SIZE);
        }
        int rc = close(-1);
        int errno = Errors.errno();
        if (rc != -1 || errno != Errors.EBADF) {
            throw new IllegalStateException("close(-1) returned " + rc + " with errno " + errno
                    + ", expected -1 with EBADF: JNA does not preserve errno here");
        }
    }

    /** Returns a pointer to a static message; see {@link Errors#describe(int)}. */
    public static native long strerror(int errnum);
}
