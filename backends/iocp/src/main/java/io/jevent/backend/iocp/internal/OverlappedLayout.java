package io.jevent.backend.iocp.internal;

import java.nio.ByteBuffer;

/**
 * {@code OVERLAPPED} on 64-bit Windows, 32 bytes: {@code Internal} (ULONG_PTR, the NTSTATUS of the finished request)
 * at 0, {@code InternalHigh} (ULONG_PTR, the bytes transferred) at 8, {@code Offset}/{@code OffsetHigh} (DWORDs, file
 * offsets; zero for sockets) at 16 and 20, {@code hEvent} (HANDLE) at 24. Each operation slot starts with one
 * ({@link SlotMemory}); the kernel owns it from the post until its completion is dequeued.
 */
public final class OverlappedLayout {
    /** {@code sizeof(OVERLAPPED)}. */
    public static final int SIZE = 32;
    /** {@code Internal}: the request's NTSTATUS once it has finished ({@code STATUS_PENDING} before). */
    public static final int INTERNAL = 0;
    /** {@code InternalHigh}: the bytes transferred. */
    public static final int INTERNAL_HIGH = 8;
    /** {@code Offset}. */
    public static final int OFFSET = 16;
    /** {@code OffsetHigh}. */
    public static final int OFFSET_HIGH = 20;
    /** {@code hEvent}: null here (completions go to the port). */
    public static final int HEVENT = 24;

    private OverlappedLayout() {
    }

    /** Zeroes the OVERLAPPED at {@code at}: required before each post. */
    public static void clear(ByteBuffer mem, int at) {
        mem.putLong(at + INTERNAL, 0L);
        mem.putLong(at + INTERNAL_HIGH, 0L);
        mem.putInt(at + OFFSET, 0);
        mem.putInt(at + OFFSET_HIGH, 0);
        mem.putLong(at + HEVENT, 0L);
    }

    /** The NTSTATUS in {@code Internal} (its low 32 bits: an NTSTATUS is a LONG). */
    public static int status(ByteBuffer mem, int at) {
        return (int) mem.getLong(at + INTERNAL);
    }

    /** The bytes transferred, from {@code InternalHigh}. */
    public static long bytes(ByteBuffer mem, int at) {
        return mem.getLong(at + INTERNAL_HIGH);
    }
}
