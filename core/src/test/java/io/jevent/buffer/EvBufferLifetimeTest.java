package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.Arrays;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.BufferInvariants.segments;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static io.jevent.buffer.Bufs.content;
import static io.jevent.buffer.Bufs.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lifetime of views (issue 9 item 3): what peek, pullUp and reserve hand out keeps showing its bytes whatever
 * the buffer does next, and its memory never reaches another buffer through the pool; a {@link Loan} gives it back
 * at a known point.
 */
class EvBufferLifetimeTest {
    static final int SEG = SegmentPool.SEGMENT_SIZE;

    /** Passes another buffer's worth of segments (more than the thread cache and then some) through the pool. */
    static void churnPool() {
        byte[] junk = new byte[SEG];
        Arrays.fill(junk, (byte) '#');
        EvBuffer other = new EvBuffer();
        for (int i = 0; i < 2 * SegmentPool.THREAD_CACHE + 8; i++) {
            other.add(junk);
        }
        other.drain(other.length());
    }

    static String view(ByteBuffer v) {
        byte[] a = new byte[v.remaining()];
        v.duplicate().get(a);
        return str(a);
    }

    @Test
    void shouldKeepAPeekViewIntactAfterItsBytesAreDrainedAndThePoolChurns() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("hello"));
        ByteBuffer v = b.peek()[0];
        b.drain(5);
        check(b);
        b.add(bytes("other bytes of this buffer"));
        churnPool();
        assertEquals("hello", view(v), "the view's bytes");
    }

    @Test
    void shouldKeepAPullUpViewIntactWhenThePullUpGatheredSegments() {
        EvBuffer b = chain("ab", "cd", "ef");
        ByteBuffer v = b.pullUp(6);
        b.drain(6);
        churnPool();
        assertEquals("abcdef", view(v));
    }

    @Test
    void shouldNotPrependIntoTheRoomInFrontOfAViewedSegment() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("0123456789"));
        ByteBuffer v = b.pullUp(10);
        b.drain(5);
        b.prepend(bytes("XYZ")); // the room the drain left is seen by the view: prepend elsewhere
        check(b);
        assertEquals("XYZ56789", content(b));
        assertEquals("0123456789", view(v));
    }

    @Test
    void shouldStillAppendAfterWhatAPeekViewShows() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer v = b.peek()[0];
        b.add(bytes("def"));
        check(b);
        assertEquals(1, segments(b), "appends go on after the viewed bytes, into the same segment");
        assertEquals("abcdef", content(b));
        assertEquals("abc", view(v));
    }

    @Test
    void shouldKeepACancelledReservationsMemoryOutOfTheBufferAndThePool() {
        EvBuffer b = new EvBuffer();
        ByteBuffer v = b.reserve(100);
        fill(v, 'R');
        b.add(bytes("x")); // cancels the reservation
        check(b);
        churnPool();
        b.add(bytes("yz"));
        assertEquals("R".repeat(v.capacity()), view(v.duplicate().clear()), "nothing else wrote into the view");
        fill(v.clear(), 'S'); // a late write by the caller, who did not see the cancellation
        assertEquals("xyz", content(b), "the late write reached nothing the buffer holds");
        assertThrows(IllegalStateException.class, () -> b.commit(1));
    }

    @Test
    void shouldNotAppendIntoTheTailSpaceOfACancelledReservation() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        ByteBuffer v = b.reserve(10); // the tail's free space
        fill(v, 'R');
        b.add(bytes("d")); // cancels it: "d" must go elsewhere
        check(b);
        assertEquals("abcd", content(b));
        assertEquals("R".repeat(v.capacity()), view(v.duplicate().clear()));
        fill(v.clear(), 'S');
        assertEquals("abcd", content(b));
    }

    @Test
    void shouldAppendAfterACommitAsBefore() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("ab"));
        ByteBuffer v = b.reserve(10);
        v.put(bytes("cd"));
        b.commit(2);
        b.add(bytes("ef"));
        check(b);
        assertEquals(1, segments(b), "a committed reservation gives the rest of the space back");
        assertEquals("abcdef", content(b));
    }

    @Test
    void shouldLeaveAnEscapedSegmentToTheGcAndRecycleOthers() {
        EvBufferTest.settlePool();
        EvBuffer b = new EvBuffer();
        b.add(bytes("seen"));
        b.peek();
        int pooled = SegmentPool.localCount();
        b.drain(4);
        assertEquals(pooled, SegmentPool.localCount(), "a segment whose view escaped is not recycled");
        b.add(bytes("unseen"));
        pooled = SegmentPool.localCount();
        b.drain(6);
        assertEquals(pooled + 1, SegmentPool.localCount(), "a segment nobody else saw is recycled");
    }

    @Test
    void shouldPinLoanedSegmentsUntilTheLoanCloses() {
        EvBufferTest.settlePool();
        EvBuffer b = chain("abc", "def");
        Segment second = b.head.next;
        Loan loan = new Loan(4);
        assertEquals(2, b.peek(-1, null, loan));
        assertEquals(2, loan.count());
        b.drain(6);
        check(b);
        churnPool();
        assertEquals("abc", view(loan.view(0)));
        assertEquals("def", view(loan.view(1)));
        EvBufferTest.settlePool();
        int pooled = SegmentPool.localCount();
        loan.close();
        assertEquals(pooled + 2, SegmentPool.localCount(), "both segments go back to the pool when the loan ends");
        assertEquals(0, loan.count());
        assertEquals(null, loan.views()[0]);
        assertSame(second, SegmentPool.take(), "the last one recycled is taken first");
        loan.close(); // idempotent
    }

    @Test
    void shouldAppendAndRecycleAsUsualAfterALoanCloses() {
        EvBufferTest.settlePool();
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        Loan loan = new Loan(1);
        ByteBuffer v = b.pullUp(3, loan);
        assertSame(v, loan.view(0));
        assertEquals("abc", view(v));
        loan.close();
        b.drain(1);
        b.prepend(bytes("A")); // the room in front is ours again
        b.add(bytes("d"));
        check(b);
        assertEquals(1, segments(b));
        assertEquals("Abcd", content(b));
        int pooled = SegmentPool.localCount();
        b.drain(4);
        assertEquals(pooled + 1, SegmentPool.localCount());
    }

    @Test
    void shouldRecycleALoanedSegmentOnlyOnceBothTheBufferAndTheLoanAreDone() {
        EvBufferTest.settlePool();
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        Loan first = new Loan(1);
        Loan second = new Loan(1);
        b.peek(-1, null, first);
        b.peek(-1, null, second);
        int pooled = SegmentPool.localCount();
        b.drain(3);
        first.close();
        assertEquals(pooled, SegmentPool.localCount(), "still lent to the second loan");
        assertEquals("abc", view(second.view(0)));
        second.close();
        assertEquals(pooled + 1, SegmentPool.localCount());
    }

    @Test
    void shouldDelayTheCallersCleanupUntilALoanOfItsMemoryCloses() {
        EvBuffer b = new EvBuffer();
        int[] released = {0};
        b.addReference(ByteBuffer.wrap(bytes("caller")), (d, c) -> released[0]++);
        Loan loan = new Loan(2);
        b.peek(-1, null, loan);
        b.drain(6);
        assertEquals(0, released[0], "the caller's memory is still lent");
        loan.close();
        assertEquals(1, released[0]);
    }

    @Test
    void shouldRefuseToLendIntoALoanThatIsStillOpen() {
        EvBuffer b = new EvBuffer();
        b.add(bytes("abc"));
        Loan loan = new Loan(2);
        b.peek(-1, null, loan);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> b.pullUp(1, loan));
        assertTrue(e.getMessage().contains("close()"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Loan(0));
        loan.close();
        assertEquals("a", view(b.pullUp(1, loan)));
        loan.close();
    }

    @Test
    void shouldGiveEachHalfOfASplitReferenceItsOwnByteBuffer() {
        EvBuffer src = new EvBuffer();
        src.addReference(ByteBuffer.wrap(bytes("0123456789")), null);
        EvBuffer dst = new EvBuffer();
        src.removeBuffer(dst, 4);
        dst.addBuffer(src);
        check(dst); // the checker rejects two segments sharing one ByteBuffer object
        assertNotSame(dst.head.buf, dst.tail.buf);
        assertEquals("0123456789", content(dst));
    }

    @Test
    void shouldLendIoViewsWithoutAllocatingOnceWarm() {
        EvBuffer b = new EvBuffer();
        byte[] data = new byte[100];
        Arrays.fill(data, (byte) 7);
        Loan io = Loan.forIo(4);
        long[] allocated = new long[1];
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 2000; round++) {
            if (round == 1000) {
                allocated[0] = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            }
            b.add(data, 0, 100);
            int n = b.peek(100, null, io);
            assertEquals(1, n);
            ByteBuffer v = io.view(0);
            assertEquals(100, v.remaining());
            assertEquals(data[0], v.get(v.position()), "the view shows the lent bytes");
            io.close();
            b.drain(100);
        }
        long used = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - allocated[0];
        assertTrue(used < 1000 * 8, "lending 1,000 times allocated " + used + " bytes (views are reused)");
        check(b);
    }

    @Test
    void shouldNotMoveAnIoViewThatAnotherLoanStillHolds() {
        EvBuffer b = new EvBuffer();
        b.add("abcdefgh".getBytes());
        Loan first = Loan.forIo(1);
        b.peek(8, null, first);
        ByteBuffer v1 = first.view(0);
        Loan second = Loan.forIo(1);
        b.peek(4, null, second); // the segment is lent already: a view of its own
        ByteBuffer v2 = second.view(0);
        assertNotSame(v1, v2);
        assertEquals(8, v1.remaining(), "the first loan's view is not moved by the second loan");
        assertEquals(8, v2.remaining(), "a peek view shows its whole segment");
        second.close();
        first.close();
        Loan third = Loan.forIo(1);
        b.drain(2);
        b.peek(3, null, third);
        assertSame(v1, third.view(0), "once nobody holds the segment, its own view is reused");
        ByteBuffer v3 = third.view(0);
        byte[] got = new byte[v3.remaining()];
        v3.duplicate().get(got);
        assertEquals("cdefgh", str(got));
        third.close();
        check(b);
    }

    private static void fill(ByteBuffer v, char c) {
        while (v.hasRemaining()) {
            v.put((byte) c);
        }
    }
}
