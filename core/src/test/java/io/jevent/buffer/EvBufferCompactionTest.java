package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.BufferInvariants.segments;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static io.jevent.buffer.Bufs.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Memory follows bytes whatever the pattern of writes (issue 9 item 8): moving many small segments into a buffer
 * copies them into its tail's free space instead of linking one segment per move.
 */
class EvBufferCompactionTest {
    static final int SEG = SegmentPool.SEGMENT_SIZE;

    @Test
    void shouldCompactOneByteMovesIntoOneSegment() {
        EvBuffer out = new EvBuffer();
        StringBuilder want = new StringBuilder();
        for (int i = 0; i < 5000; i++) {
            EvBuffer in = new EvBuffer(); // as a read callback sees it: one fresh segment holding one byte
            String one = String.valueOf((char) ('a' + i % 26));
            in.add(bytes(one));
            out.addBuffer(in);
            want.append(one);
        }
        check(out);
        assertEquals(1, segments(out), "5000 one-byte moves");
        assertEquals(SEG, out.memoryHeld());
        assertEquals(want.toString(), content(out));
    }

    @Test
    void shouldCompactWholeSegmentsMovedByRemoveBuffer() {
        EvBuffer src = chain("a", "b", "c", "d");
        EvBuffer dst = new EvBuffer();
        dst.add(bytes("0"));
        assertEquals(4, src.removeBuffer(dst, 4));
        check(dst);
        check(src);
        assertEquals(1, segments(dst));
        assertEquals("0abcd", content(dst));
    }

    @Test
    void shouldHoldAtMostAboutTwoBytesOfMemoryPerByteWhateverTheMoveSizes() {
        EvBuffer out = new EvBuffer();
        long moved = 0;
        java.util.Random r = new java.util.Random(9);
        for (int i = 0; i < 2000; i++) {
            EvBuffer in = new EvBuffer();
            int n = r.nextBoolean() ? 1 + r.nextInt(16) : 1 + r.nextInt(SEG + SEG / 2); // tiny and large reads mixed
            in.add(new byte[n]);
            out.addBuffer(in);
            moved += n;
            if (i % 50 == 0) {
                check(out);
            }
            assertTrue(out.memoryHeld() <= 2 * out.length() + 2L * SEG, () -> "holding " + out.memoryHeld()
                    + " bytes of memory for " + out.length() + " bytes");
        }
        assertEquals(moved, out.length());
    }

    @Test
    void shouldNotCompactCallerMemoryOrIntoAReservedTail() {
        EvBuffer dst = new EvBuffer();
        dst.add(bytes("a"));
        EvBuffer src = new EvBuffer();
        src.addReference(ByteBuffer.wrap(bytes("ref")), null);
        dst.addBuffer(src);
        check(dst);
        assertEquals(2, segments(dst), "caller memory is linked, not copied");
        assertEquals(Segment.REFERENCE, dst.tail.kind);
        assertEquals("aref", content(dst));
    }

    @Test
    void shouldCountTheMemoryOfChainSparesAndReservations() {
        EvBuffer b = new EvBuffer();
        assertEquals(0, b.memoryHeld());
        b.add(bytes("abc"));
        assertEquals(SEG, b.memoryHeld());
        b.addReference(ByteBuffer.wrap(bytes("caller's")), null);
        assertEquals(SEG, b.memoryHeld(), "caller memory is not ours");
        b.reserve(SEG);
        assertEquals(2 * SEG, b.memoryHeld(), "a fresh reserved segment");
        b.commit(0);
        b.expand(1);
        assertEquals(2 * SEG, b.memoryHeld(), "a spare from expand");
    }
}
