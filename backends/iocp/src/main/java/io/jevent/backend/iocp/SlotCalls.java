package io.jevent.backend.iocp;

import io.jevent.backend.iocp.internal.Extensions;
import io.jevent.backend.iocp.internal.OverlappedLayout;
import io.jevent.backend.iocp.internal.SlotMemory;
import io.jevent.backend.iocp.internal.SockAddrLayout;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Ws2;
import io.jevent.backend.iocp.internal.WsaBufLayout;
import io.jevent.backend.posix.internal.NativeMemory;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * The native layout of an operation slot and the overlapped calls that use it: one engine's {@link SlotMemory}, each
 * slot {@link #STRIDE} bytes, laid out as
 * <pre>
 *   0  OVERLAPPED (32)            the kernel's from the post to the dequeue
 *  32  user data (8)              read back by whoever dequeues the completion
 *  40  bytes (DWORD)              lpNumberOfBytes of WSARecv/WSASend/AcceptEx, for a call that finishes at once
 *  44  flags (DWORD)              WSARecv's in/out flags
 *  48  listener SOCKET (8)        AcceptEx: what SO_UPDATE_ACCEPT_CONTEXT is given
 *  56  address area (128)         ConnectEx's sockaddr; AcceptEx's two addresses (2 x (sockaddr_in6 + 16))
 * 184  WSABUF[MAX_BUFS] (16 each) a receive's one buffer, a send's gather list
 * </pre>
 * Each call returns whether it finished at once (the engine then decides, by the socket's skip-on-success mode,
 * whether the port will still hear of it); otherwise the caller reads the error ({@code WSA_IO_PENDING} means
 * posted). Loop thread.
 */
final class SlotCalls {
    /** Most WSABUFs one send gathers. */
    static final int MAX_BUFS = 32;
    static final int BYTES_AT = 40;
    static final int FLAGS_AT = 44;
    static final int LISTENER_AT = 48;
    static final int ADDR_AT = 56;
    /** Room AcceptEx wants per address: the largest sockaddr plus 16. */
    static final int ACCEPT_ADDR_LEN = SockAddrLayout.IN6_SIZE + 16;
    static final int WSABUF_AT = ADDR_AT + 128;
    static final int STRIDE = WSABUF_AT + MAX_BUFS * WsaBufLayout.SIZE;

    private final SlotMemory mem = new SlotMemory(STRIDE);
    private final Extensions ext;

    SlotCalls(Extensions ext) {
        this.ext = ext;
    }

    /** Readies slot {@code s} for a new operation {@code ud}: memory made, OVERLAPPED and counters zeroed. */
    void prepare(int s, long ud) {
        mem.ensure(s);
        ByteBuffer m = mem.view(s);
        int at = mem.offset(s);
        OverlappedLayout.clear(m, at);
        m.putLong(at + SlotMemory.USER_DATA, ud);
        m.putLong(at + BYTES_AT, 0L);
    }

    /** Zeroes the OVERLAPPED again, for a second call of the same operation (a receive or accept posted anew). */
    void rearm(int s) {
        OverlappedLayout.clear(mem.view(s), mem.offset(s));
    }

    /**
     * {@code WSARecv} of {@code len} bytes at {@code address}; {@code len == 0} is the zero-byte receive, which still
     * names memory (the slot's own, never written), as some providers want a pointer.
     */
    boolean recv(int s, long socket, long address, int len) {
        ByteBuffer m = mem.view(s);
        int at = mem.offset(s);
        long a = mem.address(s);
        WsaBufLayout.put(m, at + WSABUF_AT, 0, len == 0 ? a + ADDR_AT : address, len);
        m.putInt(at + FLAGS_AT, 0);
        return Ws2.WSARecv(socket, a + WSABUF_AT, 1, a + BYTES_AT, a + FLAGS_AT, a, 0L) == 0;
    }

    /** {@code WSASend} of the remaining bytes of {@code srcs[offset .. offset+n)}, {@code n <= MAX_BUFS}. */
    boolean send(int s, long socket, ByteBuffer[] srcs, int offset, int n) {
        int bufs = gather(mem.view(s), mem.offset(s) + WSABUF_AT, srcs, offset, n);
        long a = mem.address(s);
        return Ws2.WSASend(socket, a + WSABUF_AT, bufs, a + BYTES_AT, 0, a, 0L) == 0;
    }

    /**
     * Lays out the WSABUFs of a send of the remaining bytes of {@code srcs[offset .. offset+n)} at {@code at},
     * skipping empty buffers; returns how many. At most {@link Integer#MAX_VALUE} bytes in all, the last buffer cut
     * short if need be: a completion's result is an int, and an overlapped send completes only once it has sent its
     * whole list, so a longer one would report fewer bytes than it sent (as Linux caps one writev).
     */
    static int gather(ByteBuffer m, int at, ByteBuffer[] srcs, int offset, int n) {
        int bufs = 0;
        long room = Integer.MAX_VALUE;
        for (int i = 0; i < n && room > 0; i++) {
            ByteBuffer b = srcs[offset + i];
            if (b.hasRemaining()) {
                int len = (int) Math.min(b.remaining(), room);
                WsaBufLayout.put(m, at, bufs++, NativeMemory.address(b) + b.position(), len);
                room -= len;
            }
        }
        return bufs;
    }

    /** {@code ConnectEx} to {@code remote} (the socket is bound already). */
    boolean connect(int s, long socket, SocketAddress remote) {
        int len = SockAddrLayout.encode(remote, mem.view(s), mem.offset(s) + ADDR_AT);
        long a = mem.address(s);
        return ext.connectEx(socket, a + ADDR_AT, len, a) != 0;
    }

    /** {@code AcceptEx} of the next connection on {@code listener} into {@code acceptSocket}, receiving no data. */
    boolean accept(int s, long listener, long acceptSocket) {
        mem.view(s).putLong(mem.offset(s) + LISTENER_AT, listener);
        long a = mem.address(s);
        return ext.acceptEx(listener, acceptSocket, a + ADDR_AT, ACCEPT_ADDR_LEN, a + BYTES_AT, a) != 0;
    }

    /**
     * {@code setsockopt(SO_UPDATE_ACCEPT_CONTEXT)} on an accepted socket, with the listener kept in the slot.
     *
     * @return whether it succeeded
     */
    boolean updateAcceptContext(int s, long accepted) {
        return Ws2.setsockopt(accepted, WinNative.SOL_SOCKET, WinNative.SO_UPDATE_ACCEPT_CONTEXT,
                mem.address(s) + LISTENER_AT, 8) == 0;
    }

    /** The byte count a call that finished at once left in slot {@code s}. */
    int bytes(int s) {
        return mem.view(s).getInt(mem.offset(s) + BYTES_AT) & 0x7fff_ffff;
    }

    /** The slot of a dequeued OVERLAPPED, or {@code -1}. Any thread. */
    int slotOf(long overlapped) {
        return mem.slotOf(overlapped);
    }

    /** The user data written beside slot {@code s}'s OVERLAPPED. Any thread, for a slot whose completion it holds. */
    long userData(int s) {
        return mem.view(s).getLong(mem.offset(s) + SlotMemory.USER_DATA);
    }

    /** The NTSTATUS the kernel left in slot {@code s}'s OVERLAPPED. */
    int status(int s) {
        return OverlappedLayout.status(mem.view(s), mem.offset(s));
    }

    /** Frees the memory: only once the kernel is done with every slot. */
    void free() {
        mem.free();
    }

    /** The memory, for keeping it reachable when the kernel may still write it. */
    SlotMemory memory() {
        return mem;
    }
}
