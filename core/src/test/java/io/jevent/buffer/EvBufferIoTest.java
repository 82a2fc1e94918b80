package io.jevent.buffer;

import io.jevent.conformance.EvBufferIoConformance.Checks;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.BufferInvariants.segments;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** readFrom/writeTo inside core, over a loopback NetOps: the conformance scenarios plus white-box checks. */
class EvBufferIoTest {
    final LoopbackNetOps ops = new LoopbackNetOps();

    @Test
    void shouldPassTheConformanceScenariosOverLoopback() throws Exception {
        Checks.writesManySegments(ops);
        Checks.transfersLarge(ops, 8 << 20);
        Checks.readsEofAfterPeerClose(ops);
        Checks.readsIntoLastSegmentFirst(ops);
        Checks.readsWouldBlock(ops);
        Checks.writesReferenceAndFileSegments(ops);
        Checks.writesSplitReferenceHalves(ops);
    }

    @Test
    void shouldPassTheScenariosWithShortReadsAndWrites() throws Exception {
        ops.maxPerCall = 1000;
        Checks.writesManySegments(ops);
        Checks.transfersLarge(ops, 300_000);
        Checks.writesReferenceAndFileSegments(ops);
    }

    @Test
    void shouldWriteFileSegmentsInChunksWhenTheHandleIsNotAChannel() throws Exception {
        ops.opaqueHandles = true;
        Checks.writesReferenceAndFileSegments(ops);
        ops.maxPerCall = 3000;
        Checks.writesReferenceAndFileSegments(ops);
    }

    @Test
    void shouldMakeOneCallPerReadFromAndWriteTo() throws Exception {
        Handle[] pair = ops.socketPair();
        try {
            EvBuffer out = chain("aa", "bb", "cc", "dd");
            assertEquals(8, out.writeTo(pair[0], ops));
            assertEquals(1, ops.writes);
            check(out);
            EvBuffer in = new EvBuffer();
            long r;
            int calls = 0;
            while ((r = in.readFrom(pair[1], ops)) == NetOps.WOULD_BLOCK && calls++ < 1_000_000) {
                Thread.onSpinWait();
            }
            check(in);
            assertEquals(calls + 1, ops.reads);
            assertEquals(in.length(), r);
        } finally {
            ops.close(pair[0]);
            ops.close(pair[1]);
        }
    }

    @Test
    void shouldGiveUnusedSegmentsBackAfterAShortRead() throws Exception {
        Handle[] pair = ops.socketPair();
        try {
            EvBuffer out = new EvBuffer();
            out.add(bytes("short"));
            out.writeTo(pair[0], ops);
            EvBuffer in = new EvBuffer();
            Segment[] warm = {SegmentPool.take(), SegmentPool.take(), SegmentPool.take(), SegmentPool.take()};
            for (Segment s : warm) {
                SegmentPool.recycle(s); // now the thread cache holds 4..64: the read takes 4 without a refill
            }
            int pooled = SegmentPool.localCount();
            long r;
            while ((r = in.readFrom(pair[1], ops, 4 * SegmentPool.SEGMENT_SIZE)) == NetOps.WOULD_BLOCK) {
                Thread.onSpinWait();
            }
            assertEquals(5, r);
            check(in);
            assertEquals(1, segments(in));
            assertEquals(pooled - 1, SegmentPool.localCount(), "three of the four segments went straight back");
            assertEquals("short", Bufs.content(in));
        } finally {
            ops.close(pair[0]);
            ops.close(pair[1]);
        }
    }
}
