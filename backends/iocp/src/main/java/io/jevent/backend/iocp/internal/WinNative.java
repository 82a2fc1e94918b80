package io.jevent.backend.iocp.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * Raw kernel32 and ws2_32 bindings through JNA <em>direct mapping</em> ({@link Native#register}): every argument is a
 * primitive, a {@code long} handle ({@code SOCKET} and {@code HANDLE} are 64-bit) or a {@code long} address into native
 * memory we own, so a call costs one JNI transition and no marshalling. No {@code NativeLong} anywhere (it is 4 bytes
 * on Windows and 8 on LP64 Linux). Errors are read with {@link #lastError()} ({@code Native.getLastError()}, which JNA
 * saves after each call, so nothing the JVM does in between can clobber it) and named by {@link WinErrors}.
 *
 * <p><b>Windows only.</b> The libraries are registered when this class is initialised; only the availability holder
 * ({@code Iocp}) and code it has cleared touch it, so that the classes of this module load everywhere. x64 (and arm64)
 * only: 32-bit Windows would need {@code stdcall}.
 */
public final class WinNative {
    private WinNative() {
    }

    /** kernel32: completion ports, cancellation. */
    public static final class Kernel32 {
        static {
            Native.register(Kernel32.class, NativeLibrary.getInstance("kernel32"));
        }

        private Kernel32() {
        }

        /** {@code HANDLE CreateIoCompletionPort(HANDLE, HANDLE, ULONG_PTR, DWORD)}; 0 on failure. */
        public static native long CreateIoCompletionPort(long fileHandle, long existingPort, long key, int threads);

        /** {@code BOOL GetQueuedCompletionStatusEx(HANDLE, LPOVERLAPPED_ENTRY, ULONG, PULONG, DWORD, BOOL)}. */
        public static native int GetQueuedCompletionStatusEx(long port, long entries, int count, long removedPtr,
                int millis, int alertable);

        /** {@code BOOL PostQueuedCompletionStatus(HANDLE, DWORD, ULONG_PTR, LPOVERLAPPED)}. */
        public static native int PostQueuedCompletionStatus(long port, int bytes, long key, long overlapped);

        /** {@code BOOL CancelIoEx(HANDLE, LPOVERLAPPED)}: 0 (null) cancels every request on the handle. */
        public static native int CancelIoEx(long handle, long overlapped);

        /** {@code BOOL SetFileCompletionNotificationModes(HANDLE, UCHAR)}. */
        public static native int SetFileCompletionNotificationModes(long handle, byte flags);

        /** {@code BOOL CloseHandle(HANDLE)}. */
        public static native int CloseHandle(long handle);
    }

    /** ws2_32: sockets. */
    public static final class Ws2 {
        static {
            Native.register(Ws2.class, NativeLibrary.getInstance("ws2_32"));
        }

        private Ws2() {
        }

        /** {@code int WSAStartup(WORD, LPWSADATA)}: returns the error code itself (no WSAGetLastError). */
        public static native int WSAStartup(short version, long wsaData);

        /** {@code int WSAGetLastError(void)}. */
        public static native int WSAGetLastError();

        /** {@code SOCKET WSASocketW(int, int, int, LPWSAPROTOCOL_INFOW, GROUP, DWORD)}; INVALID_SOCKET on failure. */
        public static native long WSASocketW(int af, int type, int protocol, long protocolInfo, int group, int flags);

        /** {@code int WSARecv(SOCKET, LPWSABUF, DWORD, LPDWORD, LPDWORD, LPWSAOVERLAPPED, completion routine)}. */
        public static native int WSARecv(long s, long buffers, int count, long bytesPtr, long flagsPtr,
                long overlapped, long routine);

        /** {@code int WSASend(SOCKET, LPWSABUF, DWORD, LPDWORD, DWORD, LPWSAOVERLAPPED, completion routine)}. */
        public static native int WSASend(long s, long buffers, int count, long bytesPtr, int flags, long overlapped,
                long routine);

        /** {@code int WSAIoctl(SOCKET, DWORD, LPVOID, DWORD, LPVOID, DWORD, LPDWORD, LPWSAOVERLAPPED, routine)}. */
        public static native int WSAIoctl(long s, int code, long in, int inLen, long out, int outLen, long bytesPtr,
                long overlapped, long routine);

        /** {@code int setsockopt(SOCKET, int, int, const char *, int)}. */
        public static native int setsockopt(long s, int level, int name, long value, int len);

        /** {@code int getsockopt(SOCKET, int, int, char *, int *)}. */
        public static native int getsockopt(long s, int level, int name, long value, long lenPtr);

        /** {@code int closesocket(SOCKET)}. */
        public static native int closesocket(long s);

        /** {@code int bind(SOCKET, const struct sockaddr *, int)}. */
        public static native int bind(long s, long addr, int len);

        /** {@code int listen(SOCKET, int)}. */
        public static native int listen(long s, int backlog);

        /** {@code SOCKET accept(SOCKET, struct sockaddr *, int *)}. */
        public static native long accept(long s, long addr, long lenPtr);

        /** {@code int connect(SOCKET, const struct sockaddr *, int)}. */
        public static native int connect(long s, long addr, int len);

        /** {@code int getsockname(SOCKET, struct sockaddr *, int *)}. */
        public static native int getsockname(long s, long addr, long lenPtr);

        /** {@code int getpeername(SOCKET, struct sockaddr *, int *)}. */
        public static native int getpeername(long s, long addr, long lenPtr);

        /** {@code int shutdown(SOCKET, int)}. */
        public static native int shutdown(long s, int how);

        /** {@code int ioctlsocket(SOCKET, long (32-bit on Windows), u_long *)}. */
        public static native int ioctlsocket(long s, int cmd, long argPtr);

        /** {@code int select(int, fd_set *, fd_set *, fd_set *, const struct timeval *)}. */
        public static native int select(int nfds, long read, long write, long except, long timeout);
    }

    /** {@code INVALID_SOCKET}: {@code ~0}. */
    public static final long INVALID_SOCKET = -1L;
    /** {@code SOCKET_ERROR}. */
    public static final int SOCKET_ERROR = -1;
    /** {@code SOCK_STREAM}. */
    public static final int SOCK_STREAM = 1;
    /** {@code IPPROTO_TCP}. */
    public static final int IPPROTO_TCP = 6;
    /** {@code WSA_FLAG_OVERLAPPED}. */
    public static final int WSA_FLAG_OVERLAPPED = 0x01;
    /** {@code WSA_FLAG_NO_HANDLE_INHERIT}. */
    public static final int WSA_FLAG_NO_HANDLE_INHERIT = 0x80;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 0xffff;
    /** {@code SO_REUSEADDR}. */
    public static final int SO_REUSEADDR = 0x0004;
    /** {@code SO_ERROR}. */
    public static final int SO_ERROR = 0x1007;
    /** {@code SO_UPDATE_ACCEPT_CONTEXT}. */
    public static final int SO_UPDATE_ACCEPT_CONTEXT = 0x700B;
    /** {@code SO_UPDATE_CONNECT_CONTEXT}. */
    public static final int SO_UPDATE_CONNECT_CONTEXT = 0x7010;
    /** {@code TCP_NODELAY}. */
    public static final int TCP_NODELAY = 0x0001;
    /** {@code FIONBIO}: {@code _IOW('f', 126, u_long)}. */
    public static final int FIONBIO = 0x8004667E;
    /** {@code SD_SEND}. */
    public static final int SD_SEND = 1;
    /** {@code SIO_GET_EXTENSION_FUNCTION_POINTER}: {@code _WSAIORW(IOC_WS2, 6)}. */
    public static final int SIO_GET_EXTENSION_FUNCTION_POINTER = 0xC8000006;
    /** {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}. */
    public static final byte FILE_SKIP_COMPLETION_PORT_ON_SUCCESS = 0x1;
    /** {@code FILE_SKIP_SET_EVENT_ON_HANDLE}. */
    public static final byte FILE_SKIP_SET_EVENT_ON_HANDLE = 0x2;
    /** {@code INFINITE}. */
    public static final int INFINITE = 0xFFFF_FFFF;
    /** {@code sizeof(WSADATA)} on x64 is 408; more is harmless. */
    public static final int WSADATA_SIZE = 512;
    /** {@code fd_set}: {@code fd_count} (u_int) at 0, {@code fd_array} (64 SOCKETs) at 8. */
    public static final int FD_SET_SIZE = 8 + 64 * 8;
    /** {@code struct timeval}: two 32-bit longs. */
    public static final int TIMEVAL_SIZE = 8;

    /** The calling thread's last error, saved by JNA right after the last native call. */
    public static int lastError() {
        return Native.getLastError();
    }
}
