package io.jevent.backend.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import io.jevent.backend.iocp.internal.Extensions;
import io.jevent.backend.iocp.internal.SockAddrLayout;
import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.spi.Availability;

/**
 * Whether IOCP can run here (netty's {@code Epoll} holder): probed once when this class is initialised, which never
 * fails. Off Windows the cause says so ({@code "IOCP requires Windows (this is Linux)"}) and nothing native is loaded.
 * On Windows the probe registers the kernel32 and ws2_32 bindings, starts Winsock 2.2 ({@code WSAStartup}), opens and
 * closes a completion port, looks up {@code AcceptEx}, {@code ConnectEx} and {@code GetAcceptExSockaddrs} on a
 * TCP socket (kept in {@link #extensions()}), and asks, per address family, whether TCP sockets come from an IFS
 * provider ({@link #skipsPortOnSuccess}). 64-bit only.
 */
public final class Iocp {
    private static volatile Extensions extensions;
    /** Whether TCP sockets of AF_INET / AF_INET6 come from an IFS provider (see {@link #skipsPortOnSuccess}). */
    private static volatile boolean ifsIpv4;
    private static volatile boolean ifsIpv6;
    /** {@code SO_PROTOCOL_INFOW}. */
    private static final int SO_PROTOCOL_INFOW = 0x2005;
    /** {@code XP1_IFS_HANDLES} in {@code WSAPROTOCOL_INFOW.dwServiceFlags1} (offset 0). */
    private static final int XP1_IFS_HANDLES = 0x20000;

    private static final Availability AVAILABILITY = Availability.probe("IOCP", Iocp::probe);

    private Iocp() {
    }

    private static Throwable probe() throws Exception {
        if (!Platform.isWindows()) {
            return new UnsupportedOperationException("IOCP requires Windows (this is " + System.getProperty("os.name")
                    + ")");
        }
        if (Native.POINTER_SIZE != 8) {
            return new UnsupportedOperationException("IOCP through JNA direct mapping needs a 64-bit JVM (pointers are "
                    + Native.POINTER_SIZE + " bytes here)");
        }
        try (Memory wsa = new Memory(WinNative.WSADATA_SIZE)) {
            int rc = WinNative.Ws2.WSAStartup((short) 0x0202, Pointer.nativeValue(wsa));
            if (rc != 0) {
                return WinErrors.exception("WSAStartup(2.2)", rc);
            }
        }
        long port = WinNative.Kernel32.CreateIoCompletionPort(-1L, 0L, 0L, 1);
        if (port == 0) {
            return WinErrors.exception("CreateIoCompletionPort", WinNative.lastError());
        }
        WinNative.Kernel32.CloseHandle(port);
        long s = WinNative.Ws2.WSASocketW(SockAddrLayout.AF_INET, WinNative.SOCK_STREAM, WinNative.IPPROTO_TCP, 0L, 0,
                WinNative.WSA_FLAG_OVERLAPPED | WinNative.WSA_FLAG_NO_HANDLE_INHERIT);
        if (s == WinNative.INVALID_SOCKET) {
            return WinErrors.exception("WSASocketW", WinNative.lastError());
        }
        try {
            extensions = Extensions.load(s);
            ifsIpv4 = isIfs(s);
        } finally {
            WinNative.Ws2.closesocket(s);
        }
        long s6 = WinNative.Ws2.WSASocketW(SockAddrLayout.AF_INET6, WinNative.SOCK_STREAM, WinNative.IPPROTO_TCP, 0L,
                0, WinNative.WSA_FLAG_OVERLAPPED | WinNative.WSA_FLAG_NO_HANDLE_INHERIT);
        if (s6 != WinNative.INVALID_SOCKET) { // no IPv6 stack: no IPv6 socket will ever be associated
            try {
                ifsIpv6 = isIfs(s6);
            } finally {
                WinNative.Ws2.closesocket(s6);
            }
        }
        return null;
    }

    /**
     * Whether the provider behind {@code s} returns IFS handles ({@code XP1_IFS_HANDLES}): only then may its sockets
     * skip the port when a request finishes at once (a non-IFS layered provider would lose such completions).
     */
    private static boolean isIfs(long s) {
        try (Memory info = new Memory(1024)) {
            info.setInt(1000, 1000); // optlen, kept after the 1000 bytes WSAPROTOCOL_INFOW (628) may take
            if (WinNative.Ws2.getsockopt(s, WinNative.SOL_SOCKET, SO_PROTOCOL_INFOW, Pointer.nativeValue(info),
                    Pointer.nativeValue(info) + 1000) != 0) {
                return false;
            }
            return (info.getInt(0) & XP1_IFS_HANDLES) != 0;
        }
    }

    /**
     * Whether TCP sockets of {@code family} may use {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}: their provider
     * returns IFS handles, as Windows' own does; a non-IFS layered service provider (an old firewall or proxy
     * product) would not report such completions at all. As libuv decides, once per family.
     */
    static boolean skipsPortOnSuccess(int family) {
        return family == SockAddrLayout.AF_INET6 ? ifsIpv6 : ifsIpv4;
    }

    /** The extension functions; only once {@link #ensureAvailability()} has passed. */
    static Extensions extensions() {
        return extensions;
    }

    /**
     * Whether IOCP works on this machine. The probe runs once; later calls return its answer.
     *
     * @return {@code true} if IOCP can be used, {@code false} if not ({@link #unavailabilityCause()} says why)
     */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /**
     * Why IOCP does not work on this machine.
     *
     * @return what stopped the probe (the exception it met, or one saying what to enable), or {@code null} when
     *         {@link #isAvailable()}
     */
    public static Throwable unavailabilityCause() {
        return AVAILABILITY.cause();
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException with the cause attached
     */
    public static void ensureAvailability() {
        AVAILABILITY.ensure();
    }
}
