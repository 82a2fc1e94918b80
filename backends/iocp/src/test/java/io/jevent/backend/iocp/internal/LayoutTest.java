package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.jna.Memory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * The Windows x64 structures, encoded into and decoded from JNA {@link Memory} at the documented offsets, byte by byte
 * (little-endian, as on every Windows machine): these run on every platform.
 */
class LayoutTest {
    private static ByteBuffer memory(int size) {
        Memory m = new Memory(size);
        m.clear();
        HOLD.set(m);
        return m.getByteBuffer(0, size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Keeps the last Memory reachable while its view is used. */
    private static final ThreadLocal<Memory> HOLD = new ThreadLocal<>();

    @Test
    void shouldLayOutOverlappedIn32Bytes() {
        assertEquals(32, OverlappedLayout.SIZE);
        ByteBuffer b = memory(64);
        for (int i = 0; i < 64; i++) {
            b.put(i, (byte) 0x5a);
        }
        OverlappedLayout.clear(b, 16);
        for (int i = 0; i < 64; i++) {
            assertEquals(i >= 16 && i < 48 ? 0 : 0x5a, b.get(i) & 0xff, "byte " + i);
        }
        b.putLong(16 + 0, 0xC000_020DL); // Internal: STATUS_CONNECTION_RESET as the kernel writes it (ULONG_PTR)
        b.putLong(16 + 8, 1234L);
        assertEquals(0xC000_020D, OverlappedLayout.status(b, 16));
        assertEquals(1234L, OverlappedLayout.bytes(b, 16));
        assertEquals(24, OverlappedLayout.HEVENT);
    }

    @Test
    void shouldReadOverlappedEntriesAtTheirOffsets() {
        assertEquals(32, OverlappedEntryLayout.SIZE);
        ByteBuffer b = memory(3 * 32);
        OverlappedEntryLayout.put(b, 0, 2, 0x1122_3344_5566_7788L, 0x7ff0_0000_1000L, 0xffff_fff0L);
        int e = 64;
        assertEquals(0x88, b.get(e) & 0xff); // key @0, little-endian
        assertEquals(0x11, b.get(e + 7) & 0xff);
        assertEquals(0x00, b.get(e + 8) & 0xff); // overlapped @8
        assertEquals(0x10, b.get(e + 9) & 0xff);
        assertEquals(0xf0, b.get(e + 24) & 0xff); // bytes @24 (DWORD)
        assertEquals(0xff, b.get(e + 27) & 0xff);
        assertEquals(0x1122_3344_5566_7788L, OverlappedEntryLayout.key(b, 0, 2));
        assertEquals(0x7ff0_0000_1000L, OverlappedEntryLayout.overlapped(b, 0, 2));
        assertEquals(0xffff_fff0L, OverlappedEntryLayout.bytes(b, 0, 2)); // unsigned
    }

    @Test
    void shouldLayOutWsabufAsU32LengthThenPointerAt8() {
        assertEquals(16, WsaBufLayout.SIZE);
        ByteBuffer b = memory(32);
        WsaBufLayout.put(b, 0, 1, 0x0102_0304_0506_0708L, 0x8000_0001L);
        assertEquals(0x01, b.get(16) & 0xff); // len @0
        assertEquals(0x80, b.get(19) & 0xff);
        assertEquals(0, b.getInt(20)); // padding
        assertEquals(0x08, b.get(24) & 0xff); // buf @8
        assertEquals(0x0102_0304_0506_0708L, WsaBufLayout.buf(b, 0, 1));
        assertEquals(0x8000_0001L, WsaBufLayout.len(b, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> WsaBufLayout.put(b, 0, 0, 0L, 1L << 32));
    }

    @Test
    void shouldEncodeSockaddrInWithoutSinLen() throws Exception {
        ByteBuffer b = memory(128);
        int len = SockAddrLayout.encode(new InetSocketAddress(InetAddress.getByName("192.168.1.2"), 0x1f90), b, 0);
        assertEquals(16, len);
        assertEquals(2, b.get(0)); // AF_INET, u16 little-endian
        assertEquals(0, b.get(1));
        assertEquals(0x1f, b.get(2) & 0xff); // port, network order
        assertEquals(0x90, b.get(3) & 0xff);
        assertEquals(192, b.get(4) & 0xff);
        assertEquals(2, b.get(7) & 0xff);
        assertEquals(0L, b.getLong(8));
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.168.1.2"), 8080), SockAddrLayout.decode(b, 0));
    }

    @Test
    void shouldEncodeSockaddrIn6WithFamily23() throws Exception {
        ByteBuffer b = memory(128);
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName("::1"), 443);
        assertEquals(28, SockAddrLayout.encode(a, b, 0));
        assertEquals(23, b.getShort(0));
        assertEquals(0x01, b.get(2) & 0xff);
        assertEquals(0xbb, b.get(3) & 0xff);
        assertEquals(0, b.getInt(4)); // flow info
        assertEquals(1, b.get(23)); // the last address byte (8 + 15)
        assertEquals(0, b.getInt(24)); // scope id
        assertEquals(a, SockAddrLayout.decode(b, 0));
        assertEquals(28, SockAddrLayout.encodeAny(SockAddrLayout.AF_INET6, b, 0));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::"), 0), SockAddrLayout.decode(b, 0));
        b.putShort(0, (short) 10); // Linux's AF_INET6 is not Windows'
        assertNull(SockAddrLayout.decode(b, 0));
    }

    @Test
    void shouldWriteExtensionFunctionGuidsAsWinsockDefinesThem() {
        ByteBuffer b = memory(16);
        GuidLayout.put(b, 0, GuidLayout.ACCEPTEX);
        assertEquals(0xf1, b.get(0) & 0xff); // Data1 little-endian
        assertEquals(0xb5, b.get(3) & 0xff);
        assertEquals(0xac, b.get(4) & 0xff); // Data2
        assertEquals(0x95, b.get(8) & 0xff); // Data4 in order
        assertEquals(0x92, b.get(15) & 0xff);
        assertEquals("{b5367df1-cbac-11cf-95ca-00805f48a192}", GuidLayout.toString(b, 0));
        GuidLayout.put(b, 0, GuidLayout.CONNECTEX);
        assertEquals("{25a207b9-ddf3-4660-8ee9-76e58c74063e}", GuidLayout.toString(b, 0));
        GuidLayout.put(b, 0, GuidLayout.GETACCEPTEXSOCKADDRS);
        assertEquals("{b5367df2-cbac-11cf-95ca-00805f48a192}", GuidLayout.toString(b, 0));
    }
}
