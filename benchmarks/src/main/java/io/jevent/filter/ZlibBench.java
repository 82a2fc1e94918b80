package io.jevent.filter;

import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.FilterResult;
import io.jevent.bufferevent.FlushMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.Inflater;
import java.util.zip.InflaterInputStream;

/**
 * zlib throughput: {@link DeflateFilter}/{@link InflateFilter} over EvBuffers against the JDK code a Java user
 * writes, {@code Deflater}/{@code Inflater} over {@code byte[]} and {@code DeflaterOutputStream}/
 * {@code InflaterInputStream}. One op compresses, or inflates back, {@link #MIB} MiB of {@link LogText} in
 * 16 KiB pieces (what one {@code write} or one socket read hands over); zlib format, level 6 (zlib's default)
 * everywhere. MiB/s = {@code MIB / (ms/op / 1000)}, counted in uncompressed bytes for both directions.
 *
 * <ul>
 * <li>{@code flushing = bulk}: {@code NO_FLUSH} per piece, {@code FINISH} at the end
 * ({@code ZlibOptions.interactive(false)}).</li>
 * <li>{@code flushing = sync}: {@code SYNC_FLUSH} after every piece, as the filter does by default
 * ({@code interactive(true)}: every batch is flushed), and as {@code DeflaterOutputStream(out, d, 16384, true)}
 * does with {@code flush()} after each write. Inflation reads the stream compressed that way.</li>
 * </ul>
 *
 * <p>The filter paths include {@code src.add(byte[])} of each piece (a 16 KiB copy into pooled segments, what
 * {@code BufferEvent.write(byte[])} or a socket read costs) and drain their output after each piece, as the
 * underlying BufferEvent's socket write would. Every op checks the byte counts it produced.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
@State(Scope.Thread)
public class ZlibBench {
    /** MiB of text per op. */
    public static final int MIB = 16;
    private static final int PIECE = 16 * 1024;
    private static final int LEVEL = 6;

    /** NO_FLUSH per piece, or SYNC_FLUSH per piece. */
    @Param({"bulk", "sync"})
    public String flushing;

    private byte[] text;
    /** {@link #text} compressed with this {@link #flushing}, the input of the inflate benchmarks. */
    private byte[] compressed;
    private boolean sync;

    private DeflateFilter deflateFilter;
    private InflateFilter inflateFilter;
    private final EvBuffer src = new EvBuffer();
    private final EvBuffer dst = new EvBuffer();

    private Deflater deflater;
    private Inflater inflater;
    private final byte[] out = new byte[64 * 1024];
    private final byte[] piece = new byte[PIECE];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        sync = switch (flushing) {
            case "sync" -> true;
            case "bulk" -> false;
            default -> throw new IllegalArgumentException("expected flushing bulk or sync, got " + flushing);
        };
        text = LogText.make(MIB << 20);
        ZlibOptions opts = ZlibOptions.defaults().level(LEVEL).interactive(sync);
        deflateFilter = new DeflateFilter(opts);
        inflateFilter = new InflateFilter(opts);
        deflater = new Deflater(LEVEL);
        inflater = new Inflater();
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (DeflaterOutputStream dos = new DeflaterOutputStream(bos, new Deflater(LEVEL), PIECE, sync)) {
            for (int off = 0; off < text.length; off += PIECE) {
                dos.write(text, off, Math.min(PIECE, text.length - off));
                if (sync) {
                    dos.flush();
                }
            }
        }
        compressed = bos.toByteArray();
        long viaDeflater = deflater();
        long viaFilter = deflateFilter();
        System.out.printf("%nZlibBench[%s]: %d bytes -> %d (ratio %.2f); Deflater %d, DeflateFilter %d bytes%n",
                flushing, text.length, compressed.length, (double) text.length / compressed.length, viaDeflater,
                viaFilter);
        if (viaDeflater != compressed.length || viaFilter != compressed.length) {
            throw new IllegalStateException("the three deflaters disagree on the size: stream " + compressed.length
                    + ", Deflater " + viaDeflater + ", DeflateFilter " + viaFilter);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        deflateFilter.close();
        inflateFilter.close();
        deflater.end();
        inflater.end();
    }

    // ------------------------------------------------------------------------------------------------ deflate

    /** {@code DeflateFilter.process} per 16 KiB piece, FINISHED at the end. Returns compressed bytes. */
    @Benchmark
    public long deflateFilter() {
        long produced = 0;
        for (int off = 0; off < text.length; off += PIECE) {
            src.add(text, off, Math.min(PIECE, text.length - off));
            check(deflateFilter.process(src, dst, -1, FlushMode.NORMAL), deflateFilter);
            produced += dst.drain(dst.length());
        }
        check(deflateFilter.process(src, dst, -1, FlushMode.FINISHED), deflateFilter);
        produced += dst.drain(dst.length());
        return produced;
    }

    /** {@code Deflater} over {@code byte[]}: setInput per piece, deflate into a 64 KiB array. */
    @Benchmark
    public long deflater() {
        Deflater d = deflater;
        d.reset();
        long produced = 0;
        int mode = sync ? Deflater.SYNC_FLUSH : Deflater.NO_FLUSH;
        for (int off = 0; off < text.length; off += PIECE) {
            d.setInput(text, off, Math.min(PIECE, text.length - off));
            int n;
            do {
                n = d.deflate(out, 0, out.length, mode);
                produced += n;
            } while (!d.needsInput() || n == out.length);
        }
        d.finish();
        while (!d.finished()) {
            produced += d.deflate(out, 0, out.length);
        }
        return produced;
    }

    /** {@code DeflaterOutputStream} (16 KiB buffer) over a counting sink, {@code flush()} per piece when sync. */
    @Benchmark
    public long deflaterStream() throws IOException {
        Counting sink = new Counting();
        deflater.reset();
        DeflaterOutputStream dos = new DeflaterOutputStream(sink, deflater, PIECE, sync);
        for (int off = 0; off < text.length; off += PIECE) {
            dos.write(text, off, Math.min(PIECE, text.length - off));
            if (sync) {
                dos.flush();
            }
        }
        dos.finish();
        return sink.count;
    }

    // ------------------------------------------------------------------------------------------------ inflate

    /** {@code InflateFilter.process} per 16 KiB of compressed input. Returns inflated bytes. */
    @Benchmark
    public long inflateFilter() {
        long produced = 0;
        for (int off = 0; off < compressed.length; off += PIECE) {
            src.add(compressed, off, Math.min(PIECE, compressed.length - off));
            check(inflateFilter.process(src, dst, -1, FlushMode.NORMAL), inflateFilter);
            produced += dst.drain(dst.length());
        }
        return expectText(produced);
    }

    /** {@code Inflater} over {@code byte[]}: setInput per 16 KiB, inflate into a 64 KiB array. */
    @Benchmark
    public long inflater() throws DataFormatException {
        Inflater i = inflater;
        i.reset();
        long produced = 0;
        for (int off = 0; off < compressed.length; off += PIECE) {
            i.setInput(compressed, off, Math.min(PIECE, compressed.length - off));
            int n;
            do {
                n = i.inflate(out, 0, out.length);
                produced += n;
            } while (n > 0 && !i.finished());
        }
        return expectText(produced);
    }

    /** {@code InflaterInputStream} (16 KiB buffer) over the compressed array, read into a 16 KiB array. */
    @Benchmark
    public long inflaterStream() throws IOException {
        inflater.reset();
        InflaterInputStream in = new InflaterInputStream(new ByteArrayInputStream(compressed), inflater, PIECE);
        long produced = 0;
        for (int n; (n = in.read(piece, 0, piece.length)) > 0; ) {
            produced += n;
        }
        return expectText(produced);
    }

    private long expectText(long produced) {
        if (produced != text.length) {
            throw new IllegalStateException("inflated " + produced + " bytes, expected " + text.length);
        }
        return produced;
    }

    private static void check(FilterResult r, io.jevent.bufferevent.Filter f) {
        if (r == FilterResult.ERROR) {
            throw new IllegalStateException("filter failed: " + f.failure(), f.failure());
        }
    }

    /** An OutputStream that counts and drops. */
    private static final class Counting extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
