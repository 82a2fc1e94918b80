package io.jevent.backend.epoll.internal;

import com.sun.jna.Platform;

/**
 * Offsets in {@code struct epoll_event { uint32_t events; epoll_data_t data; }}. On x86_64 the kernel declares
 * it {@code __attribute__((packed))}: 12 bytes, data at 4. Elsewhere (aarch64, ...) data is 8-aligned: 16
 * bytes, data at 8. Read with {@code ByteBuffer.getInt/getLong} at these offsets (unaligned access is fine).
 */
public final class EpollEventLayout {
    /** Whether the struct is packed (x86_64). */
    public static final boolean PACKED = Platform.isIntel() && Platform.is64Bit();
    /** Bytes per event. */
    public static final int SIZE = PACKED ? 12 : 16;
    /** Offset of {@code events}. */
    public static final int EVENTS_OFFSET = 0;
    /** Offset of {@code data} (we store a {@code u64}). */
    public static final int DATA_OFFSET = PACKED ? 4 : 8;

    private EpollEventLayout() {
    }
}
