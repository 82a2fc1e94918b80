package io.jevent.buffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Test helpers: buffers with segment boundaries exactly where a test wants them. */
final class Bufs {
    private Bufs() {
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String str(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /**
     * A buffer with one pooled segment per part, in order. Built by linking segments directly: moving small segments
     * with addBuffer would compact them into one.
     */
    static EvBuffer chain(String... parts) {
        EvBuffer b = new EvBuffer();
        for (String p : parts) {
            byte[] a = bytes(p);
            if (a.length == 0 || a.length > SegmentPool.SEGMENT_SIZE) {
                throw new AssertionError("expected 1.." + SegmentPool.SEGMENT_SIZE + " bytes per part, got " + a.length);
            }
            Segment s = SegmentPool.take();
            s.buf.put(0, a);
            s.limit = a.length;
            b.link(s);
            b.length += a.length;
        }
        BufferInvariants.check(b);
        if (BufferInvariants.segments(b) != parts.length) {
            throw new AssertionError("helper built " + BufferInvariants.segments(b) + " segments, wanted " + parts.length);
        }
        return b;
    }

    /** A buffer with one reference segment over heap memory per part. */
    static EvBuffer refs(String... parts) {
        EvBuffer b = new EvBuffer();
        for (String p : parts) {
            b.addReference(ByteBuffer.wrap(bytes(p)), null);
        }
        return BufferInvariants.check(b);
    }

    /** The whole content, copied out without draining. */
    static String content(EvBuffer b) {
        byte[] out = new byte[(int) b.length()];
        b.copyOut(out, 0, out.length);
        return str(out);
    }
}
