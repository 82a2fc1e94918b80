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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A byte queue used as a FIFO: one op appends {@link #PIECES} pieces of 1 KiB (16 KiB, one EvBuffer segment at the
 * default size), then consumes all of them from the front. The queue is empty between ops, as a connection's output
 * buffer is after a flush.
 *
 * <ul>
 *   <li>{@link #evBufferAddDrain}: {@code add} ×16, {@code drain(16 KiB)}: bytes copied once (in), the segment goes
 *       back to the thread's pool cache.</li>
 *   <li>{@link #evBufferAddRemove}: the same, consumed with {@code remove(byte[])} into a reused array: bytes copied
 *       in and out, like the copying baselines.</li>
 *   <li>{@link #baosCopyOut} (the baseline): {@code ByteArrayOutputStream.write} ×16, then {@code toByteArray()}
 *       and {@code reset()}: the only way to take bytes out of it, a new array per op.</li>
 *   <li>{@link #heapByteBufferCompact}: a heap ByteBuffer that doubles when full; {@code put} ×16, {@code flip},
 *       {@code get} into a reused array, {@code compact}.</li>
 *   <li>{@link #nettyPooledByteBuf}: one long-lived pooled direct ByteBuf; {@code writeBytes} ×16,
 *       {@code readBytes} into a reused array, {@code discardReadBytes}.</li>
 *   <li>{@link #nettyComposite}: per piece a pooled direct 1 KiB ByteBuf added to a CompositeByteBuf (the
 *       segment-chain equivalent), then {@code skipBytes(16 KiB)} and {@code discardReadComponents}, which
 *       releases them.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class AddDrainBench {
    /** Bytes per piece. */
    static final int PIECE = 1024;
    /** Pieces per op. */
    static final int PIECES = 16;
    /** Bytes per op. */
    static final int TOTAL = PIECE * PIECES;

    private final byte[] piece = new byte[PIECE];
    private final byte[] sink = new byte[TOTAL];

    private EvBuffer ev;
    private ByteArrayOutputStream baos;
    private ByteBuffer heap;
    private ByteBuf pooled;
    private CompositeByteBuf composite;
    private PooledByteBufAllocator alloc;

    @Setup
    public void setUp() {
        Arrays.fill(piece, (byte) 'x');
        ev = new EvBuffer();
        baos = new ByteArrayOutputStream();
        heap = ByteBuffer.allocate(256);
        alloc = PooledByteBufAllocator.DEFAULT;
        pooled = alloc.directBuffer(256);
        composite = alloc.compositeDirectBuffer(PIECES);
    }

    @TearDown
    public void tearDown() {
        pooled.release();
        composite.release();
        if (ev.length() != 0) {
            throw new IllegalStateException("EvBuffer not empty after an op: " + ev);
        }
    }

    @Benchmark
    public long evBufferAddDrain() {
        for (int i = 0; i < PIECES; i++) {
            ev.add(piece, 0, PIECE);
        }
        return ev.drain(TOTAL);
    }

    @Benchmark
    public int evBufferAddRemove() {
        for (int i = 0; i < PIECES; i++) {
            ev.add(piece, 0, PIECE);
        }
        return ev.remove(sink, 0, TOTAL);
    }

    @Benchmark
    public byte[] baosCopyOut() {
        for (int i = 0; i < PIECES; i++) {
            baos.write(piece, 0, PIECE);
        }
        byte[] out = baos.toByteArray();
        baos.reset();
        return out;
    }

    @Benchmark
    public int heapByteBufferCompact() {
        for (int i = 0; i < PIECES; i++) {
            if (heap.remaining() < PIECE) {
                heap = grow(heap, PIECE);
            }
            heap.put(piece, 0, PIECE);
        }
        heap.flip();
        int n = heap.remaining();
        heap.get(sink, 0, n);
        heap.compact();
        return n;
    }

    private static ByteBuffer grow(ByteBuffer b, int need) {
        int cap = Math.max(b.capacity() * 2, b.position() + need);
        ByteBuffer bigger = ByteBuffer.allocate(cap);
        b.flip();
        bigger.put(b);
        return bigger;
    }

    @Benchmark
    public int nettyPooledByteBuf() {
        for (int i = 0; i < PIECES; i++) {
            pooled.writeBytes(piece, 0, PIECE);
        }
        int n = pooled.readableBytes();
        pooled.readBytes(sink, 0, n);
        pooled.discardReadBytes();
        return n;
    }

    @Benchmark
    public void nettyComposite(Blackhole bh) {
        for (int i = 0; i < PIECES; i++) {
            ByteBuf b = alloc.directBuffer(PIECE, PIECE);
            b.writeBytes(piece, 0, PIECE);
            composite.addComponent(true, b);
        }
        composite.skipBytes(composite.readableBytes());
        composite.discardReadComponents();
        bh.consume(composite);
    }
}
