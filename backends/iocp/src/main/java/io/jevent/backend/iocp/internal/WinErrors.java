package io.jevent.backend.iocp.internal;

import io.jevent.spi.ErrnoException;
import java.nio.channels.ClosedChannelException;
import java.util.HashMap;
import java.util.Map;

/**
 * Windows error codes in one place: names for Winsock ({@code WSAGetLastError}, 10004 and up) and the Win32 codes a
 * socket call can leave ({@code GetLastError}); the translation of a finished request's NTSTATUS (what the kernel
 * leaves in {@code OVERLAPPED.Internal}) into the Winsock code {@code WSAGetOverlappedResult} would give; and the
 * completion results of the IOCP engine.
 *
 * <p><b>Completion results.</b> A negative result is a negated Winsock code ({@code -10054} is WSAECONNRESET), except
 * three that the completion SPI names by their POSIX names, so that the layers above tell them apart on every engine:
 * {@link #ECANCELED} (a cancelled operation: {@code STATUS_CANCELLED}, {@code ERROR_OPERATION_ABORTED}),
 * {@link #EBADF} (posted on a closed handle) and {@link #ENOENT} (a cancel that found nothing). Their numbers are the
 * Microsoft C runtime's ({@code errno.h}), below every Winsock code. {@link #exception} names any of them as the OS
 * does: {@code "WSARecv: WSAECONNRESET (10054)"}.
 *
 * <p>Plain Java, so that it is tested on every platform.
 */
public final class WinErrors {
    /** The engine's result for a cancelled operation (the MSVC runtime's {@code ECANCELED}). */
    public static final int ECANCELED = 105;
    /** The engine's result for an operation posted on a closed handle (the MSVC runtime's {@code EBADF}). */
    public static final int EBADF = 9;
    /** The engine's result for a cancel that found nothing to cancel (the MSVC runtime's {@code ENOENT}). */
    public static final int ENOENT = 2;

    /** {@code ERROR_INVALID_HANDLE}. */
    public static final int ERROR_INVALID_HANDLE = 6;
    /** {@code WAIT_TIMEOUT}: {@code GetQueuedCompletionStatusEx} timed out. */
    public static final int WAIT_TIMEOUT = 258;
    /** {@code ERROR_ABANDONED_WAIT_0}: the port was closed while a thread waited on it. */
    public static final int ERROR_ABANDONED_WAIT_0 = 735;
    /** {@code ERROR_OPERATION_ABORTED} / {@code WSA_OPERATION_ABORTED}. */
    public static final int ERROR_OPERATION_ABORTED = 995;
    /** {@code ERROR_IO_PENDING} / {@code WSA_IO_PENDING}: an overlapped operation was started. */
    public static final int ERROR_IO_PENDING = 997;
    /** {@code ERROR_NOT_FOUND}: {@code CancelIoEx} found nothing. */
    public static final int ERROR_NOT_FOUND = 1168;

    /** {@code WSAEINTR}. */
    public static final int WSAEINTR = 10004;
    /** {@code WSAEACCES}. */
    public static final int WSAEACCES = 10013;
    /** {@code WSAEFAULT}. */
    public static final int WSAEFAULT = 10014;
    /** {@code WSAEINVAL}. */
    public static final int WSAEINVAL = 10022;
    /** {@code WSAEWOULDBLOCK}. */
    public static final int WSAEWOULDBLOCK = 10035;
    /** {@code WSAEINPROGRESS}. */
    public static final int WSAEINPROGRESS = 10036;
    /** {@code WSAENOTSOCK}. */
    public static final int WSAENOTSOCK = 10038;
    /** {@code WSAEMSGSIZE}. */
    public static final int WSAEMSGSIZE = 10040;
    /** {@code WSAEOPNOTSUPP}. */
    public static final int WSAEOPNOTSUPP = 10045;
    /** {@code WSAEADDRINUSE}. */
    public static final int WSAEADDRINUSE = 10048;
    /** {@code WSAEADDRNOTAVAIL}. */
    public static final int WSAEADDRNOTAVAIL = 10049;
    /** {@code WSAENETDOWN}. */
    public static final int WSAENETDOWN = 10050;
    /** {@code WSAENETUNREACH}. */
    public static final int WSAENETUNREACH = 10051;
    /** {@code WSAENETRESET}. */
    public static final int WSAENETRESET = 10052;
    /** {@code WSAECONNABORTED}. */
    public static final int WSAECONNABORTED = 10053;
    /** {@code WSAECONNRESET}. */
    public static final int WSAECONNRESET = 10054;
    /** {@code WSAENOBUFS}. */
    public static final int WSAENOBUFS = 10055;
    /** {@code WSAENOTCONN}. */
    public static final int WSAENOTCONN = 10057;
    /** {@code WSAESHUTDOWN}. */
    public static final int WSAESHUTDOWN = 10058;
    /** {@code WSAETIMEDOUT}. */
    public static final int WSAETIMEDOUT = 10060;
    /** {@code WSAECONNREFUSED}. */
    public static final int WSAECONNREFUSED = 10061;
    /** {@code WSAEHOSTUNREACH}. */
    public static final int WSAEHOSTUNREACH = 10065;
    /** {@code WSAEDISCON}. */
    public static final int WSAEDISCON = 10101;

