package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.content;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A hostile user of EvBuffer: reservations held across the operations that move bytes out of the front. The
 * contract ({@link EvBuffer#reserve(int)}): a change at the end cancels a reservation, a change at the front does
 * not. Draining every byte already kept it; moving every byte out to another buffer must too, whichever operation
 * moves them, or the caller's commit throws and the bytes it wrote are lost.
 */
class EvBufferAttackTest {

    /** A buffer holding "abc" in one segment, with "def" written into a pending reservation of its free space. */
    private static EvBuffer reservedAfterAbc() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer v = b.reserve(10);
        v.put(bytes("def"));
        return check(b);
    }

    @Test
    void shouldKeepAReservationWhenDrainTakesEveryByteBeforeIt() {
        EvBuffer b = reservedAfterAbc();
        b.drain(3);
        check(b);
        b.commit(3);
        assertEquals("def", content(check(b)));
    }

    @Test
    void shouldKeepAReservationWhenRemoveBufferTakesEveryByteBeforeIt() {
        EvBuffer b = reservedAfterAbc();
        EvBuffer other = new EvBuffer();
        assertEquals(3, b.removeBuffer(other, 3));
        check(b);
        check(other);
        b.commit(3);
        assertEquals("def", content(check(b)));
        assertEquals("abc", content(other));
    }

    @Test
    void shouldKeepAReservationWhenAnotherBufferTakesAllItsBytesWithAddBuffer() {
        EvBuffer b = reservedAfterAbc();
        EvBuffer other = new EvBuffer();
        other.add(bytes("0"));
        other.addBuffer(b);
        check(b);
        check(other);
        b.commit(3);
        assertEquals("def", content(check(b)));
        assertEquals("0abc", content(other));
        b.add(bytes("g")); // and the buffer goes on as usual
        assertEquals("defg", content(check(b)));
    }

    @Test
    void shouldKeepAReservationWhenAnotherBufferTakesAllItsBytesWithPrependBuffer() {
        EvBuffer b = reservedAfterAbc();
        EvBuffer other = new EvBuffer();
        other.add(bytes("xyz"));
        other.prependBuffer(b);
        check(b);
        check(other);
        b.commit(3);
        assertEquals("def", content(check(b)));
        assertEquals("abcxyz", content(other));
    }

    @Test
    void shouldKeepAReservationOfFreshSegmentsWhenAnotherBufferTakesAllItsBytes() {
        EvBuffer b = new EvBuffer();
        b.add(new byte[SegmentPool.SEGMENT_SIZE]); // a full last segment: the reservation takes a fresh one
        ByteBuffer v = b.reserve(10);
        v.put(bytes("def"));
        EvBuffer other = new EvBuffer();
        other.addBuffer(b);
        check(b);
        b.commit(3);
        assertEquals("def", content(check(b)));
        assertEquals(SegmentPool.SEGMENT_SIZE, other.length());
    }

    @Test
    void shouldKeepAMultiVectorReservationWhenRemoveBufferTakesEveryByteBeforeIt() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer[] vecs = new ByteBuffer[3];
        int n = b.reserve(SegmentPool.SEGMENT_SIZE + 100, vecs); // the tail's free space and a fresh segment
        assertEquals(2, n);
        int first = vecs[0].remaining();
        byte[] fill = new byte[first + 5];
        for (int i = 0; i < fill.length; i++) {
            fill[i] = (byte) ('a' + i % 26);
        }
        vecs[0].put(fill, 0, first);
        vecs[1].put(fill, first, 5);
        EvBuffer other = new EvBuffer();
        b.removeBuffer(other, 3);
        check(b);
        b.commit(fill.length);
        check(b);
        assertEquals(Bufs.str(fill), content(b));
        assertEquals("abc", content(other));
    }
}
