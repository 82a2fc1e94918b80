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
 * closes a completion port, and looks up {@code AcceptEx}, {@code ConnectEx} and {@code GetAcceptExSockaddrs} on a
 * TCP socket (kept in {@link #extensions()}). 64-bit only.
 */
public final class Iocp {
    private static volatile Extensions extensions;

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
        } finally {
            WinNative.Ws2.closesocket(s);
        }
        return null;
    }

    /** The extension functions; only once {@link #ensureAvailability()} has passed. */
    static Extensions extensions() {
        return extensions;
    }

    /** Whether IOCP works on this machine. */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /** Why it does not, or {@code null} when {@link #isAvailable()}. */
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
