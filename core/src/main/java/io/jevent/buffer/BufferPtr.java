package io.jevent.buffer;

/**
 * A position in one {@link EvBuffer} (libevent {@code struct evbuffer_ptr}), made by {@link EvBuffer#pointer} or
 * returned by a search. It stays valid while bytes are only added at the end; draining, removing, prepending or
 * anything else that moves bytes at the start makes it stale, and using a stale pointer throws
 * {@link IllegalStateException} rather than silently naming other bytes. Like its buffer, not thread-safe.
 */
public final class BufferPtr {
    final EvBuffer owner;
    /** The position, or -1 when a search found nothing. */
    long pos;
    /** The owner's {@link EvBuffer#generation} when this position was last set. */
    int generation;

    BufferPtr(EvBuffer owner, long pos) {
        this.owner = owner;
        this.pos = pos;
        this.generation = owner.generation;
    }

    /** {@return the position, counted from the buffer's first byte; -1 for a search that found nothing} */
    public long position() {
        return pos;
    }

    /** {@return whether it points at a byte: false for the result of a search that found nothing} */
    public boolean isFound() {
        return pos >= 0;
    }

    /**
     * Moves to an absolute position (libevent {@code EVBUFFER_PTR_SET}).
     *
     * @param position the byte offset from the buffer's first byte
     * @return this pointer
     * @throws IndexOutOfBoundsException unless {@code 0 <= position <= length}; the pointer is then unchanged
     * @throws IllegalStateException if the pointer is stale
     */
    public BufferPtr set(long position) {
        owner.checkPointer(this, "set");
        owner.checkPosition(position);
        this.pos = position;
        return this;
    }

    /**
     * Moves by {@code delta} bytes (libevent {@code EVBUFFER_PTR_ADD}; negative deltas are allowed here).
     *
     * @param delta bytes to move by; negative moves back
     * @return this pointer
     * @throws IndexOutOfBoundsException unless the result is within {@code [0, length]}; the pointer is then unchanged
     * @throws IllegalStateException if the pointer is stale or was not found
     */
    public BufferPtr add(long delta) {
        owner.checkPointer(this, "add");
        owner.checkPosition(pos + delta);
        this.pos += delta;
        return this;
    }

    /** {@return a second pointer at the same position} */
    public BufferPtr copy() {
        BufferPtr p = new BufferPtr(owner, pos);
        p.generation = generation;
        return p;
    }

    @Override
    public String toString() {
        return "BufferPtr[" + pos + "]";
    }
}
