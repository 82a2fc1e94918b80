package io.jevent.backend.kqueue.internal;

import java.nio.ByteBuffer;

/**
 * Where the fields of {@code struct kevent} sit on one system, and the filter numbers that differ between them
 * (agrona's {@code *Descriptor} habit: offsets in one place, read and written with {@code ByteBuffer} accessors at
 * absolute indexes, no JNA {@code Structure}).
 *
 * <p>Every layout starts with {@code uintptr_t ident} (8 bytes on LP64). After it:
 * <table>
 *   <caption>struct kevent on LP64</caption>
 *   <tr><th>system</th><th>filter</th><th>flags</th><th>fflags</th><th>data</th><th>udata</th><th>size</th></tr>
 *   <tr><td>macOS, OpenBSD, libkqueue</td><td>int16 @8</td><td>uint16 @10</td><td>uint32 @12</td>
 *       <td>int64 @16</td><td>@24</td><td>32</td></tr>
 *   <tr><td>FreeBSD &ge; 12</td><td>int16 @8</td><td>uint16 @10</td><td>uint32 @12</td><td>int64 @16</td>
 *       <td>@24</td><td>64 ({@code uint64_t ext[4]} @32)</td></tr>
 *   <tr><td>NetBSD</td><td>uint32 @8</td><td>uint32 @12</td><td>uint32 @16</td><td>int64 @24</td>
 *       <td>@32</td><td>40</td></tr>
 * </table>
 * The {@code EV_*} flag bits and {@code NOTE_TRIGGER} are the same everywhere; the filter numbers are not:
 * {@code EVFILT_USER} is -10 on macOS and OpenBSD, -11 on FreeBSD and libkqueue, and NetBSD numbers its filters
 * upwards from 0 (read 0, write 1, user 8).
 *
 * <p>It also says how the library behaves where that differs ({@link #submitApart}). Immutable; the hot path calls {@link #put} and the getters on the one instance {@link #current()} chooses.
 */
public final class KeventLayout {
    /** {@code EV_ADD}. */
    public static final int EV_ADD = 0x0001;
    /** {@code EV_DELETE}. */
    public static final int EV_DELETE = 0x0002;
    /** {@code EV_ENABLE}. */
    public static final int EV_ENABLE = 0x0004;
    /** {@code EV_CLEAR}: report a state change once, then reset it (edge-triggered). */
    public static final int EV_CLEAR = 0x0020;
    /** {@code EV_RECEIPT}: force an {@code EV_ERROR} entry (data 0) for a successful change. */
    public static final int EV_RECEIPT = 0x0040;
    /** {@code EV_ERROR}: on return, {@code data} holds the errno of a change. */
    public static final int EV_ERROR = 0x4000;
    /** {@code EV_EOF}: the filter saw end of file (or an error, then in {@code fflags}). */
    public static final int EV_EOF = 0x8000;
    /** {@code NOTE_TRIGGER}: fires an {@code EVFILT_USER} event. */
    public static final int NOTE_TRIGGER = 0x0100_0000;

    /** macOS (and iOS): 32 bytes, {@code EVFILT_USER} -10. */
    public static final KeventLayout MACOS = new KeventLayout("macOS", 32, 2, 8, 10, 12, 16, 24, -1, -2, -10, false);
    /** OpenBSD: 32 bytes, {@code EVFILT_USER} -10. */
    public static final KeventLayout OPENBSD = new KeventLayout("OpenBSD", 32, 2, 8, 10, 12, 16, 24, -1, -2, -10, false);
    /** FreeBSD 12 and later: 64 bytes ({@code ext[4]} at the end), {@code EVFILT_USER} -11. */
    public static final KeventLayout FREEBSD = new KeventLayout("FreeBSD", 64, 2, 8, 10, 12, 16, 24, -1, -2, -11, false);
    /** NetBSD: 32-bit filter and flags, 40 bytes; filters numbered from 0, {@code EVFILT_USER} 8. */
    public static final KeventLayout NETBSD = new KeventLayout("NetBSD", 40, 4, 8, 12, 16, 24, 32, 0, 1, 8, false);
    /** libkqueue (kqueue emulated on Linux): FreeBSD's filter numbers in the 32-byte struct. */
    public static final KeventLayout LIBKQUEUE =
            new KeventLayout("libkqueue", 32, 2, 8, 10, 12, 16, 24, -1, -2, -11, true);

