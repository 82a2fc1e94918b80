package io.jevent.buffer;

import java.nio.ByteBuffer;

/**
 * Reserve and commit (libevent {@code evbuffer_reserve_space} / {@code evbuffer_commit_space}): the caller fills
 * writable views of our memory, or its own buffer, then commits how much it wrote.
 *
 * <p>The reserved space is the last segment's free space and/or fresh segments kept in {@link BufferState} outside
 * the chain, so the chain never holds an empty segment. A change at the end cancels the reservation (the space
 * would no longer be at the end); a change at the front is allowed, and if a drain or a move ({@code removeBuffer},
 * or {@code addBuffer}/{@code prependBuffer} taking this buffer's bytes) empties the reserved last segment, it is
 * unlinked but kept ({@link BufferState#resTailDetached}) until the commit links it back; a move copies its bytes
 * out, since the segment stays.
 *
 * <p>Every reserved segment is lent ({@code Segment.lend}) while the reservation is pending: the commit ends the
 * loan, a cancellation makes it permanent ({@code Segment.escape}), because the caller may still write through the
 * view it holds.
 */
final class Reservations {
    private Reservations() {
    }

    static ByteBuffer reserveOne(EvBuffer b, int n) {
        b.beforeEndChange();
        BufferState st = b.state();
        Segment t = b.tail;
        ByteBuffer view;
        if (t != null && t.writableBytes() >= Math.max(n, 1)) {
            st.resTail = t;
            st.resTotal = t.writableBytes();
            view = t.buf.slice(t.limit, t.writableBytes());
            t.lend(t.buf.capacity());
        } else {
            Segment s = n <= SegmentPool.SEGMENT_SIZE ? b.takeSegment()
                    : new Segment(ByteBuffer.allocateDirect(n), Segment.OWNED);
            st.resFresh = s;
            st.resTotal = s.buf.capacity();
            view = s.buf.slice(0, s.buf.capacity());
            s.lend(s.buf.capacity());
        }
        st.reserved = true;
        return view;
    }

    static int reserveMany(EvBuffer b, long n, ByteBuffer[] vecs) {
        if (vecs.length == 1) {
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("expected n <= " + (Integer.MAX_VALUE - 8)
                        + " for one contiguous vector, got " + n);
            }
            vecs[0] = reserveOne(b, (int) n);
            return 1;
        }
        b.beforeEndChange();
        BufferState st = b.state();
        int i = 0;
        long total = 0;
        Segment t = b.tail;
        if (t != null && t.writableBytes() > 0) {
            st.resTail = t;
            vecs[i++] = t.buf.slice(t.limit, t.writableBytes());
            total += t.writableBytes();
            t.lend(t.buf.capacity());
        }
        Segment last = null;
        while (total < n) {
            long rest = n - total;
            Segment s;
            if (i < vecs.length - 1 || rest <= SegmentPool.SEGMENT_SIZE) {
                s = b.takeSegment();
            } else {
                if (rest > Integer.MAX_VALUE - 8) {
                    st.reserved = true;
                    st.dropReservation();
                    throw new IllegalArgumentException("expected n to fit in " + vecs.length + " vectors, got " + n);
                }
                s = new Segment(ByteBuffer.allocateDirect((int) rest), Segment.OWNED);
            }
            if (last == null) {
                st.resFresh = s;
            } else {
                last.next = s;
            }
            last = s;
            vecs[i++] = s.buf.slice(0, s.buf.capacity());
            s.lend(s.buf.capacity());
            total += s.buf.capacity();
        }
        st.resTotal = total;
        st.reserved = true;
        return i;
    }

    static void reserveOwn(EvBuffer b, ByteBuffer own, ReferenceCleanup cleanup) {
        if (own.isReadOnly()) {
            throw new IllegalArgumentException("expected a writable buffer to reserve, got a read-only one");
        }
        b.beforeEndChange();
        BufferState st = b.state();
        st.resOwn = own;
        st.resOwnStart = own.position();
        st.resOwnCleanup = cleanup;
        st.resTotal = own.remaining();
        st.reserved = true;
    }

    static void commit(EvBuffer b, long n) {
        BufferState st = b.state;
        if (st == null || !st.reserved) {
            throw new IllegalStateException("commit: no reservation pending: reserve() was not called, was already"
                    + " committed, or a later change at the end (add, addBuffer, readFrom, expand...) cancelled it");
        }
        b.checkNotFrozen(EvBuffer.Side.END, "commit");
        if (n < 0 || n > st.resTotal) {
            throw new IllegalArgumentException("expected 0 <= n <= reserved (" + st.resTotal + "), got " + n);
        }
        long orig = b.length;
        long rem = n;
        if (st.resOwn != null) {
            Segment.Release r = new Segment.Release(st.resOwn, null, st.resOwnCleanup);
            if (n == 0) {
                st.clearReservation();
                r.drop();
                return;
            }
            Segment s = new Segment(st.resOwn.duplicate(), Segment.REFERENCE);
            s.pos = st.resOwnStart;
            s.limit = st.resOwnStart + (int) n;
            s.release = r;
            b.link(s);
        } else {
            Segment t = st.resTail;
            if (t != null) {
                int k = (int) Math.min(rem, t.buf.capacity() - t.limit);
                t.limit += k;
                t.endLoan(); // the view's bytes are the buffer's now: the space after them may take appends again
                if (st.resTailDetached) {
                    if (k > 0) {
                        b.link(t);
                    } else {
                        t.free();
                    }
                }
                rem -= k;
            }
            for (Segment f = st.resFresh; f != null; ) {
                Segment next = f.next;
                f.next = null;
                int k = (int) Math.min(rem, f.buf.capacity());
                f.limit = k;
                f.endLoan();
                if (k > 0) {
                    b.link(f);
                } else {
                    f.free(); // pooled: back to the pool; owned: left to the GC
                }
                rem -= k;
                f = next;
            }
        }
        b.length += n;
        st.clearReservation();
        b.changed(orig, n, 0);
    }
}
