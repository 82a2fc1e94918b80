package io.jevent.bufferevent;

import java.nio.ByteBuffer;

/**
 * A {@link BufferEvent#readInto} in progress: the caller's buffer and who to tell when it is full. One per
 * BufferEvent, made at its first {@code readInto} and reused by the next ones (cleared in between), so reading one
 * message after another into caller buffers allocates nothing per message. Loop thread only.
 */
final class CallerBuffer {
    /** The caller's buffer, filled from its position to its limit; null when no readInto is pending. */
    ByteBuffer dst;
    /** Told once, when {@link #dst} is full or reading ends first. */
    BufferEvent.FillCallback callback;
    /** A one-element vector over {@link #dst} for scattering reads, so a read into it allocates nothing. */
    final ByteBuffer[] vector = new ByteBuffer[1];

    /** Whether a readInto is pending. */
    boolean pending() {
        return dst != null;
    }

    void start(ByteBuffer d, BufferEvent.FillCallback c) {
        dst = d;
        callback = c;
    }

    /** Ends the pending readInto without telling anyone; returns its callback. */
    BufferEvent.FillCallback clear() {
        BufferEvent.FillCallback c = callback;
        dst = null;
        callback = null;
        vector[0] = null;
        return c;
    }
}
