package io.jevent.backend.posix.internal;

import com.sun.jna.Library;
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
 * <p>The constants are Linux's (x86_64 and aarch64 share them) or macOS's, chosen once by {@link Os}; the calls
 * only Linux has ({@code accept4}, {@code pipe2}, {@code eventfd}, {@code sendfile}) are bound on Linux only, and
 * throw (an
 * {@link UnsupportedOperationException} as the cause) elsewhere. {@code size_t}/{@code ssize_t} are mapped to
 * {@code long}, which holds on LP64 only; {@code io.jevent.backend.posix.Posix} refuses other platforms.
 *
 * <p>Initialising this class loads libc; callers go through {@code Posix.ensureAvailability()} first.
 */
public final class LibC {
    static {
        Native.register(LibC.class, Platform.C_LIBRARY_NAME);
    }

    /** The calls only Linux has (and its fixed-argument {@code fcntl}), bound when first used; elsewhere they throw. */
    private static final class Linux {
        static {
            if (!Os.LINUX) {
                throw new UnsupportedOperationException("accept4, pipe2, eventfd and sendfile are Linux's");
            }
            Native.register(Linux.class, Platform.C_LIBRARY_NAME);
        }

        static native int accept4(int fd, long addr, long addrLenPtr, int flags);

        static native int pipe2(long fds, int flags);

        static native int eventfd(int initval, int flags);

        /** {@code sendfile(2)}: {@code offsetPtr} points at an {@code off_t}, advanced by the bytes sent. */
        static native long sendfile(int outFd, int inFd, long offsetPtr, long count);

        /** Linux passes a variadic {@code int} as it passes a fixed one (x86_64, aarch64). */
        static native int fcntl(int fd, int cmd, int arg);
    }

    /** macOS's variadic {@code fcntl}, through an interface mapping (socket set-up only: never on a hot path). */
    private interface Darwin extends Library {
        Darwin INSTANCE = Native.load(Platform.C_LIBRARY_NAME, Darwin.class);

        int fcntl(int fd, int cmd, Object... args);
    }

    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = Os.pick(10, 30);
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code SOCK_NONBLOCK} (= {@code O_NONBLOCK}); 0 on macOS, which has none ({@code fcntl} instead). */
    public static final int SOCK_NONBLOCK = Os.pick(0x800, 0);
    /** {@code SOCK_CLOEXEC} (= {@code O_CLOEXEC}); 0 on macOS, which has none ({@code fcntl} instead). */
    public static final int SOCK_CLOEXEC = Os.pick(0x80000, 0);
    /** {@code O_NONBLOCK}. */
    public static final int O_NONBLOCK = Os.pick(0x800, 0x4);
    /** {@code O_CLOEXEC}. */
    public static final int O_CLOEXEC = Os.pick(0x80000, 0x100_0000);
    /** {@code EFD_NONBLOCK}. */
    public static final int EFD_NONBLOCK = 0x800;
    /** {@code EFD_CLOEXEC}. */
    public static final int EFD_CLOEXEC = 0x80000;
    /** {@code F_GETFL}. */
    public static final int F_GETFL = 3;
    /** {@code F_SETFL}. */
    public static final int F_SETFL = 4;
    /** {@code F_SETFD}. */
    public static final int F_SETFD = 2;
    /** {@code FD_CLOEXEC}. */
    public static final int FD_CLOEXEC = 1;

    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = Os.pick(1, 0xffff);
    /** {@code SO_REUSEADDR}. */
    public static final int SO_REUSEADDR = Os.pick(2, 0x4);
    /** {@code SO_ERROR}. */
    public static final int SO_ERROR = Os.pick(4, 0x1007);
    /** {@code SO_REUSEPORT}. */
    public static final int SO_REUSEPORT = Os.pick(15, 0x200);
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
    /** {@code POLLRDHUP} (Linux); 0 on macOS, which has none. */
    public static final short POLLRDHUP = (short) Os.pick(0x2000, 0);

    /** {@code IOV_MAX} on Linux: the most iovecs one readv/writev accepts. */
    public static final int IOV_MAX = 1024;

    private LibC() {
    }

    public static native int socket(int domain, int type, int protocol);

    public static native int bind(int fd, long addr, int addrLen);

    public static native int listen(int fd, int backlog);

    /** Linux {@code accept4(2)}. */
    public static int accept4(int fd, long addr, long addrLenPtr, int flags) {
        return Linux.accept4(fd, addr, addrLenPtr, flags);
    }

    /** {@code accept(2)}, where there is no {@code accept4} (macOS). */
    public static native int accept(int fd, long addr, long addrLenPtr);

    public static native int connect(int fd, long addr, int addrLen);

    public static native int getsockopt(int fd, int level, int name, long value, long lenPtr);

    public static native int setsockopt(int fd, int level, int name, long value, int len);

    public static native int getsockname(int fd, long addr, long addrLenPtr);

    public static native int getpeername(int fd, long addr, long addrLenPtr);

    public static native long read(int fd, long buf, long count);

    public static native long write(int fd, long buf, long count);

    public static native long readv(int fd, long iov, int iovcnt);

    public static native long writev(int fd, long iov, int iovcnt);

    public static native long sendto(int fd, long buf, long len, int flags, long addr, int addrLen);

    public static native long recvfrom(int fd, long buf, long len, int flags, long addr, long addrLenPtr);

    public static native int shutdown(int fd, int how);

    public static native int close(int fd);

    /** Linux {@code pipe2(2)}. */
    public static int pipe2(long fds, int flags) {
        return Linux.pipe2(fds, flags);
    }

    /**
     * Linux {@code sendfile(2)}: up to {@code count} bytes of {@code inFd} from the {@code off_t} at
     * {@code offsetPtr} (advanced by what was sent; the file's own offset is not used) to the socket {@code outFd}.
     */
    public static long sendfile(int outFd, int inFd, long offsetPtr, long count) {
        return Linux.sendfile(outFd, inFd, offsetPtr, count);
    }

    /** {@code pipe(2)}, where there is no {@code pipe2} (macOS). */
    public static native int pipe(long fds);

    public static native int socketpair(int domain, int type, int protocol, long sv);

    /**
     * {@code fcntl(fd, cmd, arg)} for the integer-argument commands (F_GETFL, F_SETFL, F_SETFD). {@code fcntl} is
     * variadic: on macOS (arm64 passes variadic arguments on the stack) the call goes through JNA's varargs support.
     */
    public static int fcntl(int fd, int cmd, int arg) {
        return Os.MAC ? Darwin.INSTANCE.fcntl(fd, cmd, arg) : Linux.fcntl(fd, cmd, arg);
    }

    /** Linux {@code eventfd(2)}. */
    public static int eventfd(int initval, int flags) {
        return Linux.eventfd(initval, flags);
    }

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
