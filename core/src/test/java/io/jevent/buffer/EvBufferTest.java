package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.BufferInvariants.segments;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static io.jevent.buffer.Bufs.content;
import static io.jevent.buffer.Bufs.str;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EvBufferTest {
    static final int SEG = SegmentPool.SEGMENT_SIZE;

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + (i >>> 8));
        }
        return b;
    }

    /** Puts the thread cache between 4 and 32 segments, so the next few takes and returns neither refill nor spill. */
    static void settlePool() {
        Segment[] warm = {SegmentPool.take(), SegmentPool.take(), SegmentPool.take(), SegmentPool.take()};
        for (Segment s : warm) {
            SegmentPool.recycle(s);
        }
        while (SegmentPool.localCount() > 32) {
            SegmentPool.take(); // dropped: left to the GC
        }
    }

    @Test
    void shouldHoldNoSegmentWhenEmpty() {
        EvBuffer b = new EvBuffer();
        assertNull(b.head);
        assertNull(b.state);
        assertEquals(0, b.length());
        assertEquals(0, b.contiguousSpace());
    }

    @Test
    void shouldAddBytesAcrossSegmentBoundaries() {
        EvBuffer b = new EvBuffer();
        byte[] data = pattern(SEG * 2 + 100);
        b.add(data, 0, 10);
        check(b);
        b.add(data, 10, data.length - 10);
        check(b);
        assertEquals(data.length, b.length());
        assertEquals(3, segments(b));
        assertEquals(SEG, b.contiguousSpace());
        byte[] out = new byte[data.length];
        assertEquals(data.length, b.copyOut(out, 0, out.length));
        assertArrayEquals(data, out);
    }

    @Test
    void shouldAddByteBufferAndAdvanceItsPosition() {
        EvBuffer b = new EvBuffer();
        ByteBuffer src = ByteBuffer.wrap(bytes("xxhello"));
        src.position(2);
        b.add(src);
        check(b);
        assertEquals(7, src.position());
        assertEquals("hello", content(b));
    }

    @Test
    void shouldAddStringsAndFormattedText() {
        EvBuffer b = new EvBuffer();
        assertEquals(2, b.add("é", StandardCharsets.UTF_8));
        assertEquals(7, b.addFormatted("%d-%s|", 42, "abc"));
        check(b);
        byte[] all = new byte[(int) b.length()];
        b.remove(all, 0, all.length);
        assertEquals("é42-abc|", new String(all, StandardCharsets.UTF_8));
        check(b);
    }

    @Test
    void shouldReturnDrainedSegmentToThePoolAtOnce() {
        EvBuffer b = new EvBuffer();
        settlePool();
        b.add(pattern(SEG + 1));
        int before = SegmentPool.localCount();
        b.drain(SEG);
        check(b);
        assertEquals(before + 1, SegmentPool.localCount());
        b.drain(1);
        check(b);
        assertEquals(before + 2, SegmentPool.localCount());
        assertNull(b.head);
    }

    @Test
    void shouldDrainEverythingWhenDrainingMoreThanTheLength() {
        EvBuffer b = chain("abc", "def");
        assertEquals(6, b.drain(40));
        check(b);
        assertEquals(0, b.length());
        assertEquals(0, b.drain(1));
    }

    @Test
    void shouldDrainWithinAndAcrossSegments() {
        EvBuffer b = chain("abc", "def", "ghi");
        b.drain(1);
        check(b);
        assertEquals("bcdefghi", content(b));
        b.drain(4);
        check(b);
        assertEquals("fghi", content(b));
        assertEquals(2, segments(b));
    }

    @Test
    void shouldRemoveIntoArrayAndByteBuffer() {
        EvBuffer b = chain("hello ", "world");
        byte[] out = new byte[8];
        assertEquals(8, b.remove(out, 0, 8));
        check(b);
        assertEquals("hello wo", str(out));
        ByteBuffer dst = ByteBuffer.allocate(10);
        assertEquals(3, b.remove(dst));
        check(b);
        assertEquals(3, dst.position());
        assertEquals(0, b.length());
    }

    @Test
    void shouldCopyOutWithoutDraining() {
        EvBuffer b = chain("ab", "cd");
        byte[] out = new byte[10];
        assertEquals(4, b.copyOut(out, 1, 9));
        assertEquals("abcd", str(Arrays.copyOfRange(out, 1, 5)));
        assertEquals(4, b.length());
        ByteBuffer dst = ByteBuffer.allocateDirect(3);
        assertEquals(3, b.copyOut(dst));
        check(b);
    }

    @Test
    void shouldCopyOutFromAPointer() {
        EvBuffer b = chain("abc", "def");
        byte[] out = new byte[10];
        assertEquals(4, b.copyOutFrom(b.pointer(2), out, 0, 10));
        assertEquals("cdef", str(Arrays.copyOf(out, 4)));
        assertEquals(0, b.copyOutFrom(b.pointer(6), out, 0, 10));
    }

    @Test
    void shouldMoveSegmentsWithoutCopyingOnAddBuffer() {
        String a = "a".repeat(SEG); // full segments: compaction never copies them
        String d = "d".repeat(SEG);
        EvBuffer src = chain(a, d);
        Segment first = src.head;
        EvBuffer dst = chain("xy");
        dst.addBuffer(src);
        check(dst);
        check(src);
        assertEquals(0, src.length());
        assertEquals("xy" + a + d, content(dst));
        assertSame(first, dst.head.next);
        assertEquals(3, segments(dst));
    }

    @Test
    void shouldPrependIntoFreeRoomAndNewSegments() {
        EvBuffer b = chain("world");
        b.drain(0);
        b.prepend(bytes("hello "));
        check(b);
        assertEquals("hello world", content(b));
        b.drain(6);
        b.prepend(bytes("HELLO "));  // fits in the room the drain left
        check(b);
        assertEquals("HELLO world", content(b));
        byte[] big = pattern(SEG + 5);
        b.prepend(big);
        check(b);
        byte[] out = new byte[big.length];
        b.copyOut(out, 0, out.length);
        assertArrayEquals(big, out);
        assertEquals(big.length + 11, b.length());
    }

    @Test
    void shouldPrependBuffer() {
        EvBuffer b = chain("def");
        EvBuffer src = chain("ab", "c");
        b.prependBuffer(src);
        check(b);
        check(src);
        assertEquals("abcdef", content(b));
        assertEquals(0, src.length());
    }

    @Test
    void shouldRemoveBufferMovingWholeSegmentsAndCopyingAPart() {
        EvBuffer b = chain("abc", "def", "ghi");
        Segment second = b.head.next;
        EvBuffer dst = new EvBuffer();
        assertEquals(5, b.removeBuffer(dst, 5));
        check(b);
        check(dst);
        assertEquals("abcde", content(dst));
        assertEquals("fghi", content(b));
        assertSame(second, b.head, "the cut segment stays, advanced");
        assertEquals(4, b.removeBuffer(dst, 100));
        check(b);
        check(dst);
        assertEquals("abcdefghi", content(dst));
    }

    @Test
    void shouldShareAReferenceSegmentCutByRemoveBufferAndReleaseOnce() {
        List<ByteBuffer> released = new ArrayList<>();
        EvBuffer b = new EvBuffer();
        ByteBuffer mem = ByteBuffer.wrap(bytes("0123456789"));
        b.addReference(mem, (data, ch) -> released.add(data));
        EvBuffer dst = new EvBuffer();
        b.removeBuffer(dst, 4);
        check(b);
        check(dst);
        assertEquals("0123", content(dst));
        assertEquals("456789", content(b));
        b.drain(6);
        check(b);
        assertTrue(released.isEmpty(), "dst still references the memory");
        dst.drain(4);
        check(dst);
        assertEquals(1, released.size());
        assertSame(mem, released.get(0));
    }

    @Test
    void shouldReleaseReferenceWhenDrainedAndNotBefore() {
        int[] calls = {0};
        EvBuffer b = chain("x");
        ByteBuffer mem = ByteBuffer.allocateDirect(8).put(bytes("refbytes")).flip();
        b.addReference(mem, (data, ch) -> calls[0]++);
        check(b);
        assertEquals(0, mem.position(), "the caller's position is left alone");
        b.drain(5);
        check(b);
        assertEquals(0, calls[0]);
        assertEquals("ytes", content(b));
        b.drain(4);
        check(b);
        assertEquals(1, calls[0]);
    }

    @Test
    void shouldPeekViewsWithoutCopying() {
        EvBuffer b = chain("abc", "defg", "hi");
        ByteBuffer[] out = new ByteBuffer[2];
        assertEquals(2, b.peek(5, null, out));
        assertEquals("abc", str(toBytes(out[0])));
        assertEquals("defg", str(toBytes(out[1])));
        assertEquals(3, b.peek(-1, null, out), "needs three views for everything");
        assertEquals(1, b.peek(3, b.pointer(4), out), "e, f, g lie in one segment");
        assertEquals("efg", str(toBytes(out[0])));
        assertEquals(2, b.peek(4, b.pointer(4), out));
        out[0].put(0, (byte) 'E');
        assertEquals("abcdEfghi", content(b), "views share the buffer's memory");
        assertEquals(3, b.peek().length);
    }

    static byte[] toBytes(ByteBuffer v) {
        byte[] a = new byte[v.remaining()];
        v.duplicate().get(a);
        return a;
    }

    @Test
    void shouldPullUpAcrossSegments() {
        EvBuffer b = chain("ab", "cd", "ef");
        ByteBuffer v = b.pullUp(2);
        assertEquals("ab", str(toBytes(v)));
        assertEquals(3, segments(b), "already contiguous: no copy");
        v = b.pullUp(5);
        check(b);
        assertEquals("abcde", str(toBytes(v)));
        assertEquals(5, b.contiguousSpace());
        assertEquals("abcdef", content(b));
        assertEquals(6, b.pullUp(-1).remaining());
        check(b);
    }

    @Test
    void shouldPullUpMoreThanOneSegment() {
        byte[] data = pattern(SEG * 2 + 7);
        EvBuffer b = new EvBuffer();
        b.add(data);
        ByteBuffer v = b.pullUp(-1);
        check(b);
        assertEquals(1, segments(b));
        assertArrayEquals(data, toBytes(v));
        b.drain(SEG * 2 + 7);
        check(b);
    }

    @Test
    void shouldExpandAheadAndUseTheSpareSegments() {
        EvBuffer b = new EvBuffer();
        b.expand(SEG * 2);
        check(b);
        assertNull(b.head, "expanded space is not part of the chain");
        int pooled = SegmentPool.localCount();
        b.add(pattern(SEG * 2));
        check(b);
        assertEquals(pooled, SegmentPool.localCount(), "no segment taken from the pool");
    }

    @Test
    void shouldReserveIntoTailAndCommitPart() {
        EvBuffer b = chain("abc");
        ByteBuffer v = b.reserve(10);
        assertTrue(v.remaining() >= 10);
        v.put(bytes("defgh"));
        check(b);
        assertEquals(3, b.length(), "reserved bytes do not count before the commit");
        b.commit(5);
        check(b);
        assertEquals("abcdefgh", content(b));
        assertEquals(1, segments(b));
    }

    @Test
    void shouldReserveManyVectorsAndCommitAcrossThem() {
        EvBuffer b = new EvBuffer();
        ByteBuffer[] vecs = new ByteBuffer[4];
        int n = b.reserve(SEG + 10, vecs);
        assertEquals(2, n);
        byte[] data = pattern(SEG + 3);
        vecs[0].put(data, 0, SEG);
        vecs[1].put(data, SEG, 3);
        b.commit(SEG + 3);
        check(b);
        byte[] out = new byte[data.length];
        b.copyOut(out, 0, out.length);
        assertArrayEquals(data, out);
    }

    @Test
    void shouldReserveContiguousSpaceLargerThanASegment() {
        EvBuffer b = new EvBuffer();
        ByteBuffer v = b.reserve(SEG * 3);
        assertTrue(v.remaining() >= SEG * 3);
        v.put(pattern(SEG * 3));
        b.commit(SEG * 3);
        check(b);
        assertEquals(1, segments(b));
    }

    @Test
    void shouldKeepReservedTailWhenADrainEmptiesIt() {
        EvBuffer b = chain("abc");
        ByteBuffer v = b.reserve(4);
        b.drain(3);
        check(b);
        assertNull(b.head);
        v.put(bytes("wxyz"));
        b.commit(4);
        check(b);
        assertEquals("wxyz", content(b));
    }

    @Test
    void shouldCommitIntoTheCallersOwnBufferByReference() {
        EvBuffer b = chain("a");
        ByteBuffer own = ByteBuffer.allocate(16);
        int[] released = {0};
        b.reserve(own, (data, ch) -> released[0]++);
        own.put(bytes("bcd"));
        b.commit(3);
        check(b);
        assertEquals("abcd", content(b));
        b.drain(4);
        assertEquals(1, released[0]);
    }

    @Test
    void shouldGiveBackUnusedReservedSegments() {
        EvBuffer b = new EvBuffer();
        settlePool();
        int pooled = SegmentPool.localCount();
        b.reserve(100);
        b.commit(0);
        check(b);
        assertNull(b.head);
        assertEquals(pooled, SegmentPool.localCount());
    }

    @Test
    void shouldReportAddedAndDeletedBytesToCallbacks() {
        EvBuffer b = new EvBuffer();
        List<String> seen = new ArrayList<>();
        CallbackEntry e = b.addCallback((buf, orig, added, deleted) -> seen.add(orig + "+" + added + "-" + deleted));
        b.add(bytes("hello"));
        b.drain(2);
        EvBuffer other = chain("xy");
        b.addBuffer(other);
        e.setEnabled(false);
        b.drain(1);
        e.setEnabled(true);
        b.drain(0);
        e.remove();
        b.add(bytes("z"));
        assertEquals(List.of("0+5-0", "5+0-2", "3+2-0"), seen);
    }

    @Test
    void shouldSumDeferredCallbacksUntilTheExecutorRunsThem() {
        EvBuffer b = new EvBuffer();
        List<Runnable> queued = new ArrayList<>();
        Executor loop = queued::add;
        List<String> seen = new ArrayList<>();
        b.addCallback((buf, orig, added, deleted) -> seen.add(orig + "+" + added + "-" + deleted));
        b.deferCallbacks(loop);
        b.add(bytes("hello"));
        b.drain(1);
        b.add(bytes("!"));
        assertTrue(seen.isEmpty());
        assertEquals(1, queued.size(), "one task per burst");
        queued.remove(0).run();
        assertEquals(List.of("0+6-1"), seen);
        b.drain(2);
        assertEquals(1, queued.size());
        queued.remove(0).run();
        assertEquals(List.of("0+6-1", "5+0-2"), seen);
    }

    @Test
    void shouldFreezeStartButStillAllowAddingAtTheEnd() {
        EvBuffer b = chain("abc");
        b.freeze(EvBuffer.Side.START);
        b.add(bytes("d"));
        assertTrue(b.isFrozen(EvBuffer.Side.START));
        assertFalse(b.isFrozen(EvBuffer.Side.END));
        b.unfreeze(EvBuffer.Side.START);
        b.drain(1);
        assertEquals("bcd", content(b));
    }

    @Test
    void shouldMovePointerWithSetAndAdd() {
        EvBuffer b = chain("abc", "def");
        BufferPtr p = b.pointer(0);
        p.add(4);
        assertEquals(4, p.position());
        p.set(6);
        assertEquals(6, p.position());
        p.add(-6);
        assertEquals(0, p.position());
        b.add(bytes("g"));
        p.add(7);
        assertEquals(7, p.position(), "adding at the end keeps pointers valid");
    }

    @Test
    void shouldReadFileRegionWhenInspected() throws Exception {
        withFile("0123456789line\nrest", ch -> {
            EvBuffer b = chain("head:");
            int[] released = {0};
            b.addFile(ch, 2, 13, (d, c) -> released[0]++);
            check(b);
            assertEquals(18, b.length());
            assertEquals("head:23456789line", b.readLine(Eol.LF, StandardCharsets.US_ASCII));
            check(b);
            assertEquals(1, released[0], "the file region was read and released");
            assertEquals(0, b.length());
        });
    }

    /**
     * A region of a channel that cannot be read (opened for writing only) is refused where it is added: sent later
     * it stalled the output for ever on NIO and io_uring (the send threw NonReadableChannelException into the loop's
     * error handler and no event came) and failed as a misleading ClosedChannelException on the posix backends. A
     * region whose end overflows a long is refused too.
     */
    @Test
    void shouldRefuseFileRegionThatCannotBeRead() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("jevent-addfile", ".bin");
        try (java.nio.channels.FileChannel w = java.nio.channels.FileChannel.open(f,
                java.nio.file.StandardOpenOption.WRITE);
                java.nio.channels.FileChannel r = java.nio.channels.FileChannel.open(f,
                        java.nio.file.StandardOpenOption.READ)) {
            w.write(ByteBuffer.wrap(bytes("0123456789")));
            EvBuffer b = chain("head");
            int[] released = {0};
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> b.addFile(w, 0, 10, (d, c) -> released[0]++));
            assertTrue(e.getMessage().contains("READ"), e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> b.addFile(r, Long.MAX_VALUE - 5, 10, (d, c) -> released[0]++));
            assertTrue(e.getMessage().contains("overflows"), e.getMessage());
            assertEquals("head", content(b), "the buffer is unchanged");
            assertEquals(0, released[0], "a refused region is the caller's: no cleanup");
            check(b);
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void shouldReadOnlyThePeekedPartOfALargeFileRegion() throws Exception {
        byte[] big = new byte[1024 * 1024];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        withFile(new String(big, StandardCharsets.ISO_8859_1), ch -> {
            EvBuffer b = new EvBuffer();
            int[] released = {0};
            b.addFile(ch, 0, big.length, (d, c) -> released[0]++);
            ByteBuffer[] views = new ByteBuffer[4];
            int n = b.peek(100, b.pointer(1000), views);
            check(b);
            assertEquals(1, n, "100 bytes inside the file: one view");
            for (int i = 0; i < 100; i++) {
                assertEquals(big[1000 + i], views[0].get(views[0].position() + i), "byte " + (1000 + i));
            }
            assertTrue(b.memoryHeld() <= 64 * 1024, "a 100-byte peek read " + b.memoryHeld() + " bytes of the file");
            assertEquals(big.length, b.length());
            byte[] all = new byte[big.length];
            assertEquals(big.length, b.remove(all, 0, all.length));
            assertArrayEquals(big, all, "file parts before, inside and after the peek, in order");
            assertEquals(1, released[0], "the region's parts share one release");
        });
    }

    @Test
    void shouldReadHeaderLinesInFrontOfFileWithoutReadingTheFile() throws Exception {
        withFile("\nthe file body, never read by readLine", ch -> {
            EvBuffer b = chain("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
            int[] released = {0};
            long fileLen = ch.size();
            b.addFile(ch, 0, fileLen, (d, c) -> released[0]++);
            check(b);
            assertEquals("HTTP/1.1 200 OK", b.readLine(Eol.CRLF, StandardCharsets.US_ASCII));
            assertEquals("Content-Type: text/plain", b.readLine(Eol.CRLF, StandardCharsets.US_ASCII));
            assertEquals("", b.readLine(Eol.CRLF, StandardCharsets.US_ASCII));
            check(b);
            assertEquals(0, released[0], "the file segment is still a file segment: nothing was read from it");
            assertEquals(fileLen, b.length());
        });
    }

    @Test
    void shouldFindCrlfWhoseLfIsInTheFilePart() throws Exception {
        withFile("\nrest", ch -> {
            EvBuffer b = chain("line\r");
            b.addFile(ch, 0, ch.size(), (d, c) -> { });
            ReadLine l = b.readLine(Eol.CRLF);
            assertEquals("line", l.toString(StandardCharsets.US_ASCII));
            assertEquals(2, l.eolLength(), "CR in memory, LF in the file: one CRLF terminator");
            check(b);
            assertEquals(4, b.length());
        });
    }

    /** What a test does with a file channel. */
    interface FileTest {
        void run(java.nio.channels.FileChannel ch) throws Exception;
    }

    /** Runs {@code test} on a read-only channel over a temporary file holding {@code content}, then deletes it. */
    private static void withFile(String content, FileTest test) throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("evbuffer", ".bin");
        try {
            java.nio.file.Files.write(f, bytes(content));
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
                test.run(ch);
            }
        } finally {
            java.nio.file.Files.delete(f);
        }
    }
}
