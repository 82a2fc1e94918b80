package io.jevent.backend.iocp.internal;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Winsock extension functions ({@code AcceptEx}, {@code ConnectEx}, {@code GetAcceptExSockaddrs}), found once
 * through {@code WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)} on a TCP socket and called through JNA's
 * {@link Function#getFunction(Pointer)}. That call builds an argument array (a few boxed longs) per call: once per
 * accepted or connected socket, never per read or write. Windows only.
 */
public final class Extensions {
    private final Function acceptEx;
    private final Function connectEx;
    private final Function getAcceptExSockaddrs;

    private Extensions(Function acceptEx, Function connectEx, Function getAcceptExSockaddrs) {
        this.acceptEx = acceptEx;
        this.connectEx = connectEx;
        this.getAcceptExSockaddrs = getAcceptExSockaddrs;
    }

    /**
     * Looks the three functions up on {@code socket} (any TCP socket of the provider: the pointers are the same for
     * every socket of it).
     *
     * @throws IOException naming the function and the error
     */
    public static Extensions load(long socket) throws IOException {
        try (Memory mem = new Memory(64)) {
            ByteBuffer b = mem.getByteBuffer(0, 64).order(ByteOrder.nativeOrder());
            return new Extensions(lookup(socket, mem, b, GuidLayout.ACCEPTEX, "AcceptEx"),
                    lookup(socket, mem, b, GuidLayout.CONNECTEX, "ConnectEx"),
                    lookup(socket, mem, b, GuidLayout.GETACCEPTEXSOCKADDRS, "GetAcceptExSockaddrs"));
        }
    }

    private static Function lookup(long socket, Memory mem, ByteBuffer b, long[] guid, String name)
            throws IOException {
        GuidLayout.put(b, 0, guid);
        b.putLong(16, 0L);
        long base = Pointer.nativeValue(mem);
        int rc = WinNative.Ws2.WSAIoctl(socket, WinNative.SIO_GET_EXTENSION_FUNCTION_POINTER, base, GuidLayout.SIZE,
                base + 16, 8, base + 24, 0L, 0L);
        if (rc != 0) {
            throw WinErrors.exception("WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER, " + name + ")",
                    WinNative.lastError());
        }
        long fn = b.getLong(16);
        if (fn == 0) {
            throw new IOException("WSAIoctl found no " + name);
        }
        return Function.getFunction(new Pointer(fn));
    }

    /**
     * {@code BOOL AcceptEx(SOCKET listen, SOCKET accept, PVOID out, DWORD 0, DWORD localLen, DWORD remoteLen,
     * LPDWORD bytes, LPOVERLAPPED)}; returns the BOOL.
     */
    public int acceptEx(long listen, long accept, long out, int addrLen, long bytesPtr, long overlapped) {
        return acceptEx.invokeInt(new Object[] {listen, accept, out, 0, addrLen, addrLen, bytesPtr, overlapped});
    }

    /**
     * {@code BOOL ConnectEx(SOCKET, const sockaddr *, int, PVOID null, DWORD 0, LPDWORD null, LPOVERLAPPED)}; the
     * socket must be bound. Returns the BOOL.
     */
    public int connectEx(long socket, long addr, int addrLen, long overlapped) {
        return connectEx.invokeInt(new Object[] {socket, addr, addrLen, 0L, 0, 0L, overlapped});
    }

    /**
     * {@code void GetAcceptExSockaddrs(PVOID out, DWORD 0, DWORD localLen, DWORD remoteLen, sockaddr **local,
     * LPINT localLen, sockaddr **remote, LPINT remoteLen)}: where AcceptEx put the two addresses in {@code out}.
     */
    public void getAcceptExSockaddrs(long out, int addrLen, long localPtr, long localLenPtr, long remotePtr,
            long remoteLenPtr) {
        getAcceptExSockaddrs.invokeVoid(new Object[] {out, 0, addrLen, addrLen, localPtr, localLenPtr, remotePtr,
            remoteLenPtr});
    }
}
