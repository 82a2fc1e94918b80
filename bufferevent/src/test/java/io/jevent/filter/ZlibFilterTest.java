package io.jevent.filter;

import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.FilterResult;
import io.jevent.bufferevent.FlushMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.ZipException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The zlib filters on their own (no loop, no backend), against python3's zlib and gzip modules. */
class ZlibFilterTest {

    /** Compressible but not trivial: words from a small vocabulary with random numbers. */
    static byte[] text(long seed, int n) {
        Random r = new Random(seed);
        String[] words = {"event", "buffer", "loop", "socket", "filter", "zlib", "deflate", "jevent", "libevent"};
        StringBuilder sb = new StringBuilder(n + 32);
        while (sb.length() < n) {
            sb.append(words[r.nextInt(words.length)]).append(' ').append(r.nextInt(1000)).append('\n');
        }
        return Arrays.copyOf(sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII), n);
    }

    static String py(ZlibFormat f) {
        return f.name().toLowerCase(Locale.ROOT);
    }

    /** Feeds {@code in} to {@code filter} in random pieces, then FINISHED; returns the output or throws the failure. */
    static byte[] pump(InflateFilter filter, byte[] in, long seed) throws Throwable {
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Random r = new Random(seed);
        int off = 0;
        while (off < in.length) {
            int n = Math.min(in.length - off, 1 + r.nextInt(5000));
            src.add(in, off, n);
            off += n;
            if (filter.process(src, dst, -1, FlushMode.NORMAL) == FilterResult.ERROR) {
                throw filter.failure();
            }
            drainTo(dst, out);
        }
        if (filter.process(src, dst, -1, FlushMode.FINISHED) == FilterResult.ERROR) {
            throw filter.failure();
        }
        drainTo(dst, out);
        return out.toByteArray();
    }

    static void drainTo(EvBuffer b, ByteArrayOutputStream out) {
        byte[] tmp = new byte[(int) b.length()];
        b.remove(tmp, 0, tmp.length);
        out.write(tmp, 0, tmp.length);
    }

    @ParameterizedTest
    @EnumSource(ZlibFormat.class)
    void shouldInflateStreamsMadeByPython(ZlibFormat format) throws Throwable {
        Peers.assumePython();
        byte[] data = text(1, 1 << 20);
        byte[] compressed = Peers.run(Peers.python("compress", py(format), "9"), data);
        assertTrue(compressed.length < data.length / 2, "python compressed " + compressed.length);
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().format(format));
        byte[] got = pump(f, compressed, 2);
        assertEquals(data.length, got.length);
        assertArrayEquals(data, got);
        assertEquals(compressed.length, f.bytesIn());
        f.close();
    }

    @ParameterizedTest
    @EnumSource(ZlibFormat.class)
    void shouldProduceStreamsPythonInflatesWithSyncFlushesInBetween(ZlibFormat format) {
        Peers.assumePython();
        byte[] data = text(3, 2 << 20);
        DeflateFilter f = new DeflateFilter(ZlibOptions.defaults().format(format).level(6));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Random r = new Random(4);
        int off = 0;
        int flushes = 0;
        while (off < data.length) {
            int n = Math.min(data.length - off, 1 + r.nextInt(40000));
            src.add(data, off, n);
            off += n;
            FlushMode mode = r.nextInt(8) == 0 ? FlushMode.FLUSH : FlushMode.NORMAL;
            long before = dst.length();
            assertEquals(FilterResult.OK, f.process(src, dst, -1, mode));
            assertEquals(0, src.length(), "the deflater takes all its input");
            if (mode == FlushMode.FLUSH) {
                flushes++;
                assertTrue(dst.length() > before, "a sync flush produces output");
                // after a sync flush, everything so far must be decodable by a plain inflater
            }
            drainTo(dst, out);
        }
        assertEquals(FilterResult.OK, f.process(src, dst, -1, FlushMode.FINISHED));
        drainTo(dst, out);
        f.close();
        assertTrue(flushes > 3, "flushes " + flushes);
        byte[] compressed = out.toByteArray();
        assertTrue(compressed.length < data.length / 2, "compressed to " + compressed.length);
        byte[] back = Peers.run(Peers.python("decompress", py(format)), compressed);
        assertEquals(crc(data), crc(back), "python inflated different bytes (" + back.length + " of " + data.length
                + ")");
    }

    @Test
    void shouldMakeSyncFlushedPrefixDecodableWithoutTheRest() throws Throwable {
        DeflateFilter d = new DeflateFilter(ZlibOptions.defaults());
        EvBuffer src = new EvBuffer();
        EvBuffer wire = new EvBuffer();
        src.add("hello, interactive world".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        d.process(src, wire, -1, FlushMode.FLUSH);
        InflateFilter i = new InflateFilter(ZlibOptions.defaults());
        EvBuffer plain = new EvBuffer();
        assertEquals(FilterResult.NEED_MORE, i.process(wire, plain, -1, FlushMode.NORMAL));
        byte[] got = new byte[(int) plain.length()];
        plain.remove(got, 0, got.length);
        assertEquals("hello, interactive world", new String(got, java.nio.charset.StandardCharsets.US_ASCII));
        d.close();
        i.close();
    }

    @Test
    void shouldSyncFlushEachBatchByDefaultAndHoldDataWhenNotInteractive() throws Throwable {
        byte[] msg = "a short interactive message".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (boolean interactive : new boolean[] {true, false}) {
            ZlibOptions o = interactive ? ZlibOptions.defaults() : ZlibOptions.defaults().interactive(false);
            DeflateFilter d = new DeflateFilter(o);
            EvBuffer src = new EvBuffer();
            EvBuffer wire = new EvBuffer();
            src.add(msg);
            d.process(src, wire, -1, FlushMode.NORMAL);
            InflateFilter i = new InflateFilter(ZlibOptions.defaults());
            EvBuffer plain = new EvBuffer();
            i.process(wire, plain, -1, FlushMode.NORMAL);
            assertEquals(interactive ? msg.length : 0, plain.length(),
                    interactive ? "the default sync-flushes each batch" : "interactive(false) holds data back");
            d.close();
            i.close();
        }
    }

    static long crc(byte[] b) {
        java.util.zip.CRC32 c = new java.util.zip.CRC32();
        c.update(b);
        return c.getValue();
    }

    /**
     * A gzip file that inflates to 1 GiB of zeros: 1024 copies of one member holding 1 MiB of zeros (valid gzip,
     * as {@code gunzip} reads concatenated members). Deflate cannot beat about 1032:1, so 1 GiB needs about 1 MiB
     * on the wire; the "1 KiB that inflates to 1 GiB" would need nested compression, which a single
     * inflater never sees. Building it this way costs milliseconds instead of deflating 1 GiB.
     */
    static byte[] gibibyteGzipBomb() {
        byte[] member = deflate(ZlibFormat.GZIP, new byte[1 << 20]);
        byte[] out = new byte[member.length * 1024];
        for (int i = 0; i < 1024; i++) {
            System.arraycopy(member, 0, out, i * member.length, member.length);
        }
        return out;
    }

    @Test
    void shouldRejectGibibyteBombNobodyDrainsAtMaxBufferedNotOutOfMemory() {
        byte[] in = gibibyteGzipBomb();
        assertTrue(in.length < 1_200_000, "bomb size " + in.length);
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP)); // maxBuffered 4 MiB
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(in);
        assertEquals(FilterResult.ERROR, f.process(src, dst, -1, FlushMode.NORMAL)); // and nobody drains dst
        DecompressionLimitException e = assertInstanceOf(DecompressionLimitException.class, f.failure());
        assertEquals(DecompressionLimitException.Limit.BUFFERED, e.limit());
        assertTrue(e.getMessage().contains("maxBuffered " + ZlibOptions.DEFAULT_MAX_BUFFERED)
                && e.getMessage().contains("ZlibOptions.maxBuffered(bytes)"), e.getMessage());
        assertEquals(ZlibOptions.DEFAULT_MAX_BUFFERED, dst.length(), "holds the limit; the byte past it is not kept");
        // the filter stays failed
        assertEquals(FilterResult.ERROR, f.process(src, dst, -1, FlushMode.NORMAL));
        f.close();
    }

    @Test
    void shouldStopAtTheCallersRoomWithoutRejecting() throws Throwable {
        byte[] in = gibibyteGzipBomb();
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(in);
        for (int i = 0; i < 64; i++) { // 64 rounds of the application taking 1 MiB
            assertEquals(FilterResult.OK, f.process(src, dst, 1 << 20, FlushMode.NORMAL));
            assertEquals(1 << 20, dst.length(), "exactly the room given");
            dst.drain(dst.length());
        }
        assertEquals(64L << 20, f.bytesOut());
        f.close();
    }

    @Test
    void shouldRejectGibibyteBombWithRatioLimitWhenConfigured() {
        byte[] in = gibibyteGzipBomb();
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP).maxRatio(200, 64 << 10));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(in);
        assertEquals(FilterResult.ERROR, f.process(src, dst, -1, FlushMode.NORMAL));
        DecompressionLimitException e = assertInstanceOf(DecompressionLimitException.class, f.failure());
        assertEquals(DecompressionLimitException.Limit.RATIO, e.limit());
        assertTrue(e.getMessage().contains("maxRatio 200") && e.getMessage().contains("ZlibOptions.maxRatio("),
                e.getMessage());
        assertTrue(dst.length() < 1 << 20, "inflated only " + dst.length() + " bytes before stopping");
        f.close();
    }

    @Test
    void shouldRejectZlibBombWithRatioLimitWhenConfigured() {
        byte[] in = deflate(ZlibFormat.ZLIB, new byte[4 << 20]);
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().maxRatio(200, 64 << 10));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(in);
        assertEquals(FilterResult.ERROR, f.process(src, dst, -1, FlushMode.NORMAL));
        assertEquals(DecompressionLimitException.Limit.RATIO,
                assertInstanceOf(DecompressionLimitException.class, f.failure()).limit());
        f.close();
    }

    @Test
    void shouldRejectGibibyteBombPastMaxInflatedWhileAppConsumes() {
        byte[] in = gibibyteGzipBomb();
        InflateFilter f = new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP)
                .maxRatio(Long.MAX_VALUE, 0).maxInflated(32 << 20));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        long seen = 0;
        FilterResult r = FilterResult.OK;
        for (int off = 0; off < in.length && r != FilterResult.ERROR; off += 4096) {
            src.add(in, off, Math.min(4096, in.length - off));
            r = f.process(src, dst, 1 << 20, FlushMode.NORMAL); // 1 MiB at a time, as under a read watermark
            seen += dst.drain(dst.length()); // the application consumes as it goes
        }
        assertEquals(FilterResult.ERROR, r);
        DecompressionLimitException e = assertInstanceOf(DecompressionLimitException.class, f.failure());
        assertEquals(DecompressionLimitException.Limit.TOTAL, e.limit());
        assertTrue(e.getMessage().contains("maxInflated 33554432"), e.getMessage());
        assertTrue(seen <= (32 << 20) + (64 << 10), "delivered " + seen);
        f.close();
    }

    @ParameterizedTest
    @EnumSource(ZlibFormat.class)
    void shouldReportCorruptStreamAsError(ZlibFormat format) throws Throwable {
        byte[] good = deflate(format, text(5, 100_000));
        byte[] bad = good.clone();
        for (int i = bad.length / 3; i < bad.length / 3 + 64; i++) {
            bad[i] ^= 0x5a;
        }
        Throwable t = assertThrowsAny(() -> pump(new InflateFilter(ZlibOptions.defaults().format(format)), bad, 6));
        assertTrue(t instanceof DataFormatException || t instanceof ZipException, t.toString());
    }

    @Test
    void shouldReportGzipChecksumMismatch() {
        byte[] good = deflate(ZlibFormat.GZIP, text(7, 10_000));
        byte[] bad = good.clone();
        bad[bad.length - 6] ^= 1; // CRC-32 in the trailer
        Throwable t = assertThrowsAny(() -> pump(new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP)),
                bad, 8));
        assertInstanceOf(ZipException.class, t);
        assertTrue(t.getMessage().contains("CRC-32 mismatch"), t.getMessage());
    }

    @ParameterizedTest
    @EnumSource(ZlibFormat.class)
    void shouldReportTruncatedStreamAtEndOfInput(ZlibFormat format) {
        byte[] good = deflate(format, text(9, 50_000));
        byte[] cut = Arrays.copyOf(good, good.length - 3);
        Throwable t = assertThrowsAny(() -> pump(new InflateFilter(ZlibOptions.defaults().format(format)), cut, 10));
        assertInstanceOf(ZipException.class, t);
        assertTrue(t.getMessage().startsWith("truncated"), t.getMessage());
    }

    @Test
    void shouldInflateConcatenatedGzipMembers() throws Throwable {
        byte[] a = text(11, 5000);
        byte[] b = text(12, 7000);
        byte[] ga = deflate(ZlibFormat.GZIP, a);
        byte[] gb = deflate(ZlibFormat.GZIP, b);
        byte[] both = Arrays.copyOf(ga, ga.length + gb.length);
        System.arraycopy(gb, 0, both, ga.length, gb.length);
        byte[] got = pump(new InflateFilter(ZlibOptions.defaults().format(ZlibFormat.GZIP)), both, 13);
        byte[] want = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, want, a.length, b.length);
        assertArrayEquals(want, got);
    }

    static byte[] deflate(ZlibFormat format, byte[] data) {
        DeflateFilter d = new DeflateFilter(ZlibOptions.defaults().format(format));
        EvBuffer src = new EvBuffer();
        EvBuffer dst = new EvBuffer();
        src.add(data);
        d.process(src, dst, -1, FlushMode.FINISHED);
        d.close();
        byte[] out = new byte[(int) dst.length()];
        dst.remove(out, 0, out.length);
        return out;
    }

    interface Body {
        void run() throws Throwable;
    }

    static Throwable assertThrowsAny(Body b) {
        try {
            b.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected the filter to fail");
    }
}
