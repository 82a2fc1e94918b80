package io.jevent.buffer;

import io.jevent.buffer.EvBuffer.Side;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * The mechanics under {@link EvBuffer}: the chain of {@link Segment}s and the primitive moves on it (link, drop
 * from the front, append, copy out, read file regions in), plus the checks shared by every operation. EvBuffer adds
 * the public operations, their argument checks and callbacks; keeping the two apart keeps each readable.
 *
 * <p>Chain invariants (checked by the tests' {@code BufferInvariants}): {@code head == null} iff
 * {@code tail == null} iff {@code length == 0}; no segment in the chain is empty; {@code length} is the sum of the
 * segments' sizes; {@code tail} is the last segment. Confined to one thread, like the buffer.
 */
class SegmentChain {
    // Five fields: an empty buffer holds no segment and no state, just this object (see package-info for its size).
    /** First segment, or null when empty. No segment in the chain is ever empty. */
    Segment head;
    /** Last segment, or null when empty; appends go into its free space when it is writable. */
    Segment tail;
    /** Readable bytes, the sum of the segments' sizes. */
    long length;
    /** Bumped by every change at the front or of the layout before a position; pointers made before are stale. */
    int generation;
    /** Freeze flags, callbacks, reservation and spares; null until one of them is first used. */
    BufferState state;
    /**
     * The owner's change hook ({@link EvBuffer#setWatcher}), or null. A field of its own rather than an entry in
     * {@link #state}: a BufferEvent watches its output all its life, and this costs no extra object (the field fits
     * in the object's alignment padding), where a callback entry would cost a BufferState and an entry array.
     */
    BufferCallback watcher;

    SegmentChain() {
    }

    BufferState state() {
        BufferState st = state;
        if (st == null) {
            st = new BufferState();
            state = st;
        }
        return st;
    }

    /** Checks the end may change, and cancels a pending reservation (it would no longer sit at the end). */
    void beforeEndChange() {
        BufferState st = state;
        if (st != null) {
            if (st.frozenEnd) {
                throw frozen(Side.END, "change at the end");
            }
            if (st.reserved) {
                st.dropReservation();
            }
        }
    }

    boolean frozenAt(Side side) {
        return state != null && (side == Side.START ? state.frozenStart : state.frozenEnd);
    }

    void checkNotFrozen(Side side, String what) {
        if (frozenAt(side)) {
            throw frozen(side, what);
        }
    }

    private static IllegalStateException frozen(Side side, String what) {
        return new IllegalStateException("buffer " + side.name().toLowerCase(Locale.ROOT) + " is frozen: " + what
                + " refused until unfreeze(" + side + ")");
    }

    void changed(long orig, long added, long deleted) {
        if ((added | deleted) == 0) {
            return;
        }
        BufferCallback w = watcher;
        if (w != null) {
            w.onChange((EvBuffer) this, orig, added, deleted);
        }
        BufferState st = state;
        if (st != null && st.callbackCount > 0) {
            st.changed((EvBuffer) this, orig, added, deleted);
        }
    }

    /** A spare segment from {@link #expand}, else one from the pool. */
    Segment takeSegment() {
        BufferState st = state;
        if (st != null && st.spare != null) {
            Segment s = st.spare;
            st.spare = s.next;
            s.next = null;
            return s;
        }
        return SegmentPool.take();
    }

    void link(Segment s) {
        if (tail == null) {
            head = s;
        } else {
            tail.next = s;
        }
        tail = s;
    }

    void linkFirst(Segment s) {
        s.next = head;
        head = s;
        if (tail == null) {
            tail = s;
        }
    }

    void unlinkHead() {
        Segment h = head;
        head = h.next;
        if (head == null) {
            tail = null;
        }
        h.next = null;
    }

    /**
     * Empties this buffer, handing its chain to the caller. A pending reservation outside the chain (fresh segments,
     * a reserved segment already emptied) stays for its commit; callers move a reserved last segment that is still in
     * the chain with {@link #moveFrontTo} instead, and should one come here its reservation is cancelled, because the
     * segment leaves.
     */
    Segment detachAll() {
        if (reservedTailInChain()) {
            state.dropReservation();
        }
        Segment h = head;
        head = null;
        tail = null;
        length = 0;
        generation++;
        return h;
    }

    static void advance(Segment s, long n) {
        if (s.kind == Segment.FILE) {
            s.fileOffset += n;
        } else {
            s.pos += (int) n;
        }
    }

    /** Removes {@code n <= length} bytes from the front; emptied segments are freed at once. */
    void dropFront(long n) {
        while (n > 0) {
            Segment h = head;
            long sz = h.size();
            if (sz <= n) {
                n -= sz;
                length -= sz;
                unlinkHead();
                BufferState st = state;
                if (st != null && st.reserved && st.resTail == h) {
                    keepReservedTail(h);
                } else {
                    h.free();
                }
            } else {
                advance(h, n);
                length -= n;
                n = 0;
            }
        }
    }

    /** Whether a pending reservation is on the free space of the last segment, which is still in the chain. */
    boolean reservedTailInChain() {
        BufferState st = state;
        return st != null && st.reserved && st.resTail != null && !st.resTailDetached;
    }

    /**
     * The reserved last segment {@code h}, just unlinked from the front, has no bytes left here (drained, or copied
     * to another buffer): it is kept outside the chain, its free space still the caller's, and the commit links it
     * back. A change at the front never cancels a reservation.
     */
    private void keepReservedTail(Segment h) {
        h.pos = h.limit;
        state.resTailDetached = true;
    }

    void appendBytes(byte[] src, int off, int len) {
        while (len > 0) {
            Segment t = writableTail();
            int n = Math.min(len, t.writableBytes());
            t.buf.put(t.limit, src, off, n);
            t.limit += n;
            off += n;
            len -= n;
            length += n;
        }
    }

    void appendBytes(ByteBuffer src, int index, int len) {
        while (len > 0) {
            Segment t = writableTail();
            int n = Math.min(len, t.writableBytes());
            t.buf.put(t.limit, src, index, n);
            t.limit += n;
            index += n;
            len -= n;
            length += n;
        }
    }

    private Segment writableTail() {
        Segment t = tail;
        if (t != null && t.writableBytes() > 0) {
            return t;
        }
        Segment s = takeSegment();
        link(s);
        return s;
    }

    /** Copies {@code n} bytes starting at {@code from} (all in memory) into {@code dst[off..]}. */
    void copyTo(long from, byte[] dst, int off, int n) {
        long base = 0;
        for (Segment s = head; s != null && n > 0; s = s.next) {
            long sz = s.size();
            if (base + sz > from) {
                int skip = (int) Math.max(0, from - base);
                int m = (int) Math.min(n, sz - skip);
                s.buf.get(s.pos + skip, dst, off, m);
                off += m;
                n -= m;
            }
            base += sz;
        }
    }

    void copyTo(long from, ByteBuffer dst, int n) {
        copyTo(from, dst, dst.position(), n);
        dst.position(dst.position() + n);
    }

    void copyTo(long from, ByteBuffer dst, int index, int n) {
        long base = 0;
        for (Segment s = head; s != null && n > 0; s = s.next) {
            long sz = s.size();
            if (base + sz > from) {
                int skip = (int) Math.max(0, from - base);
                int m = (int) Math.min(n, sz - skip);
                dst.put(index, s.buf, s.pos + skip, m);
                index += m;
                n -= m;
            }
            base += sz;
        }
    }

    /** Bytes before the first file segment (all of them when there is none). */
    long memoryPrefixLength() {
        long n = 0;
        for (Segment s = head; s != null && s.kind != Segment.FILE; s = s.next) {
            n += s.size();
        }
        return n;
    }

    /**
     * Reads the bytes of file segments that lie in {@code [from, to)} into pooled segments in their place; the rest of
     * such a region stays a file segment. Positions do not change, so pointers stay valid.
     *
     * @throws java.io.UncheckedIOException if the file cannot be read or ends inside the region; the buffer is then
     *     unchanged
     */
    void materialize(long from, long to) {
        if (from >= to) {
            return;
        }
        long base = 0;
        Segment prev = null;
        for (Segment s = head; s != null && base < to; ) {
            long sz = s.size();
            Segment next = s.next;
            if (s.kind == Segment.FILE && base + sz > from) {
                // only the part inside [from, to) is read: a large file in front of a small peek or a bounded write
                // never comes into memory whole; the parts before and after stay file segments sharing the region
                long lo = Math.max(0, from - base);
                long hi = Math.min(sz, to - base);
                Segment first = BufferIo.readFileRegion(s, lo, hi - lo);
                Segment last = first;
                while (last.next != null) {
                    last = last.next;
                }
                if (hi < sz) {
                    Segment after = s.splitShared(hi, sz - hi);
                    last.next = after;
                    last = after;
                }
                if (lo > 0) {
                    Segment before = s.splitShared(0, lo);
                    before.next = first;
                    first = before;
                }
                last.next = next;
                if (prev == null) {
                    head = first;
                } else {
                    prev.next = first;
                }
                if (tail == s) {
                    tail = last;
                }
                s.free();
                prev = last;
            } else {
                prev = s;
            }
            base += sz;
            s = next;
        }
    }

    void checkPointer(BufferPtr p, String op) {
        if (p.owner != this) {
            throw new IllegalArgumentException(op + ": expected a pointer into this buffer, got one into another EvBuffer");
        }
        if (p.generation != generation) {
            throw new IllegalStateException(op + ": pointer is stale: the buffer's front changed since it was set"
                    + " (generation " + p.generation + ", now " + generation + ")");
        }
        if (p.pos < 0) {
            throw new IllegalStateException(op + ": pointer is not set: it is a search result that found nothing");
        }
        if (p.pos > length) {
            throw new IllegalStateException(op + ": pointer at " + p.pos + " is past the end (" + length + ")");
        }
    }

    void checkPosition(long position) {
        if (position < 0 || position > length) {
            throw new IndexOutOfBoundsException("expected 0 <= position <= length (" + length + "), got " + position);
        }
    }

    static void checkNonNegative(long n, String name) {
        if (n < 0) {
            throw new IllegalArgumentException("expected " + name + " >= 0, got " + n);
        }
    }

    static void checkRange(int off, int len, int size) {
        if (off < 0 || len < 0 || off > size - len) {
            throw new IndexOutOfBoundsException("expected 0 <= off <= off + len <= " + size + ", got off " + off
                    + ", len " + len);
        }
    }

    /**
     * Links a detached chain {@code h .. t} of {@code n} bytes after the tail: O(1), the caller knows t. A first
     * segment that fits in the tail's free space is copied there instead ({@link #absorb}).
     */
    void appendChain(Segment h, Segment t, long n) {
        length += n;
        if (absorb(h)) {
            Segment rest = h.next;
            h.free();
            if (rest == null) {
                return;
            }
            h = rest;
        }
        if (tail == null) {
            head = h;
        } else {
            tail.next = h;
        }
        tail = t;
    }

    /**
     * Compaction, so that the memory a buffer holds follows its bytes whatever the pattern of writes (okio's
     * {@code Segment.compact}): a detached segment of our memory whose bytes fit in the tail's free space is copied
     * there, and the caller frees it instead of linking it. Without this, a peer sending one byte per packet, echoed
     * by moving input to output, cost one whole segment per byte. With it, a segment is linked only when its bytes
     * did not fit after its predecessor's, so two such neighbours hold more than a segment's worth of bytes (less what
     * was drained from the front of the first), and a chain holds at most about two bytes of memory per byte. The
     * copy is at most the tail's free space, and happens only when the moved segment is partly empty (a full one
     * never fits), so bulk transfers of full segments still move without copying. Length is not counted here.
     *
     * @return true when the bytes were copied (the caller frees {@code s}), false when {@code s} must be linked
     */
    boolean absorb(Segment s) {
        Segment t = tail;
        if (t == null || !s.writable()) {
            return false; // caller memory and file regions are linked, never copied
        }
        long n = s.size();
        if (n > t.writableBytes()) {
            return false;
        }
        t.buf.put(t.limit, s.buf, s.pos, (int) n);
        t.limit += (int) n;
        return true;
    }

    /** Links a detached chain {@code h .. t} of {@code n} bytes before the head: O(1), the caller knows t. */
    void prependChain(Segment h, Segment t, long n) {
        t.next = head;
        head = h;
        if (tail == null) {
            tail = t;
        }
        length += n;
        generation++;
    }

    /** Copies {@code src[off, off + len)} before the head: into its room at the front, then new segments filled from their end. */
    void prependBytes(byte[] src, int off, int len) {
        int rem = len;
        Segment h = head;
        if (h != null && h.frontRoom() > 0) {
            int n = Math.min(rem, h.frontRoom());
            h.pos -= n;
            h.buf.put(h.pos, src, off + rem - n, n);
            rem -= n;
        }
        while (rem > 0) {
            Segment s = takeSegment();
            int cap = s.buf.capacity();
            int n = Math.min(rem, cap);
            s.pos = cap - n;
            s.limit = cap;
            s.buf.put(s.pos, src, off + rem - n, n);
            rem -= n;
            linkFirst(s);
        }
        length += len;
        generation++;
    }

    /**
     * Moves {@code k <= length} bytes from the front to the end of {@code dst}: whole segments are relinked; of a
     * segment cut in two, a memory segment's part is copied (less than the segment) and caller memory or a file
     * region is shared.
     */
    void moveFrontTo(SegmentChain dst, long k) {
        long rem = k;
        while (rem > 0) {
            Segment h = head;
            long sz = h.size();
            if (sz <= rem) {
                unlinkHead();
                length -= sz;
                BufferState st = state;
                if (st != null && st.reserved && st.resTail == h) {
                    // its free space is reserved here: the bytes leave as a copy, the segment stays for the commit
                    dst.appendBytes(h.buf, h.pos, (int) sz); // counts dst.length
                    keepReservedTail(h);
                } else {
                    if (dst.absorb(h)) {
                        h.free();
                    } else {
                        dst.link(h);
                    }
                    dst.length += sz;
                }
                rem -= sz;
            } else {
                if (h.writable()) {
                    dst.appendBytes(h.buf, h.pos, (int) rem); // less than this segment: copy (counts dst.length)
                } else {
                    dst.link(h.splitShared(0, rem)); // caller memory or file: share it, never copy
                    dst.length += rem;
                }
                advance(h, rem);
                length -= rem;
                rem = 0;
            }
        }
    }

    /** See {@link EvBuffer#memoryHeld()}. */
    long heldMemory() {
        long n = 0;
        for (Segment s = head; s != null; s = s.next) {
            if (s.writable()) {
                n += s.buf.capacity();
            }
        }
        BufferState st = state;
        if (st != null) {
            for (Segment s = st.spare; s != null; s = s.next) {
                n += s.buf.capacity();
            }
            for (Segment s = st.resFresh; s != null; s = s.next) {
                n += s.buf.capacity();
            }
            if (st.resTailDetached) {
                n += st.resTail.buf.capacity();
            }
        }
        return n;
    }
}
