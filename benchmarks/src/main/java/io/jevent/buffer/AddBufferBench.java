package io.jevent.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Handing a buffer's whole content to another buffer, as a filter or a proxy does: one op moves {@link #segments}
 * × 16 KiB from buffer A to buffer B and back again (two moves), so the state after an op is the state before.
 *
 * <ul>
 *   <li>{@link #evBuffer}: {@code b.addBuffer(a); a.addBuffer(b)}: relinks segments, copies no byte. O(segments)
 *       all the same: appending a chain walks it to find its tail ({@code SegmentChain.appendChain}).</li>
 *   <li>{@link #baosCopy} (the baseline): {@code a.writeTo(b); a.reset()} and back: every byte copied twice.</li>
 *   <li>{@link #nettyComposite}: every component of composite A added to composite B
 *       ({@code addComponent(true, a.internalComponent(i).retain())}) then {@code a.removeComponents(0, n)}, which
 *       releases A's reference, and {@code a.clear()}; and back: no byte copied either.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class AddBufferBench {
    /** EvBuffer's default segment size (jevent.buffer.segmentSize). */
    static final int SEGMENT = 16384;

    /** 16 KiB segments moved per move: 64 KiB and 1 MiB. */
    @Param({"4", "64"})
    public int segments;

    private EvBuffer evA;
    private EvBuffer evB;
    private ByteArrayOutputStream baosA;
    private ByteArrayOutputStream baosB;
    private CompositeByteBuf compA;
    private CompositeByteBuf compB;

    @Setup
    public void setUp() {
        int total = segments * SEGMENT;
        byte[] bytes = new byte[total];
        java.util.Arrays.fill(bytes, (byte) 'y');
        evA = new EvBuffer();
        evB = new EvBuffer();
        evA.add(bytes, 0, total);
        int views = evA.peek(-1, null, new ByteBuffer[0]);
        if (views != segments) {
            throw new IllegalStateException("expected " + segments + " segments, got " + views);
        }
        baosA = new ByteArrayOutputStream(total);
        baosB = new ByteArrayOutputStream(total);
        baosA.write(bytes, 0, total);
        PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
        compA = alloc.compositeDirectBuffer(segments);
        compB = alloc.compositeDirectBuffer(segments);
        for (int i = 0; i < segments; i++) {
            compA.addComponent(true, alloc.directBuffer(SEGMENT, SEGMENT).writeBytes(bytes, i * SEGMENT, SEGMENT));
        }
    }

    @TearDown
    public void tearDown() {
        long want = (long) segments * SEGMENT;
        if (evA.length() != want || evB.length() != 0 || baosA.size() != want || compA.readableBytes() != want
                || compB.readableBytes() != 0) {
            throw new IllegalStateException("an op did not leave A full and B empty");
        }
        evA.drain(want);
        compA.release();
        compB.release();
    }

    @Benchmark
    public long evBuffer() {
        evB.addBuffer(evA);
        evA.addBuffer(evB);
        return evA.length();
    }

    @Benchmark
    public int baosCopy() throws IOException {
        baosA.writeTo(baosB);
        baosA.reset();
        baosB.writeTo(baosA);
        baosB.reset();
        return baosA.size();
    }

    @Benchmark
    public int nettyComposite() {
        move(compA, compB);
        move(compB, compA);
        return compA.readableBytes();
    }

    private static void move(CompositeByteBuf from, CompositeByteBuf to) {
        int n = from.numComponents();
        for (int i = 0; i < n; i++) {
            ByteBuf c = from.internalComponent(i);
            to.addComponent(true, c.retain());
        }
        from.removeComponents(0, n); // releases from's reference to each
        from.clear();
    }
}
