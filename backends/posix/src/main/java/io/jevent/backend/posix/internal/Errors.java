package io.jevent.backend.posix.internal;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;

/**
 * The one place where errno is interpreted (netty's {@code unix/Errors}). Three outcomes:
 * <ul>
 *   <li>{@code EAGAIN}/{@code EWOULDBLOCK}: a return value, {@link NetOps#WOULD_BLOCK};</li>
 *   <li>{@code EINTR}: {@link #RETRY}, and the caller repeats the call (except {@code close}, see
 *       {@link #closeResult});</li>
 *   <li>{@code EBADF}: a {@link ClosedChannelException} (the descriptor is not, or no longer, open), whose cause
 *       is the {@link ErrnoException} so the call and errno are kept;</li>
 *   <li>anything else: an {@link ErrnoException} naming the call and the errno by its name.</li>
 * </ul>
 * The numbers are Linux's or macOS's, chosen once by {@link Os}.
 */
public final class Errors {
    /** Returned by {@link #ioResult} on EINTR: call again. */
    public static final long RETRY = -2;

    /** {@code EPERM}. */
    public static final int EPERM = 1;
    /** {@code ENOENT}. */
    public static final int ENOENT = 2;
    /** {@code EINTR}. */
    public static final int EINTR = 4;
    /** {@code EBADF}. */
    public static final int EBADF = 9;
    /** {@code EAGAIN} (= {@code EWOULDBLOCK} on Linux and macOS). */
    public static final int EAGAIN = Os.pick(11, 35);
    /** {@code EEXIST}. */
    public static final int EEXIST = 17;
    /** {@code EINVAL}. */
    public static final int EINVAL = 22;
    /** {@code ENOSYS}. */
    public static final int ENOSYS = Os.pick(38, 78);
    /** {@code ENOPROTOOPT}. */
    public static final int ENOPROTOOPT = Os.pick(92, 42);
    /** {@code ECONNABORTED}. */
    public static final int ECONNABORTED = Os.pick(103, 53);
    /** {@code ENOTCONN}. */
    public static final int ENOTCONN = Os.pick(107, 57);
    /** {@code ECONNREFUSED}. */
    public static final int ECONNREFUSED = Os.pick(111, 61);
    /** {@code EINPROGRESS}. */
    public static final int EINPROGRESS = Os.pick(115, 36);

    /** errno names indexed by value; gaps are null. */
    private static final String[] NAMES = new String[134];

    static {
        for (String entry : Os.MAC ? macNames() : linuxNames()) {
            int space = entry.indexOf(' ');
            NAMES[Integer.parseInt(entry.substring(0, space))] = entry.substring(space + 1);
        }
    }

    private static String[] linuxNames() {
        return new String[] {
            "1 EPERM", "2 ENOENT", "3 ESRCH", "4 EINTR", "5 EIO", "6 ENXIO", "7 E2BIG", "8 ENOEXEC", "9 EBADF",
            "10 ECHILD", "11 EAGAIN", "12 ENOMEM", "13 EACCES", "14 EFAULT", "15 ENOTBLK", "16 EBUSY", "17 EEXIST",
            "18 EXDEV", "19 ENODEV", "20 ENOTDIR", "21 EISDIR", "22 EINVAL", "23 ENFILE", "24 EMFILE", "25 ENOTTY",
            "26 ETXTBSY", "27 EFBIG", "28 ENOSPC", "29 ESPIPE", "30 EROFS", "31 EMLINK", "32 EPIPE", "33 EDOM",
            "34 ERANGE", "35 EDEADLK", "36 ENAMETOOLONG", "37 ENOLCK", "38 ENOSYS", "39 ENOTEMPTY", "40 ELOOP",
            "71 EPROTO", "75 EOVERFLOW", "88 ENOTSOCK", "89 EDESTADDRREQ", "90 EMSGSIZE", "91 EPROTOTYPE",
            "92 ENOPROTOOPT", "93 EPROTONOSUPPORT", "94 ESOCKTNOSUPPORT", "95 EOPNOTSUPP", "96 EPFNOSUPPORT",
            "97 EAFNOSUPPORT", "98 EADDRINUSE", "99 EADDRNOTAVAIL", "100 ENETDOWN", "101 ENETUNREACH",
            "102 ENETRESET", "103 ECONNABORTED", "104 ECONNRESET", "105 ENOBUFS", "106 EISCONN", "107 ENOTCONN",
            "108 ESHUTDOWN", "109 ETOOMANYREFS", "110 ETIMEDOUT", "111 ECONNREFUSED", "112 EHOSTDOWN",
            "113 EHOSTUNREACH", "114 EALREADY", "115 EINPROGRESS", "116 ESTALE", "122 EDQUOT", "125 ECANCELED",
        };
    }

