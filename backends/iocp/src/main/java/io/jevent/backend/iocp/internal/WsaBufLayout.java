package io.jevent.backend.iocp.internal;

import java.nio.ByteBuffer;

/**
 * {@code WSABUF} on 64-bit Windows, 16 bytes: {@code len} (ULONG, 32 bits on Windows even on 64-bit) at 0, 4 bytes of
 * padding, {@code buf} (a pointer) at 8. {@code WSARecv}/{@code WSASend} take an array of them; ours live in the
 * operation's slot memory, or in a thread's scratch memory for the synchronous calls.
 */
public final class WsaBufLayout {
    /** {@code sizeof(WSABUF)}. */
    public static final int SIZE = 16;
    /** {@code len}: a u32. */
    public static final int LEN = 0;
    /** {@code buf}. */
    public static final int BUF = 8;

    private WsaBufLayout() {
    }

    /**
     * Writes WSABUF {@code i} of an array at {@code at}.
     *
     * @param len the length, {@code 0 <= len <= 0xffffffff}
     */
    public static void put(ByteBuffer mem, int at, int i, long address, long len) {
        if (len < 0 || len > 0xffff_ffffL) {
            throw new IllegalArgumentException("expected a WSABUF length in [0, 2^32), got " + len);
        }
        int e = at + i * SIZE;
        mem.putInt(e + LEN, (int) len);
        mem.putInt(e + LEN + 4, 0);
        mem.putLong(e + BUF, address);
    }

    /** The length of WSABUF {@code i}, unsigned. */
    public static long len(ByteBuffer mem, int at, int i) {
        return mem.getInt(at + i * SIZE + LEN) & 0xffff_ffffL;
    }

    /** The address of WSABUF {@code i}. */
    public static long buf(ByteBuffer mem, int at, int i) {
        return mem.getLong(at + i * SIZE + BUF);
    }
}