    /** {@code STATUS_SUCCESS}. */
    public static final int STATUS_SUCCESS = 0;
    /** {@code STATUS_PENDING}: the request has not finished. */
    public static final int STATUS_PENDING = 0x0000_0103;
    /** {@code STATUS_BUFFER_OVERFLOW} (a warning: a datagram was cut). */
    public static final int STATUS_BUFFER_OVERFLOW = 0x8000_0005;
    /** {@code STATUS_CANCELLED}: {@code CancelIoEx} or a close ended the request. */
    public static final int STATUS_CANCELLED = 0xC000_0120;

    private static final Map<Integer, String> NAMES = new HashMap<>();
    /** NTSTATUS to Winsock code, after the table of the Winsock provider (msafd), which libuv and nginx follow too. */
    private static final Map<Integer, Integer> NT_TO_WSA = new HashMap<>();

    static {
        name(ENOENT, "ENOENT");
        name(EBADF, "EBADF");
        name(ECANCELED, "ECANCELED");
        name(ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE");
        name(8, "ERROR_NOT_ENOUGH_MEMORY");
        name(64, "ERROR_NETNAME_DELETED");
        name(87, "ERROR_INVALID_PARAMETER");
        name(121, "ERROR_SEM_TIMEOUT");
        name(WAIT_TIMEOUT, "WAIT_TIMEOUT");
        name(ERROR_ABANDONED_WAIT_0, "ERROR_ABANDONED_WAIT_0");
        name(ERROR_OPERATION_ABORTED, "ERROR_OPERATION_ABORTED");
        name(996, "ERROR_IO_INCOMPLETE");
        name(ERROR_IO_PENDING, "ERROR_IO_PENDING");
        name(ERROR_NOT_FOUND, "ERROR_NOT_FOUND");
        name(1225, "ERROR_CONNECTION_REFUSED");
        name(1228, "ERROR_ADDRESS_ALREADY_ASSOCIATED");
        name(1229, "ERROR_CONNECTION_INVALID");
        name(1231, "ERROR_NETWORK_UNREACHABLE");
        name(1232, "ERROR_HOST_UNREACHABLE");
        name(1234, "ERROR_PORT_UNREACHABLE");
        name(1236, "ERROR_CONNECTION_ABORTED");
        String[] wsa = {
            "10004 WSAEINTR", "10009 WSAEBADF", "10013 WSAEACCES", "10014 WSAEFAULT", "10022 WSAEINVAL",
            "10024 WSAEMFILE", "10035 WSAEWOULDBLOCK", "10036 WSAEINPROGRESS", "10037 WSAEALREADY",
            "10038 WSAENOTSOCK", "10039 WSAEDESTADDRREQ", "10040 WSAEMSGSIZE", "10041 WSAEPROTOTYPE",
            "10042 WSAENOPROTOOPT", "10043 WSAEPROTONOSUPPORT", "10044 WSAESOCKTNOSUPPORT", "10045 WSAEOPNOTSUPP",
            "10046 WSAEPFNOSUPPORT", "10047 WSAEAFNOSUPPORT", "10048 WSAEADDRINUSE", "10049 WSAEADDRNOTAVAIL",
            "10050 WSAENETDOWN", "10051 WSAENETUNREACH", "10052 WSAENETRESET", "10053 WSAECONNABORTED",
            "10054 WSAECONNRESET", "10055 WSAENOBUFS", "10056 WSAEISCONN", "10057 WSAENOTCONN", "10058 WSAESHUTDOWN",
            "10059 WSAETOOMANYREFS", "10060 WSAETIMEDOUT", "10061 WSAECONNREFUSED", "10062 WSAELOOP",
            "10063 WSAENAMETOOLONG", "10064 WSAEHOSTDOWN", "10065 WSAEHOSTUNREACH", "10066 WSAENOTEMPTY",
            "10067 WSAEPROCLIM", "10068 WSAEUSERS", "10069 WSAEDQUOT", "10070 WSAESTALE", "10071 WSAEREMOTE",
            "10091 WSASYSNOTREADY", "10092 WSAVERNOTSUPPORTED", "10093 WSANOTINITIALISED", "10101 WSAEDISCON",
            "10102 WSAENOMORE", "10103 WSAECANCELLED", "10104 WSAEINVALIDPROCTABLE", "10105 WSAEINVALIDPROVIDER",
            "10106 WSAEPROVIDERFAILEDINIT", "10107 WSASYSCALLFAILURE", "10108 WSASERVICE_NOT_FOUND",
            "10109 WSATYPE_NOT_FOUND", "10110 WSA_E_NO_MORE", "10111 WSA_E_CANCELLED", "10112 WSAEREFUSED",
            "11001 WSAHOST_NOT_FOUND", "11002 WSATRY_AGAIN", "11003 WSANO_RECOVERY", "11004 WSANO_DATA",
        };
        for (String s : wsa) {
            int sp = s.indexOf(' ');
            name(Integer.parseInt(s.substring(0, sp)), s.substring(sp + 1));
        }

        nt(0xC000_0008, WSAENOTSOCK);       // STATUS_INVALID_HANDLE
        nt(0xC000_000D, WSAEINVAL);         // STATUS_INVALID_PARAMETER
        nt(0xC000_0001, WSAEINVAL);         // STATUS_UNSUCCESSFUL
        nt(0xC000_0017, WSAENOBUFS);        // STATUS_NO_MEMORY
        nt(0xC000_009A, WSAENOBUFS);        // STATUS_INSUFFICIENT_RESOURCES
        nt(0xC000_0022, WSAEACCES);         // STATUS_ACCESS_DENIED
        nt(0xC000_0023, WSAEFAULT);         // STATUS_BUFFER_TOO_SMALL
        nt(0xC000_0005, WSAEFAULT);         // STATUS_ACCESS_VIOLATION
        nt(STATUS_BUFFER_OVERFLOW, WSAEMSGSIZE);
        nt(0xC000_0206, WSAEMSGSIZE);       // STATUS_INVALID_BUFFER_SIZE
        nt(0xC000_00B0, WSAESHUTDOWN);      // STATUS_PIPE_DISCONNECTED
        nt(0xC000_00B5, WSAETIMEDOUT);      // STATUS_IO_TIMEOUT
        nt(0xC000_013F, WSAETIMEDOUT);      // STATUS_LINK_TIMEOUT
        nt(0xC000_00BB, WSAEOPNOTSUPP);     // STATUS_NOT_SUPPORTED
        nt(0xC000_0002, WSAEOPNOTSUPP);     // STATUS_NOT_IMPLEMENTED
        nt(0xC000_013B, WSAECONNABORTED);   // STATUS_LOCAL_DISCONNECT
        nt(0xC000_0241, WSAECONNABORTED);   // STATUS_CONNECTION_ABORTED
        nt(0xC000_0240, WSAECONNABORTED);   // STATUS_REQUEST_ABORTED (msafd: WSAEINTR; a socket's is an abort)
        nt(0xC000_013C, WSAECONNRESET);     // STATUS_REMOTE_DISCONNECT
        nt(0xC000_020C, WSAECONNRESET);     // STATUS_CONNECTION_DISCONNECTED
        nt(0xC000_020D, WSAECONNRESET);     // STATUS_CONNECTION_RESET
        nt(0xC000_013E, WSAECONNRESET);     // STATUS_LINK_FAILED
        nt(0xC000_0237, WSAEDISCON);        // STATUS_GRACEFUL_DISCONNECT
        nt(0xC000_0236, WSAECONNREFUSED);   // STATUS_CONNECTION_REFUSED
        nt(0xC000_023F, WSAECONNREFUSED);   // STATUS_PORT_UNREACHABLE
        nt(0xC000_023C, WSAENETUNREACH);    // STATUS_NETWORK_UNREACHABLE
        nt(0xC000_023E, WSAENETUNREACH);    // STATUS_PROTOCOL_UNREACHABLE
        nt(0xC000_023D, WSAEHOSTUNREACH);   // STATUS_HOST_UNREACHABLE
        nt(0xC000_020A, WSAEADDRINUSE);     // STATUS_ADDRESS_ALREADY_EXISTS
        nt(0xC000_0141, WSAEADDRNOTAVAIL);  // STATUS_INVALID_ADDRESS
        nt(0xC000_0207, WSAEADDRNOTAVAIL);  // STATUS_INVALID_ADDRESS_COMPONENT
        nt(0xC000_020B, WSAEINVAL);         // STATUS_ADDRESS_CLOSED
        nt(0xC000_023A, WSAENOTCONN);       // STATUS_CONNECTION_INVALID
        nt(0xC000_0140, WSAENOTCONN);       // STATUS_INVALID_CONNECTION
        nt(0xC000_00C4, WSAENETDOWN);       // STATUS_UNEXPECTED_NETWORK_ERROR
    }

    private WinErrors() {
    }

    private static void name(int code, String name) {
        NAMES.put(code, name);
    }

    private static void nt(int status, int wsa) {
        NT_TO_WSA.put(status, wsa);
    }

    /** The symbolic name of a Winsock or Win32 code, or of an engine result's POSIX code; {@code "error 1234"} else. */
    public static String name(int code) {
        String n = NAMES.get(code);
        return n != null ? n : "error " + code;
    }

    /** {@code "WSAECONNRESET (10054)"}. */
    public static String describe(int code) {
        return name(code) + " (" + code + ")";
    }

    /**
     * The engine's completion result for a finished request: the byte count (or {@code 0}) on success, else the
     * negated code (see the class comment). A success status with information (a non-negative NTSTATUS) is success.
     * A request cancelled after it moved bytes reports those bytes, as a POSIX call interrupted after a partial
     * transfer does: they were sent or received, and {@code -ECANCELED} would make the caller send them again or lose
     * them.
     *
     * @param status the NTSTATUS from {@code OVERLAPPED.Internal}
     * @param bytes the bytes transferred
     */
    public static int result(int status, long bytes) {
        if (status >= 0) {
            return (int) Math.min(bytes, Integer.MAX_VALUE);
        }
        int code = wsaOfNtStatus(status);
        if (code == ECANCELED && bytes > 0) {
            return (int) Math.min(bytes, Integer.MAX_VALUE);
        }
        return -code;
    }

    /**
     * The Winsock code of a failed request's NTSTATUS ({@link #ECANCELED} for a cancelled one). A Win32 error wrapped
     * in an NTSTATUS ({@code FACILITY_NTWIN32}, 7) gives that error; any other unknown status gives
     * {@link #WSAEINVAL}, as msafd's table does.
     */
    public static int wsaOfNtStatus(int status) {
        if (status == STATUS_CANCELLED) {
            return ECANCELED;
        }
        Integer wsa = NT_TO_WSA.get(status);
        if (wsa != null) {
            return wsa;
        }
        if (((status >>> 16) & 0x0fff) == 7 && (status & 0xc000_0000) != 0) {
            return fromLastError(status & 0xffff);
        }
        return WSAEINVAL;
    }

    /**
     * A code from {@code WSAGetLastError}/{@code GetLastError} as an engine result's code: cancellation
     * ({@link #ERROR_OPERATION_ABORTED}) becomes {@link #ECANCELED}; the rest stay.
     */
    public static int fromLastError(int code) {
        return code == ERROR_OPERATION_ABORTED ? ECANCELED : code;
    }

    /**
     * A receive's failure as POSIX reports it: Windows fails a receive on a connection its own stack aborted (after a
     * send met the peer's reset, say) with WSAECONNABORTED where POSIX says ECONNRESET; libuv turns it the same way.
     * Other codes stay.
     */
    public static int receiveError(int code) {
        return code == WSAECONNABORTED ? WSAECONNRESET : code;
    }

    /**
     * The POSIX name the layers above know a code by: {@code "ECONNRESET"} for WSAECONNRESET (Winsock's Berkeley
     * codes are {@code 10000 + errno} and their names {@code "WSA" + name}), {@code "ECANCELED"}, {@code "EBADF"} and
     * {@code "ENOENT"} for the engine's own three; any other code keeps its Windows name.
     */
    public static String posixName(int code) {
        String n = name(code);
        if (code >= WSAEINTR && code <= 10071 && n.startsWith("WSAE")) {
            return n.substring(3);
        }
        return n;
    }

    /**
     * The exception for a failed call or a negative completion result: an {@link ErrnoException} whose
     * {@code errnoName} is the POSIX name ({@link #posixName}, so that {@code ECONNRESET} means the same on every
     * backend), whose {@code errno} is the Windows code, and whose message also gives the Windows name:
     * {@code "WSARecv: ECONNRESET (10054) WSAECONNRESET"}.
     *
     * @param call the call, such as {@code "WSARecv"}
     * @param code a positive code (a negated engine result)
     */
    public static ErrnoException exception(String call, int code) {
        String posix = posixName(code);
        String windows = name(code);
        return new ErrnoException(call, code, posix, posix.equals(windows) ? null : windows);
    }

    /** {@link ClosedChannelException} for an operation on a closed handle, with {@code cause}. */
    public static ClosedChannelException closed(Throwable cause) {
        ClosedChannelException e = new ClosedChannelException();
        e.initCause(cause);
        return e;
    }
}
