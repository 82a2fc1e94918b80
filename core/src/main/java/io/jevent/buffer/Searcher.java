package io.jevent.buffer;

/**
 * Finding bytes across segment boundaries: pattern search and line terminators. Every segment in the range searched
 * must be in memory ({@link EvBuffer#materialize} first). Allocation-free; a match may straddle any number of
 * segments.
 */
final class Searcher {
    private static final byte CR = '\r';
    private static final byte LF = '\n';
    private static final byte[] CRLF_BYTES = {CR, LF};

    private Searcher() {
    }

    /** Position of the first {@code what} starting in {@code [from, to - what.length]}, or -1. */
    static long indexOf(EvBuffer b, byte[] what, long from, long to) {
        if (from > to) {
            return -1;
        }
        if (what.length == 0) {
            return from;
        }
        long last = to - what.length; // the last position a match may start at
        if (last < from) {
            return -1;
        }
        byte first = what[0];
        long base = 0;
        for (Segment s = b.head; s != null && base <= last; s = s.next) {
            int sz = (int) s.size();
            if (base + sz > from) {
                int i = (int) Math.max(0, from - base);
                int end = (int) Math.min(sz, last - base + 1);
                for (; i < end; i++) {
                    if (s.buf.get(s.pos + i) == first && matchesAt(s, i, what)) {
                        return base + i;
                    }
                }
            }
            base += sz;
        }
        return -1;
    }

    /** Whether {@code what} starts at index {@code i} of {@code s}, continuing into the following segments. */
    private static boolean matchesAt(Segment s, int i, byte[] what) {
        Segment c = s;
        int j = i + 1;
        for (int k = 1; k < what.length; ) {
            if (j == c.limit - c.pos) {
                c = c.next;
                if (c == null || c.kind == Segment.FILE) {
                    return false;
                }
                j = 0;
                continue;
            }
            if (c.buf.get(c.pos + j) != what[k]) {
                return false;
            }
            j++;
            k++;
        }
        return true;
    }

    /** Position of the first byte equal to {@code x} or {@code y} in {@code [from, end)}, or -1. */
    private static long indexOfEither(EvBuffer b, long from, byte x, byte y, long end) {
        long base = 0;
        for (Segment s = b.head; s != null && base < end; s = s.next) {
            int sz = (int) Math.min(s.size(), end - base);
            if (base + sz > from) {
                for (int i = (int) Math.max(0, from - base); i < sz; i++) {
                    byte c = s.buf.get(s.pos + i);
                    if (c == x || c == y) {
                        return base + i;
                    }
                }
            }
            base += sz;
        }
        return -1;
    }

    /** The byte at {@code pos < length}. */
    static byte byteAt(EvBuffer b, long pos) {
        long base = 0;
        for (Segment s = b.head; ; s = s.next) {
            long sz = s.size();
            if (pos < base + sz) {
                return s.buf.get(s.pos + (int) (pos - base));
            }
            base += sz;
        }
    }

    /**
     * Where the first terminator of style {@code eol} at or after {@code from} starts, or -1 (libevent
     * {@code evbuffer_search_eol}).
     */
    static long findEol(EvBuffer b, long from, Eol eol) {
        return findEol(b, from, eol, b.length);
    }

    /** {@link #findEol(EvBuffer, long, Eol)} looking only at {@code [from, end)}, which must be in memory. */
    static long findEol(EvBuffer b, long from, Eol eol, long end) {
        switch (eol) {
            case LF:
                return indexOfEither(b, from, LF, LF, end);
            case NUL:
                return indexOfEither(b, from, (byte) 0, (byte) 0, end);
            case CRLF_STRICT:
                return indexOf(b, CRLF_BYTES, from, end);
            case ANY:
                return indexOfEither(b, from, CR, LF, end);
            case CRLF:
                for (long p = from; ; p++) {
                    p = indexOfEither(b, p, CR, LF, end);
                    if (p < 0 || byteAt(b, p) == LF) {
                        return p;
                    }
                    if (p + 1 < end && byteAt(b, p + 1) == LF) {
                        return p; // CR LF; a bare CR is data, keep looking after it
                    }
                }
            default:
                throw new AssertionError(eol);
        }
    }

    /** Bytes in the terminator found by {@link #findEol} at {@code at}. */
    static int eolLength(EvBuffer b, long at, Eol eol) {
        switch (eol) {
            case LF:
            case NUL:
                return 1;
            case CRLF_STRICT:
                return 2;
            case CRLF:
                return byteAt(b, at) == LF ? 1 : 2;
            case ANY:
                int n = 0;
                long base = 0;
                for (Segment s = b.head; s != null; s = s.next) {
                    int sz = (int) s.size();
                    if (base + sz > at) {
                        for (int i = (int) Math.max(0, at - base); i < sz; i++) {
                            byte c = s.buf.get(s.pos + i);
                            if (c != CR && c != LF) {
                                return n;
                            }
                            n++;
                        }
                    }
                    base += sz;
                }
                return n;
            default:
                throw new AssertionError(eol);
        }
    }
}
