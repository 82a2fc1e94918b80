package io.jevent.backend.kqueue.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * Each system's {@code struct kevent}, checked byte by byte against the offsets of its {@code <sys/event.h>} (LP64),
 * so that the BSD layouts are proven on any machine.
 */
class KeventLayoutTest {
    private static final long IDENT = 0x0102_0304_0506_0708L;
    private static final int FFLAGS = 0x0100_0000;
    private static final long DATA = -0x1122_3344_5566_7788L;
    private static final long UDATA = 0x7fed_cba9_8765_4321L;

    /** Two entries written, the second checked at its raw offsets, the first untouched by it. */
    private static ByteBuffer write(KeventLayout l, int filter, int flags) {
        ByteBuffer b = ByteBuffer.allocate(2 * l.size).order(ByteOrder.nativeOrder());
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) 0x5a); // garbage that put must overwrite
        }
        l.put(b, 0, 1, l.evfiltRead, KeventLayout.EV_ADD, 0, 0, 7);
        l.put(b, 1, IDENT, filter, flags, FFLAGS, DATA, UDATA);
        assertEquals(1, l.ident(b, 0));
        assertEquals(7, l.udata(b, 0));
        assertEquals(l.evfiltRead, l.filter(b, 0));
        return b;
    }

    private static void roundTrip(KeventLayout l, ByteBuffer b, int filter, int flags) {
        assertEquals(IDENT, l.ident(b, 1));
        assertEquals(filter, l.filter(b, 1));
        assertEquals(flags, l.flags(b, 1));
        assertEquals(FFLAGS, l.fflags(b, 1));
        assertEquals(DATA, l.data(b, 1));
        assertEquals(UDATA, l.udata(b, 1));
    }

    /** macOS, OpenBSD and libkqueue: ident 0, short filter 8, u_short flags 10, fflags 12, data 16, udata 24. */
    private static void check32(KeventLayout l, int user) {
        assertEquals(32, l.size);
        assertEquals(-1, l.evfiltRead);
        assertEquals(-2, l.evfiltWrite);
        assertEquals(user, l.evfiltUser);
        int flags = KeventLayout.EV_EOF | KeventLayout.EV_ERROR | KeventLayout.EV_CLEAR;
        ByteBuffer b = write(l, user, flags);
        int at = 32;
        assertEquals(IDENT, b.getLong(at));
        assertEquals((short) user, b.getShort(at + 8));
        assertEquals((short) flags, b.getShort(at + 10));
        assertEquals(FFLAGS, b.getInt(at + 12));
        assertEquals(DATA, b.getLong(at + 16));
        assertEquals(UDATA, b.getLong(at + 24));
        roundTrip(l, b, user, flags);
    }

    @Test
    void shouldLayOutMacOs() {
        check32(KeventLayout.MACOS, -10);
    }

    @Test
    void shouldLayOutOpenBsd() {
        check32(KeventLayout.OPENBSD, -10);
    }

    @Test
    void shouldLayOutLibkqueueWithFreeBsdFilterNumbers() {
        check32(KeventLayout.LIBKQUEUE, -11);
    }

    @Test
    void shouldLayOutFreeBsdWithZeroedExt() {
        KeventLayout l = KeventLayout.FREEBSD;
        assertEquals(64, l.size);
        assertEquals(-11, l.evfiltUser);
        int flags = KeventLayout.EV_DELETE | KeventLayout.EV_EOF;
        ByteBuffer b = write(l, -2, flags);
        int at = 64;
        assertEquals(IDENT, b.getLong(at));
        assertEquals((short) -2, b.getShort(at + 8));
        assertEquals((short) flags, b.getShort(at + 10));
        assertEquals(FFLAGS, b.getInt(at + 12));
        assertEquals(DATA, b.getLong(at + 16));
        assertEquals(UDATA, b.getLong(at + 24));
        for (int o = 32; o < 64; o += 8) {
            assertEquals(0L, b.getLong(at + o), "ext at " + o);
        }
        roundTrip(l, b, -2, flags);
    }

    @Test
    void shouldLayOutNetBsdWithWideFilterAndFlags() {
        KeventLayout l = KeventLayout.NETBSD;
        assertEquals(40, l.size);
        assertEquals(0, l.evfiltRead);
        assertEquals(1, l.evfiltWrite);
        assertEquals(8, l.evfiltUser);
        int flags = KeventLayout.EV_ADD | KeventLayout.EV_CLEAR | KeventLayout.EV_EOF;
        ByteBuffer b = write(l, 8, flags);
        int at = 40;
        assertEquals(IDENT, b.getLong(at));
        assertEquals(8, b.getInt(at + 8));
        assertEquals(flags, b.getInt(at + 12));
        assertEquals(FFLAGS, b.getInt(at + 16));
        assertEquals(0, b.getInt(at + 20), "padding");
        assertEquals(DATA, b.getLong(at + 24));
        assertEquals(UDATA, b.getLong(at + 32));
        roundTrip(l, b, 8, flags);
    }

    @Test
    void shouldReadFlagsUnsignedAndFiltersSigned() {
        KeventLayout l = KeventLayout.MACOS;
        ByteBuffer b = write(l, -10, 0xc000);
        assertEquals(0xc000, l.flags(b, 1), "EV_EOF | EV_ERROR read back as a positive int");
        assertEquals(-10, l.filter(b, 1));
    }

    @Test
    void shouldChooseTheLayoutByOsName() {
        assertSame(KeventLayout.MACOS, KeventLayout.forOs("Mac OS X"));
        assertSame(KeventLayout.FREEBSD, KeventLayout.forOs("FreeBSD"));
        assertSame(KeventLayout.OPENBSD, KeventLayout.forOs("OpenBSD"));
        assertSame(KeventLayout.NETBSD, KeventLayout.forOs("NetBSD"));
        assertSame(KeventLayout.LIBKQUEUE, KeventLayout.forOs("Linux"));
        assertNull(KeventLayout.forOs("Windows 11"));
    }
}
