package io.jevent.backend.iocp.internal;

import java.nio.ByteBuffer;

/**
 * {@code OVERLAPPED_ENTRY} on 64-bit Windows, 32 bytes, as {@code GetQueuedCompletionStatusEx} fills an array of
 * them: {@code lpCompletionKey} (ULONG_PTR) at 0, {@code lpOverlapped} (a pointer) at 8, {@code Internal} (ULONG_PTR,
 * reserved) at 16, {@code dwNumberOfBytesTransferred} (DWORD) at 24, then 4 bytes of padding. Read straight out of the
 * dequeuer's native array, with no JNA {@code Structure}.
 */
public final class OverlappedEntryLayout {
    /** {@code sizeof(OVERLAPPED_ENTRY)}. */
    public static final int SIZE = 32;
    /** {@code lpCompletionKey}: the key the socket was associated with the port under. */
    public static final int KEY = 0;
    /** {@code lpOverlapped}: the address of the operation's OVERLAPPED, or 0 for a posted packet. */
    public static final int OVERLAPPED = 8;
    /** {@code Internal}: reserved. */
    public static final int INTERNAL = 16;
    /** {@code dwNumberOfBytesTransferred}: a DWORD. */
    public static final int BYTES = 24;

    private OverlappedEntryLayout() {
    }

    /** The completion key of entry {@code i} of an array at {@code at}. */
    public static long key(ByteBuffer entries, int at, int i) {
        return entries.getLong(at + i * SIZE + KEY);
    }

    /** The OVERLAPPED address of entry {@code i}. */
    public static long overlapped(ByteBuffer entries, int at, int i) {
        return entries.getLong(at + i * SIZE + OVERLAPPED);
    }

    /** The bytes transferred of entry {@code i}, unsigned. */
    public static long bytes(ByteBuffer entries, int at, int i) {
        return entries.getInt(at + i * SIZE + BYTES) & 0xffff_ffffL;
    }

    /** Writes entry {@code i} as the kernel would (for tests of the decoding). */
    public static void put(ByteBuffer entries, int at, int i, long key, long overlapped, long bytes) {
        int e = at + i * SIZE;
        entries.putLong(e + KEY, key);
        entries.putLong(e + OVERLAPPED, overlapped);
        entries.putLong(e + INTERNAL, 0L);
        entries.putInt(e + BYTES, (int) bytes);
        entries.putInt(e + BYTES + 4, 0);
    }
}