    /** macOS's numbers (the BSDs share 1 to 70). */
    private static String[] macNames() {
        return new String[] {
            "1 EPERM", "2 ENOENT", "3 ESRCH", "4 EINTR", "5 EIO", "6 ENXIO", "7 E2BIG", "8 ENOEXEC", "9 EBADF",
            "10 ECHILD", "11 EDEADLK", "12 ENOMEM", "13 EACCES", "14 EFAULT", "15 ENOTBLK", "16 EBUSY", "17 EEXIST",
            "18 EXDEV", "19 ENODEV", "20 ENOTDIR", "21 EISDIR", "22 EINVAL", "23 ENFILE", "24 EMFILE", "25 ENOTTY",
            "26 ETXTBSY", "27 EFBIG", "28 ENOSPC", "29 ESPIPE", "30 EROFS", "31 EMLINK", "32 EPIPE", "33 EDOM",
            "34 ERANGE", "35 EAGAIN", "36 EINPROGRESS", "37 EALREADY", "38 ENOTSOCK", "39 EDESTADDRREQ",
            "40 EMSGSIZE", "41 EPROTOTYPE", "42 ENOPROTOOPT", "43 EPROTONOSUPPORT", "44 ESOCKTNOSUPPORT",
            "45 ENOTSUP", "46 EPFNOSUPPORT", "47 EAFNOSUPPORT", "48 EADDRINUSE", "49 EADDRNOTAVAIL", "50 ENETDOWN",
            "51 ENETUNREACH", "52 ENETRESET", "53 ECONNABORTED", "54 ECONNRESET", "55 ENOBUFS", "56 EISCONN",
            "57 ENOTCONN", "58 ESHUTDOWN", "59 ETOOMANYREFS", "60 ETIMEDOUT", "61 ECONNREFUSED", "62 ELOOP",
            "63 ENAMETOOLONG", "64 EHOSTDOWN", "65 EHOSTUNREACH", "66 ENOTEMPTY", "69 EDQUOT", "70 ESTALE",
            "77 ENOLCK", "78 ENOSYS", "84 EOVERFLOW", "89 ECANCELED", "100 EPROTO", "102 EOPNOTSUPP",
        };
    }

    private Errors() {
    }

    /** The errno JNA saved after the last native call on this thread. */
    public static int errno() {
        return Native.getLastError();
    }

    /**
     * Interprets the result of a read-like call ({@code read}, {@code readv}, {@code write}, ...).
     *
     * @return {@code rc} if {@code >= 0}; {@link NetOps#WOULD_BLOCK} on EAGAIN; {@link #RETRY} on EINTR
     * @throws IOException anything else, see the class comment
     */
    public static long ioResult(String call, long rc) throws IOException {
        if (rc >= 0) {
            return rc;
        }
        int errno = errno();
        if (errno == EAGAIN) {
            return NetOps.WOULD_BLOCK;
        }
        if (errno == EINTR) {
            return RETRY;
        }
        throw newException(call, errno);
    }

    /**
     * Checks the result of a call that neither blocks nor is restarted ({@code socket}, {@code bind},
     * {@code setsockopt}, ...): any negative result throws.
     *
     * @return {@code rc}
     */
    public static int check(String call, int rc) throws IOException {
        if (rc < 0) {
            throw newException(call, errno());
        }
        return rc;
    }

    /**
     * Interprets the result of a call where EAGAIN is not expected ({@code socket}, {@code bind}, ...).
     *
     * @return {@code rc} if {@code >= 0}, {@link #RETRY} on EINTR
     * @throws IOException anything else
     */
    public static int result(String call, int rc) throws IOException {
        if (rc >= 0) {
            return rc;
        }
        int errno = errno();
        if (errno == EINTR) {
            return (int) RETRY;
        }
        throw newException(call, errno);
    }

    /**
     * Interprets the result of {@code close}. EINTR is <em>not</em> retried: Linux has released the descriptor
     * already, and a second close could close a descriptor another thread just opened.
     */
    public static void closeResult(int rc) throws IOException {
        if (rc < 0) {
            int errno = errno();
            if (errno != EINTR) {
                throw newException("close", errno);
            }
        }
    }

    /** The exception for {@code errno} after {@code call}: {@link ClosedChannelException} for EBADF. */
    public static IOException newException(String call, int errno) {
        ErrnoException e = errnoException(call, errno);
        if (errno == EBADF) {
            ClosedChannelException closed = new ClosedChannelException();
            closed.initCause(e);
            return closed;
        }
        return e;
    }

    /**
     * The exception for {@code errno} after {@code call} was given {@code address}, which the message names.
     *
     * @param call the system call
     * @param address the address it was given
     * @param errno the error number
     * @return an {@link ErrnoException} naming the address
     */
    public static ErrnoException newException(String call, java.net.SocketAddress address, int errno) {
        return new ErrnoException(call, address, errno, name(errno), describe(errno));
    }

    /** An {@link ErrnoException} for {@code errno} after {@code call}, with its name and strerror text. */
    public static ErrnoException errnoException(String call, int errno) {
        return new ErrnoException(call, errno, name(errno), describe(errno));
    }

    /** The name of an errno ({@code "ECONNRESET"}), or {@code "errno N"} if not in the table. */
    public static String name(int errno) {
        String n = errno >= 0 && errno < NAMES.length ? NAMES[errno] : null;
        return n != null ? n : "errno " + errno;
    }

    /** strerror's text, or {@code null} if libc gives none. Only on error paths: it allocates a String. */
    public static String describe(int errno) {
        try {
            long p = LibC.strerror(errno);
            return p == 0 ? null : new Pointer(p).getString(0);
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }
}
