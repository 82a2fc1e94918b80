package io.jevent.backend.iocp.internal;

import java.nio.ByteBuffer;

/**
 * {@code GUID}, 16 bytes: {@code Data1} (u32) at 0, {@code Data2} and {@code Data3} (u16) at 4 and 6, {@code Data4}
 * (8 bytes, in order) at 8; the first three in the machine's (little-endian) order. The GUIDs of the Winsock extension
 * functions that {@code WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER)} looks up are kept here as their four parts.
 */
public final class GuidLayout {
    /** {@code sizeof(GUID)}. */
    public static final int SIZE = 16;

    /** {@code WSAID_ACCEPTEX}: {b5367df1-cbac-11cf-95ca-00805f48a192}. */
    public static final long[] ACCEPTEX = {0xb5367df1L, 0xcbac, 0x11cf, 0x95ca00805f48a192L};
    /** {@code WSAID_GETACCEPTEXSOCKADDRS}: {b5367df2-cbac-11cf-95ca-00805f48a192}. */
    public static final long[] GETACCEPTEXSOCKADDRS = {0xb5367df2L, 0xcbac, 0x11cf, 0x95ca00805f48a192L};
    /** {@code WSAID_CONNECTEX}: {25a207b9-ddf3-4660-8ee9-76e58c74063e}. */
    public static final long[] CONNECTEX = {0x25a207b9L, 0xddf3, 0x4660, 0x8ee976e58c74063eL};

    private GuidLayout() {
    }

    /**
     * Writes {@code guid} (Data1, Data2, Data3, and Data4 as a big-endian long: its bytes in order) at {@code at}.
     */
    public static void put(ByteBuffer mem, int at, long[] guid) {
        mem.putInt(at, (int) guid[0]);
        mem.putShort(at + 4, (short) guid[1]);
        mem.putShort(at + 6, (short) guid[2]);
        for (int i = 0; i < 8; i++) {
            mem.put(at + 8 + i, (byte) (guid[3] >>> (56 - 8 * i)));
        }
    }

    /** The registry form, {@code "{b5367df1-cbac-11cf-95ca-00805f48a192}"}, read back from memory. */
    public static String toString(ByteBuffer mem, int at) {
        StringBuilder sb = new StringBuilder(38).append('{');
        sb.append(String.format("%08x-%04x-%04x-", mem.getInt(at), mem.getShort(at + 4) & 0xffff,
                mem.getShort(at + 6) & 0xffff));
        for (int i = 0; i < 8; i++) {
            if (i == 2) {
                sb.append('-');
            }
            sb.append(String.format("%02x", mem.get(at + 8 + i) & 0xff));
        }
        return sb.append('}').toString();
    }
}