    /** Which system this layout is for, for messages. */
    private final String system;
    /** Bytes per {@code struct kevent}. */
    public final int size;
    /** Bytes of {@code filter} and of {@code flags}: 2 ({@code short}, {@code u_short}) or 4 (NetBSD). */
    private final int narrow;
    private final int filterOffset;
    private final int flagsOffset;
    private final int fflagsOffset;
    private final int dataOffset;
    private final int udataOffset;
    /** {@code EVFILT_READ} here. */
    public final int evfiltRead;
    /** {@code EVFILT_WRITE} here. */
    public final int evfiltWrite;
    /** {@code EVFILT_USER} here. */
    public final int evfiltUser;
    /**
     * Whether changes go in a {@code kevent} call of their own: libkqueue waits even after it wrote an error entry
     * for a change, where the kernels return at once (see {@code KqueueReadiness}).
     */
    public final boolean submitApart;

    private KeventLayout(String system, int size, int narrow, int filterOffset, int flagsOffset, int fflagsOffset,
            int dataOffset, int udataOffset, int evfiltRead, int evfiltWrite, int evfiltUser, boolean submitApart) {
        this.system = system;
        this.size = size;
        this.narrow = narrow;
        this.filterOffset = filterOffset;
        this.flagsOffset = flagsOffset;
        this.fflagsOffset = fflagsOffset;
        this.dataOffset = dataOffset;
        this.udataOffset = udataOffset;
        this.evfiltRead = evfiltRead;
        this.evfiltWrite = evfiltWrite;
        this.evfiltUser = evfiltUser;
        this.submitApart = submitApart;
    }

    /**
     * The layout of the library {@code kevent} comes from: the C library's on the BSDs and macOS, libkqueue's on
     * Linux.
     *
     * @param osName {@code os.name}
     * @return the layout, or {@code null} for a system whose {@code struct kevent} is not described here
     */
    public static KeventLayout forOs(String osName) {
        String os = osName.toLowerCase(java.util.Locale.ROOT);
        if (os.startsWith("mac") || os.startsWith("darwin")) {
            return MACOS;
        }
        if (os.startsWith("freebsd")) {
            return FREEBSD;
        }
        if (os.startsWith("openbsd")) {
            return OPENBSD;
        }
        if (os.startsWith("netbsd")) {
            return NETBSD;
        }
        if (os.startsWith("linux")) {
            return LIBKQUEUE;
        }
        return null;
    }

    /** {@link #forOs} for this JVM's {@code os.name}. */
    public static KeventLayout current() {
        return forOs(System.getProperty("os.name", ""));
    }

    /**
     * Writes entry {@code index} of a kevent array at {@code buf}'s absolute offsets; bytes past {@code udata}
     * (FreeBSD's {@code ext}) are zeroed.
     */
    public void put(ByteBuffer buf, int index, long ident, int filter, int flags, int fflags, long data, long udata) {
        int at = index * size;
        buf.putLong(at, ident);
        if (narrow == 2) {
            buf.putShort(at + filterOffset, (short) filter);
            buf.putShort(at + flagsOffset, (short) flags);
        } else {
            buf.putInt(at + filterOffset, filter);
            buf.putInt(at + flagsOffset, flags);
            buf.putInt(at + fflagsOffset + 4, 0); // padding before the 8-aligned data
        }
        buf.putInt(at + fflagsOffset, fflags);
        buf.putLong(at + dataOffset, data);
        buf.putLong(at + udataOffset, udata);
        for (int o = udataOffset + 8; o < size; o += 8) {
            buf.putLong(at + o, 0L);
        }
    }

    /** {@code ident} of entry {@code index}. */
    public long ident(ByteBuffer buf, int index) {
        return buf.getLong(index * size);
    }

    /** {@code filter} of entry {@code index}, sign-extended where it is a {@code short}. */
    public int filter(ByteBuffer buf, int index) {
        int at = index * size + filterOffset;
        return narrow == 2 ? buf.getShort(at) : buf.getInt(at);
    }

    /** {@code flags} of entry {@code index}, unsigned. */
    public int flags(ByteBuffer buf, int index) {
        int at = index * size + flagsOffset;
        return narrow == 2 ? buf.getShort(at) & 0xffff : buf.getInt(at);
    }

    /** {@code fflags} of entry {@code index}. */
    public int fflags(ByteBuffer buf, int index) {
        return buf.getInt(index * size + fflagsOffset);
    }

    /** {@code data} of entry {@code index}. */
    public long data(ByteBuffer buf, int index) {
        return buf.getLong(index * size + dataOffset);
    }

    /** {@code udata} of entry {@code index}. */
    public long udata(ByteBuffer buf, int index) {
        return buf.getLong(index * size + udataOffset);
    }

    @Override
    public String toString() {
        return "struct kevent (" + system + ", " + size + " bytes)";
    }
}
