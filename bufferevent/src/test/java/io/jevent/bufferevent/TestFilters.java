package io.jevent.bufferevent;

import io.jevent.buffer.BufferPtr;
import io.jevent.buffer.EvBuffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Small filters written for the tests: each one is obviously right, so a failure points at the machinery. */
final class TestFilters {
    private TestFilters() {
    }

    private static long allowed(EvBuffer src, long dstLimit) {
        return dstLimit < 0 ? src.length() : Math.min(src.length(), Math.max(dstLimit, 0));
    }

    /** ASCII a-z to A-Z; everything else unchanged. Records the flush modes it was called with. */
    static final class UpperCase implements Filter {
        final List<FlushMode> modes = new ArrayList<>();
        boolean closed;

        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            if (mode != FlushMode.NORMAL) {
                modes.add(mode);
            }
            int n = (int) Math.min(allowed(src, dstLimit), 64 * 1024);
            if (n == 0) {
                return src.length() == 0 ? FilterResult.OK : FilterResult.NEED_MORE;
            }
            byte[] b = new byte[n];
            src.remove(b, 0, n);
            for (int i = 0; i < n; i++) {
                if (b[i] >= 'a' && b[i] <= 'z') {
                    b[i] -= 32;
                }
            }
            dst.add(b);
            return FilterResult.OK;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /**
     * Input side of line framing: only whole LF-terminated lines pass (at least one line per call, even past the
     * limit: a line is the unit); a partial line waits (NEED_MORE). At FINISHED a partial line left over is a
     * truncated stream: ERROR.
     */
    static final class WholeLines implements Filter {
        private static final byte[] LF = {'\n'};
        private IOException failure;

        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            long moved = 0;
            while (src.length() > 0) {
                BufferPtr p = src.search(LF, null);
                if (!p.isFound()) {
                    break;
                }
                long lineLen = p.position() + 1;
                if (moved > 0 && dstLimit >= 0 && moved + lineLen > dstLimit) {
                    return FilterResult.OK;
                }
                src.removeBuffer(dst, lineLen);
                moved += lineLen;
            }
            if (src.length() > 0 && mode == FlushMode.FINISHED) {
                failure = new IOException("stream ended inside a line (" + src.length() + " bytes without LF)");
                return FilterResult.ERROR;
            }
            return moved > 0 ? FilterResult.OK : FilterResult.NEED_MORE;
        }

        @Override
        public Throwable failure() {
            return failure;
        }
    }

    /** Output side of framing: each call's bytes become one frame, a 4-byte big-endian length then the bytes. */
    static final class LengthPrefix implements Filter {
        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            long n = Math.min(src.length(), 1 << 20);
            if (n == 0) {
                return FilterResult.OK;
            }
            dst.add(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
            src.removeBuffer(dst, n);
            return FilterResult.OK;
        }
    }

    /** Input side of length framing: only whole frames pass, unwrapped; NEED_MORE otherwise. */
    static final class UnwrapFrames implements Filter {
        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            boolean any = false;
            byte[] hdr = new byte[4];
            while (src.length() >= 4) {
                src.copyOut(hdr, 0, 4);
                long n = ((hdr[0] & 0xFFL) << 24) | ((hdr[1] & 0xFFL) << 16) | ((hdr[2] & 0xFFL) << 8) | (hdr[3] & 0xFFL);
                if (src.length() < 4 + n) {
                    break;
                }
                src.drain(4);
                src.removeBuffer(dst, n);
                any = true;
                if (dstLimit >= 0 && dst.length() >= dstLimit) {
                    break;
                }
            }
            return any ? FilterResult.OK : FilterResult.NEED_MORE;
        }
    }

    /** Passes bytes unchanged until it meets {@code poison}, then fails with {@link #failure()}. */
    static final class FailOn implements Filter {
        final byte poison;
        final IOException failure;
        int calls;

        FailOn(byte poison, String why) {
            this.poison = poison;
            this.failure = new IOException(why);
        }

        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            calls++;
            int n = (int) allowed(src, dstLimit);
            byte[] b = new byte[n];
            src.copyOut(b, 0, n);
            for (byte x : b) {
                if (x == poison) {
                    return FilterResult.ERROR;
                }
            }
            src.removeBuffer(dst, n);
            return FilterResult.OK;
        }

        @Override
        public Throwable failure() {
            return failure;
        }
    }
}
