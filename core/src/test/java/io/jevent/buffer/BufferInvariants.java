package io.jevent.buffer;

import java.util.IdentityHashMap;

/**
 * The test-side invariant checker, libevent's {@code evbuffer_validate_}: call it after every mutation. Throws
 * {@link AssertionError} naming the broken invariant.
 */
final class BufferInvariants {
    private BufferInvariants() {
    }

    /** Checks {@code b} and returns it, so calls can be chained in assertions. */
    static EvBuffer check(EvBuffer b) {
        IdentityHashMap<Segment, Boolean> seen = new IdentityHashMap<>();
        IdentityHashMap<java.nio.ByteBuffer, Integer> bufs = new IdentityHashMap<>();
        long sum = 0;
        Segment last = null;
        int i = 0;
        for (Segment s = b.head; s != null; s = s.next, i++) {
            require(seen.put(s, Boolean.TRUE) == null, "segment " + i + " appears twice: the chain has a cycle");
            require(!s.isEmpty(), "segment " + i + " is empty: drained segments must leave the chain at once");
            if (s.buf != null) {
                Integer other = bufs.put(s.buf, i);
                require(other == null, "segments " + other + " and " + i + " share one ByteBuffer object (and so one"
                        + " position and limit for I/O calls)");
            }
            require(!s.orphaned, "segment " + i + " is in the chain but marked as having left it");
            require(s.shares >= Segment.ESCAPED, "segment " + i + " has shares " + s.shares);
            require(s.shares != 0 || s.lentEnd == 0, "segment " + i + " is not shared but has lentEnd " + s.lentEnd);
            require(s.buf == null || s.lentEnd <= s.buf.capacity(), "segment " + i + " lentEnd " + s.lentEnd
                    + " past its capacity");
            switch (s.kind) {
                case Segment.POOLED:
                    require(s.buf.isDirect(), "pooled segment " + i + " is not direct");
                    require(s.buf.capacity() == SegmentPool.SEGMENT_SIZE, "pooled segment " + i + " has capacity "
                            + s.buf.capacity());
                    // fall through
                case Segment.OWNED:
                    require(s.release == null, "memory segment " + i + " has a release");
                    require(0 <= s.pos && s.pos <= s.limit && s.limit <= s.buf.capacity(),
                            "segment " + i + " has pos " + s.pos + ", limit " + s.limit + ", capacity " + s.buf.capacity());
                    break;
                case Segment.REFERENCE:
                    require(s.release != null && s.release.refs > 0, "reference segment " + i + " lost its release");
                    require(0 <= s.pos && s.pos <= s.limit && s.limit <= s.buf.capacity(),
                            "reference segment " + i + " out of its memory");
                    break;
                case Segment.FILE:
                    require(s.buf == null, "file segment " + i + " has memory");
                    require(s.release != null && s.release.channel != null && s.release.refs > 0,
                            "file segment " + i + " lost its channel");
                    require(0 <= s.fileOffset && s.fileOffset < s.fileEnd, "file segment " + i + " region ["
                            + s.fileOffset + ", " + s.fileEnd + ")");
                    break;
                default:
                    throw new AssertionError("segment " + i + " has unknown kind " + s.kind);
            }
            sum += s.size();
            last = s;
        }
        require(last == b.tail, "tail is not the last segment of the chain");
        require((b.head == null) == (b.length == 0), "empty iff no segment: head " + b.head + ", length " + b.length);
        require(sum == b.length, "length " + b.length + " but segments hold " + sum);
        BufferState st = b.state;
        if (st != null && st.reserved) {
            require(st.resTotal >= 0, "negative reservation");
            if (st.resTail != null) {
                require(st.resTailDetached != seen.containsKey(st.resTail),
                        "reserved tail detached=" + st.resTailDetached + " but in chain=" + seen.containsKey(st.resTail));
                require(st.resTailDetached || st.resTail == b.tail, "reserved segment is no longer the tail");
            }
            for (Segment f = st.resFresh; f != null; f = f.next) {
                require(!seen.containsKey(f), "a reserved fresh segment is already in the chain");
            }
        }
        return b;
    }

    /** Number of segments in the chain. */
    static int segments(EvBuffer b) {
        int n = 0;
        for (Segment s = b.head; s != null; s = s.next) {
            n++;
        }
        return n;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("EvBuffer invariant broken: " + what);
        }
    }
}
