package io.jevent.buffer;

import java.nio.ByteBuffer;

/**
 * Views of an {@link EvBuffer}'s memory: {@code peek} and {@code pullUp}, and the sharing they imply. Every segment a
 * view is cut from is lent, to a {@link Loan} until it closes or, without one, for ever ({@code Segment.lend},
 * {@code Segment.escape}); the rule that follows is in the package note.
 */
final class Views {
    private Views() {
    }

    /** {@link EvBuffer#peek(long, BufferPtr, ByteBuffer[])}, lending to {@code loan} (null: for ever). */
    static int peek(EvBuffer b, long len, BufferPtr start, ByteBuffer[] out, Loan loan, String op) {
        if (len < -1) {
            throw new IllegalArgumentException("expected len >= 0 or -1 (all), got " + len);
        }
        long from = start == null ? 0 : start.pos;
        if (start != null) {
            b.checkPointer(start, op);
        }
        long want = len == -1 ? b.length - from : Math.min(len, b.length - from);
        b.materialize(from, from + want);
        return views(b, from, want, out, loan);
    }

    /** {@link EvBuffer#pullUp(long)}, lending to {@code loan} (null: for ever). */
    static ByteBuffer pullUp(EvBuffer b, long n, Loan loan) {
        long want = n == -1 ? b.length : n;
        if (want < 0 || want > b.length) {
            throw new IndexOutOfBoundsException("expected 0 <= n <= length (" + b.length + ") or -1, got " + n);
        }
        if (want > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("expected n <= " + (Integer.MAX_VALUE - 8) + " for one view, got " + n);
        }
        int k = (int) want;
        if (k == 0) {
            return ByteBuffer.allocate(0);
        }
        b.materialize(0, k);
        Segment h = b.head;
        if (h.size() >= k) {
            lendTo(h, h.pos + k, loan);
            return h.buf.slice(h.pos, k);
        }
        return gatherFront(b, k, loan);
    }

    /**
     * Fills {@code out} with views of {@code want} bytes from {@code from} (in memory); returns the views needed. Each
     * segment a view is made of is lent: to {@code loan} until it closes, or, when {@code loan} is null, for ever.
     */
    static int views(SegmentChain b, long from, long want, ByteBuffer[] out, Loan loan) {
        int count = 0;
        long base = 0;
        for (Segment s = b.head; s != null && base < from + want; s = s.next) {
            long sz = s.size();
            if (base + sz > from) {
                int skip = (int) Math.max(0, from - base);
                if (count < out.length) {
                    out[count] = loan != null && loan.reusesViews && s.shares == 0
                            ? s.ioView(s.pos + skip, (int) sz - skip) // nobody else holds it: no allocation
                            : s.buf.slice(s.pos + skip, (int) sz - skip);
                    lendTo(s, s.limit, loan);
                }
                count++;
            }
            base += sz;
        }
        return count;
    }

    /** Lends {@code s} up to {@code end} to {@code loan}, or for ever when it is null. */
    static void lendTo(Segment s, int end, Loan loan) {
        if (loan == null) {
            s.escape(end);
        } else {
            s.lend(end);
            loan.record(s);
        }
    }

    /**
     * Copies the first {@code k} bytes (in memory, spanning segments) into one new head segment; a view of them, lent
     * as {@link #views} lends.
     */
    static ByteBuffer gatherFront(SegmentChain b, int k, Loan loan) {
        Segment s = k <= SegmentPool.SEGMENT_SIZE ? b.takeSegment()
                : new Segment(ByteBuffer.allocateDirect(k), Segment.OWNED);
        b.copyTo(0, s.buf, 0, k);
        long keep = b.length;
        b.dropFront(k);
        s.limit = k;
        b.linkFirst(s);
        b.length = keep;
        lendTo(s, k, loan);
        return s.buf.slice(0, k);
    }
}
