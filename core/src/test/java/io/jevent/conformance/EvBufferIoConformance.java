package io.jevent.conformance;

import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link EvBuffer#readFrom} and {@link EvBuffer#writeTo} over a backend's {@link NetOps}, on
 * {@link NetOps#socketPair()}. A backend module runs it as a {@code @Nested} class of its
 * {@code @ConformanceBackend} test. No sleeps: would-block is retried in a busy loop bounded by a deadline.
 *
 * <p>The scenarios live in {@link Checks}, public and backend-free, so that the buffer's own tests can run them
 * over a loopback NetOps too.
 */
public abstract class EvBufferIoConformance extends ConformanceBase {

    @Test
    void shouldWriteManySegmentsWithGatheringWrites() throws IOException {
        Checks.writesManySegments(netOps());
    }

    @Test
    void shouldTransferEightMebibytesWithMatchingChecksum() throws IOException {
        Checks.transfersLarge(netOps(), 8 << 20);
    }

    @Test
    void shouldReadEndOfStreamAfterPeerCloses() throws IOException {
        Checks.readsEofAfterPeerClose(netOps());
    }

    @Test
    void shouldReadIntoTheLastSegmentsFreeSpaceFirst() throws IOException {
        Checks.readsIntoLastSegmentFirst(netOps());
    }

    @Test
    void shouldReturnWouldBlockWhenNothingIsPending() throws IOException {
        Checks.readsWouldBlock(netOps());
    }

    @Test
    void shouldWriteReferenceAndFileSegments() throws IOException {
        Checks.writesReferenceAndFileSegments(netOps());
    }

    @Test
    void shouldWriteEachHalfOfASplitReferenceSegmentOnce() throws IOException {
        Checks.writesSplitReferenceHalves(netOps());
    }

    @Test
    void shouldHoldMemoryProportionalToTheBytesUnderOneByteReads() throws IOException {
        Checks.holdsMemoryProportionalToBytesUnderOneByteReads(netOps());
    }

    /** Seeded random programs ({@link EvBufferProgram}): what the peer reads back is the model's bytes. */
    @Test
    void shouldSendTheModelsBytesInRandomPrograms() throws IOException {
        for (int seed = 0; seed < 150; seed++) {
            java.util.List<EvBufferProgram.Step> program = EvBufferProgram.random(new Random(seed), 40);
            try {
                EvBufferProgram.run(program, netOps(), b -> { });
            } catch (AssertionError e) {
                throw new AssertionError("program of seed " + seed + " " + program + ": " + e.getMessage(), e);
            }
        }
    }

    /** The scenarios, over any NetOps. Each opens and closes its own socket pair. */
    public static final class Checks {
        /** How long one scenario may spin on would-block before failing. */
        static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(60);

        private Checks() {
        }

        public static void writesManySegments(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                EvBuffer out = new EvBuffer();
                StringBuilder expected = new StringBuilder();
                for (int i = 0; i < 40; i++) {
                    String part = "segment-" + i + ";";
                    byte[] a = part.getBytes(StandardCharsets.US_ASCII);
                    out.addReference(ByteBuffer.allocateDirect(a.length).put(a).flip(), null); // one segment each
                    expected.append(part);
                }
                out.addReference(ByteBuffer.wrap("heap-ref;".getBytes(StandardCharsets.US_ASCII)), null);
                expected.append("heap-ref;");
                EvBuffer in = new EvBuffer();
                pump(ops, out, pair[0], in, pair[1], expected.length());
                assertEquals(expected.toString(), drainString(in));
            } finally {
                closeAll(ops, pair);
            }
        }

        public static void transfersLarge(NetOps ops, int size) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                byte[] data = new byte[size];
                new Random(42).nextBytes(data);
                CRC32 sent = new CRC32();
                sent.update(data);
                EvBuffer out = new EvBuffer();
                out.add(data);
                EvBuffer in = new EvBuffer();
                CRC32 got = new CRC32();
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                long received = 0;
                byte[] chunk = new byte[64 << 10];
                while (received < size) {
                    boolean progress = false;
                    if (out.length() > 0 && out.writeTo(pair[0], ops) > 0) {
                        progress = true;
                    }
                    long r = in.readFrom(pair[1], ops);
                    if (r == 0) {
                        fail("end of stream after " + received + " of " + size + " bytes");
                    }
                    if (r > 0) {
                        progress = true;
                        while (in.length() > 0) {
                            int n = in.remove(chunk, 0, chunk.length);
                            got.update(chunk, 0, n);
                            received += n;
                        }
                    }
                    spinOrFail(progress, deadline, received, size);
                }
                assertEquals(size, received);
                assertEquals(0, out.length());
                assertEquals(sent.getValue(), got.getValue(), "checksum of the bytes received");
            } finally {
                closeAll(ops, pair);
            }
        }

        public static void readsEofAfterPeerClose(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            boolean writerClosed = false;
            try {
                EvBuffer out = new EvBuffer();
                out.add("bye".getBytes(StandardCharsets.US_ASCII));
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                while (out.length() > 0) {
                    spinOrFail(out.writeTo(pair[0], ops) > 0, deadline, 3 - out.length(), 3);
                }
                ops.close(pair[0]);
                writerClosed = true;
                EvBuffer in = new EvBuffer();
                long r;
                while ((r = in.readFrom(pair[1], ops)) != 0) {
                    spinOrFail(r > 0, deadline, in.length(), 3);
                }
                assertEquals("bye", drainString(in));
                assertEquals(0, in.readFrom(pair[1], ops), "end of stream again");
                assertEquals(0, in.length());
            } finally {
                if (!writerClosed) {
                    ops.close(pair[0]);
                }
                ops.close(pair[1]);
            }
        }

        public static void readsIntoLastSegmentFirst(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                EvBuffer in = new EvBuffer();
                in.add("abc".getBytes(StandardCharsets.US_ASCII));
                EvBuffer out = new EvBuffer();
                out.add("0123456789".getBytes(StandardCharsets.US_ASCII));
                pump(ops, out, pair[0], in, pair[1], 13);
                assertEquals(13, in.contiguousSpace(), "the bytes read went into the first segment's free space");
                assertEquals("abc0123456789", drainString(in));
            } finally {
                closeAll(ops, pair);
            }
        }

        public static void readsWouldBlock(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                EvBuffer in = new EvBuffer();
                assertEquals(NetOps.WOULD_BLOCK, in.readFrom(pair[1], ops, 100));
                assertEquals(0, in.length());
                assertEquals(0, in.contiguousSpace(), "no segment kept after a read that got nothing");
            } finally {
                closeAll(ops, pair);
            }
        }

        public static void writesReferenceAndFileSegments(NetOps ops) throws IOException {
            Path f = Files.createTempFile("jevent-evbuffer", ".bin");
            Handle[] pair = ops.socketPair();
            try {
                byte[] fileData = new byte[100_000];
                new Random(7).nextBytes(fileData);
                Files.write(f, fileData);
                int[] released = {0};
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    EvBuffer out = new EvBuffer();
                    out.add("head".getBytes(StandardCharsets.US_ASCII));
                    out.addFile(ch, 10, fileData.length - 10, (d, c) -> released[0]++);
                    out.addReference(ByteBuffer.allocateDirect(4).put("tail".getBytes(StandardCharsets.US_ASCII)).flip(),
                            (d, c) -> released[0]++);
                    long total = out.length();
                    EvBuffer in = new EvBuffer();
                    pump(ops, out, pair[0], in, pair[1], total);
                    assertEquals(2, released[0], "file and reference released once written");
                    byte[] got = new byte[(int) total];
                    in.remove(got, 0, got.length);
                    byte[] want = new byte[(int) total];
                    System.arraycopy("head".getBytes(StandardCharsets.US_ASCII), 0, want, 0, 4);
                    System.arraycopy(fileData, 10, want, 4, fileData.length - 10);
                    System.arraycopy("tail".getBytes(StandardCharsets.US_ASCII), 0, want, want.length - 4, 4);
                    assertTrue(java.util.Arrays.equals(want, got), "bytes received differ from head + file + tail");
                }
            } finally {
                closeAll(ops, pair);
                Files.deleteIfExists(f);
            }
        }

        /**
         * Issue 9 item 2: a reference segment cut in two by a partial {@code removeBuffer}, both halves then in one
         * buffer again: each half must go out once, in order (the halves once shared one ByteBuffer cursor, so the
         * gathering write sent the second half twice).
         */
        public static void writesSplitReferenceHalves(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                byte[] data = new byte[100];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) i;
                }
                for (ByteBuffer memory : new ByteBuffer[] {ByteBuffer.wrap(data),
                        ByteBuffer.allocateDirect(data.length).put(data).flip()}) {
                    EvBuffer src = new EvBuffer();
                    src.addReference(memory, null);
                    EvBuffer out = new EvBuffer();
                    assertEquals(50, src.removeBuffer(out, 50));
                    out.addBuffer(src);
                    EvBuffer in = new EvBuffer();
                    pump(ops, out, pair[0], in, pair[1], data.length);
                    byte[] got = new byte[(int) in.length()];
                    in.remove(got, 0, got.length);
                    assertArrayEquals(data, got, "bytes received over " + (memory.isDirect() ? "direct" : "heap")
                            + " memory");
                }
            } finally {
                closeAll(ops, pair);
            }
        }

        /**
         * Issue 9 item 8: a peer sending one byte per write, each read on its own and moved to an output as an echo
         * server does (addBuffer of the whole input): the output's memory must follow its bytes, where it used to take
         * one 16 KiB segment per byte. The input, read into its tail's free space, stays one segment as well.
         */
        public static void holdsMemoryProportionalToBytesUnderOneByteReads(NetOps ops) throws IOException {
            Handle[] pair = ops.socketPair();
            try {
                int n = 2000;
                EvBuffer echo = new EvBuffer(); // each read moved here, as an echo server moves input to output
                EvBuffer kept = new EvBuffer(); // read into, never drained
                EvBuffer peer = new EvBuffer();
                StringBuilder sent = new StringBuilder();
                long deadline = System.nanoTime() + DEADLINE_NANOS;
                for (int i = 0; i < 2 * n; i++) {
                    byte one = (byte) ('a' + i % 26);
                    sent.append((char) one);
                    peer.add(new byte[] {one});
                    while (peer.length() > 0) {
                        spinOrFail(peer.writeTo(pair[0], ops) > 0, deadline, i, 2 * n);
                    }
                    EvBuffer in = i < n ? new EvBuffer() : kept;
                    long r;
                    while ((r = in.readFrom(pair[1], ops)) == NetOps.WOULD_BLOCK) {
                        spinOrFail(false, deadline, i, 2 * n);
                    }
                    assertEquals(1, r, "one byte per read");
                    if (i < n) {
                        echo.addBuffer(in);
                    }
                }
                EvBuffer one = new EvBuffer();
                one.add(new byte[1]);
                long segment = one.memoryHeld();
                assertEquals(n, echo.length());
                assertTrue(echo.memoryHeld() <= 2 * segment, () -> "the echoed output holds " + echo.memoryHeld()
                        + " bytes of memory for " + n + " bytes");
                assertTrue(kept.memoryHeld() <= 2 * segment, () -> "the input read into holds " + kept.memoryHeld()
                        + " bytes of memory for " + n + " bytes");
                assertEquals(sent.substring(0, n), drainString(echo));
                assertEquals(sent.substring(n), drainString(kept));
            } finally {
                closeAll(ops, pair);
            }
        }

        /** Writes all of {@code out} through {@code w} while reading from {@code r} into {@code in}, until {@code in} holds {@code want} bytes. */
        static void pump(NetOps ops, EvBuffer out, Handle w, EvBuffer in, Handle r, long want) throws IOException {
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            while (in.length() < want) {
                boolean progress = out.length() > 0 && out.writeTo(w, ops) > 0;
                long n = in.readFrom(r, ops);
                if (n == 0) {
                    fail("end of stream with " + in.length() + " of " + want + " bytes");
                }
                spinOrFail(progress || n > 0, deadline, in.length(), want);
            }
            assertEquals(0, out.length(), "everything written");
        }

        private static void spinOrFail(boolean progress, long deadline, long done, long want) {
            if (!progress) {
                if (System.nanoTime() - deadline > 0) {
                    fail("no progress before the deadline: " + done + " of " + want + " bytes");
                }
                Thread.onSpinWait();
            }
        }

        static String drainString(EvBuffer b) {
            byte[] a = new byte[(int) b.length()];
            b.remove(a, 0, a.length);
            return new String(a, StandardCharsets.ISO_8859_1);
        }

        private static void closeAll(NetOps ops, Handle[] pair) throws IOException {
            try {
                ops.close(pair[0]);
            } finally {
                ops.close(pair[1]);
            }
        }
    }
}
