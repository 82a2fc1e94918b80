package io.jevent.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Finding a multipart boundary in 64 KiB of body: {@link #SEGMENTS} full 16 KiB segments of random lower-case text
 * (so the pattern's first byte, {@code '-'}, never matches by chance) with the 40-byte pattern
 * {@code "\r\n--" + boundary} starting 20 bytes before the end of the third segment: the only match straddles the
 * boundary between segments 3 and 4. One op is one search from the front; the buffer is not changed.
 *
 * <ul>
 *   <li>{@link #evBuffer}: {@code search(pattern, null)}, which returns a new {@code BufferPtr}.</li>
 *   <li>{@link #byteArrayNaive} (the baseline): the same bytes in one {@code byte[]}, the textbook double loop.</li>
 *   <li>{@link #nettyIndexOfDirect}: {@code ByteBufUtil.indexOf(needle, haystack)} on one pooled direct ByteBuf.</li>
 *   <li>{@link #nettyIndexOfComposite}: the same on a CompositeByteBuf of four 16 KiB direct components, the layout
 *       EvBuffer has.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class SearchBench {
    /** EvBuffer's default segment size (jevent.buffer.segmentSize). */
    static final int SEGMENT = 16384;
    /** Segments in the buffer searched. */
    static final int SEGMENTS = 4;
    static final int TOTAL = SEGMENT * SEGMENTS;
    /** Where the match starts: 20 bytes before the end of the third segment. */
    static final int MATCH_AT = 3 * SEGMENT - 20;

    private byte[] pattern;
    private byte[] bytes;
    private EvBuffer ev;
    private ByteBuf needle;
    private ByteBuf direct;
    private CompositeByteBuf composite;

    @Setup
    public void setUp() {
        pattern = "\r\n--------------------------9051914041544843365972754266".substring(0, 40)
                .getBytes(StandardCharsets.US_ASCII);
        bytes = new byte[TOTAL];
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = 0; i < TOTAL; i++) {
            bytes[i] = (byte) ('a' + rnd.nextInt(26));
        }
        System.arraycopy(pattern, 0, bytes, MATCH_AT, pattern.length);

        ev = new EvBuffer();
        ev.add(bytes, 0, TOTAL);
        int views = ev.peek(-1, null, new ByteBuffer[0]);
        if (views != SEGMENTS || ev.contiguousSpace() != SEGMENT) {
            throw new IllegalStateException("expected " + SEGMENTS + " segments of " + SEGMENT + " bytes (is "
                    + "jevent.buffer.segmentSize set?), got " + views + " starting with " + ev.contiguousSpace());
        }

        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        needle = Unpooled.wrappedBuffer(pattern);
        direct = alloc.directBuffer(TOTAL, TOTAL).writeBytes(bytes);
        composite = alloc.compositeDirectBuffer(SEGMENTS);
        for (int i = 0; i < SEGMENTS; i++) {
            composite.addComponent(true, alloc.directBuffer(SEGMENT, SEGMENT).writeBytes(bytes, i * SEGMENT, SEGMENT));
        }

        long[] found = {evBuffer(), byteArrayNaive(), nettyIndexOfDirect(), nettyIndexOfComposite()};
        for (long f : found) {
            if (f != MATCH_AT) {
                throw new IllegalStateException("expected every variant to find the match at " + MATCH_AT + ", got "
                        + java.util.Arrays.toString(found));
            }
        }
    }

    @TearDown
    public void tearDown() {
        ev.drain(ev.length());
        direct.release();
        composite.release();
    }

    @Benchmark
    public long evBuffer() {
        return ev.search(pattern, null).position();
    }

    @Benchmark
    public long byteArrayNaive() {
        byte[] h = bytes;
        byte[] p = pattern;
        outer:
        for (int i = 0, last = h.length - p.length; i <= last; i++) {
            for (int j = 0; j < p.length; j++) {
                if (h[i + j] != p[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Benchmark
    public long nettyIndexOfDirect() {
        return ByteBufUtil.indexOf(needle, direct);
    }

    @Benchmark
    public long nettyIndexOfComposite() {
        return ByteBufUtil.indexOf(needle, composite);
    }
}
