package io.jevent.buffer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ByteProcessor;
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

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Splitting an HTTP request head into lines, CRLF-terminated, as it arrives in {@link #CHUNKS} reads: one op appends
 * the chunks (the request line and 20 header lines, {@value #HEAD_BYTES_APPROX} bytes or so, cut at fixed places,
 * one cut between a CR and its LF) and takes lines until the empty line that ends the head.
 *
 * <ul>
 *   <li>{@link #evBuffer}: each chunk appended with {@code addReference} (from direct buffers made once), so the
 *       head spans {@link #CHUNKS} segments whatever the buffer's compaction does with small moved chunks
 *       ({@code addBuffer} now copies a chunk into the tail's free space, as reads fill it); then
 *       {@code readLine(Eol.CRLF)} until the empty line. Every line is a new {@code ReadLine} holding a new
 *       {@code byte[]} (its contract).</li>
 *   <li>{@link #byteArrayScan} (the baseline): chunks copied into a reused {@code byte[]}, a hand-written loop
 *       finding {@code \r\n}, each line copied out with {@code Arrays.copyOfRange}: the same output as EvBuffer's.</li>
 *   <li>{@link #nettyCumulation}: chunks written into one pooled direct ByteBuf (what Netty's
 *       {@code ByteToMessageDecoder} cumulator does), {@code forEachByte(FIND_CRLF)} then {@code readSlice}: a
 *       line is a view, not a copy.</li>
 *   <li>{@link #nettyComposite}: chunks as pooled direct ByteBufs in a CompositeByteBuf (no cumulation copy),
 *       then the same scan; the composite is emptied with {@code discardReadComponents}.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Thread)
public class ReadLineBench {
    /** Reads the head arrives in. */
    static final int CHUNKS = 4;
    /** For the Javadoc only; the real size is checked in setUp. */
    static final int HEAD_BYTES_APPROX = 700;

    static final String HEAD = "GET /api/v1/items?id=12345&format=json HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n"
            + "Accept: application/json, text/plain, */*\r\n"
            + "Accept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Referer: https://www.example.com/items\r\n"
            + "Connection: keep-alive\r\n"
            + "Cookie: session=0123456789abcdef; theme=dark\r\n"
            + "Sec-Fetch-Dest: empty\r\n"
            + "Sec-Fetch-Mode: cors\r\n"
            + "Sec-Fetch-Site: same-origin\r\n"
            + "Pragma: no-cache\r\n"
            + "Cache-Control: no-cache\r\n"
            + "X-Request-Id: 7f3c2a1e-9b4d-4e5f-8a6b-1c2d3e4f5a6b\r\n"
            + "X-Forwarded-For: 203.0.113.7, 198.51.100.23\r\n"
            + "X-Forwarded-Proto: https\r\n"
            + "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abc\r\n"
            + "If-None-Match: \"33a64df551425fcc55e4d42a148795d9f25f89d4\"\r\n"
            + "DNT: 1\r\n"
            + "TE: trailers\r\n"
            + "\r\n";
    /** Lines per head, the empty one included. */
    static final int LINES = 22;

    private byte[][] chunks;
    private int headLength;

    private EvBuffer ev;
    /** The chunks in direct memory, appended by reference. */
    private java.nio.ByteBuffer[] directChunks;
    private byte[] acc;
    private PooledByteBufAllocator alloc;
    private ByteBuf cumulation;
    private CompositeByteBuf composite;

    @Setup
    public void setUp(Blackhole bh) {
        byte[] head = HEAD.getBytes(StandardCharsets.US_ASCII);
        headLength = head.length;
        int crlfCut = HEAD.indexOf("\r\nAccept-Encoding") + 1; // between CR and LF
        int[] cuts = {0, 173, crlfCut, 2 * head.length / 3, head.length};
        if (!(cuts[1] < cuts[2] && cuts[2] < cuts[3])) {
            throw new IllegalStateException("cuts out of order: " + Arrays.toString(cuts));
        }
        chunks = new byte[CHUNKS][];
        for (int i = 0; i < CHUNKS; i++) {
            chunks[i] = Arrays.copyOfRange(head, cuts[i], cuts[i + 1]);
        }
        directChunks = new java.nio.ByteBuffer[CHUNKS];
        for (int i = 0; i < CHUNKS; i++) {
            directChunks[i] = java.nio.ByteBuffer.allocateDirect(chunks[i].length).put(chunks[i]).flip();
        }
        ev = new EvBuffer();
        acc = new byte[head.length];
        alloc = PooledByteBufAllocator.DEFAULT;
        cumulation = alloc.directBuffer(1024);
        composite = alloc.compositeDirectBuffer(CHUNKS);

        // the layout and the results are what the Javadoc says
        fillEv();
        int views = ev.peek(-1, null, new java.nio.ByteBuffer[0]);
        if (views != CHUNKS) {
            throw new IllegalStateException("expected the head over " + CHUNKS + " segments, got " + views);
        }
        ev.drain(ev.length());
        int[] counts = {evBuffer(bh), byteArrayScan(bh), nettyCumulation(bh), nettyComposite(bh)};
        for (int c : counts) {
            if (c != LINES) {
                throw new IllegalStateException("expected " + LINES + " lines per head, got " + Arrays.toString(counts));
            }
        }
    }

    @TearDown
    public void tearDown() {
        cumulation.release();
        composite.release();
    }

    private void fillEv() {
        for (java.nio.ByteBuffer c : directChunks) {
            ev.addReference(c, null); // position untouched: reusable
        }
    }

    @Benchmark
    public int evBuffer(Blackhole bh) {
        fillEv();
        int n = 0;
        ReadLine line;
        do {
            line = ev.readLine(Eol.CRLF);
            bh.consume(line);
            n++;
        } while (line != null && line.length() > 0);
        return n;
    }

    @Benchmark
    public int byteArrayScan(Blackhole bh) {
        int len = 0;
        for (byte[] c : chunks) {
            System.arraycopy(c, 0, acc, len, c.length);
            len += c.length;
        }
        int n = 0;
        int start = 0;
        while (true) {
            int eol = -1;
            for (int i = start; i < len - 1; i++) {
                if (acc[i] == '\r' && acc[i + 1] == '\n') {
                    eol = i;
                    break;
                }
            }
            if (eol < 0) {
                break;
            }
            byte[] line = Arrays.copyOfRange(acc, start, eol);
            bh.consume(line);
            n++;
            start = eol + 2;
            if (line.length == 0) {
                break;
            }
        }
        return n;
    }

    @Benchmark
    public int nettyCumulation(Blackhole bh) {
        for (byte[] c : chunks) {
            cumulation.writeBytes(c);
        }
        int n = scanLines(cumulation, bh);
        cumulation.discardReadBytes();
        return n;
    }

    @Benchmark
    public int nettyComposite(Blackhole bh) {
        for (byte[] c : chunks) {
            ByteBuf b = alloc.directBuffer(c.length, c.length);
            b.writeBytes(c);
            composite.addComponent(true, b);
        }
        int n = scanLines(composite, bh);
        composite.discardReadComponents();
        return n;
    }

    /** Lines up to and including the empty one, as LineBasedFrameDecoder finds them (CR LF only here). */
    private static int scanLines(ByteBuf buf, Blackhole bh) {
        int n = 0;
        while (true) {
            int from = buf.readerIndex();
            int i = buf.forEachByte(from, buf.writerIndex() - from, ByteProcessor.FIND_CRLF);
            if (i < 0) {
                return n;
            }
            if (buf.getByte(i) == '\r') {
                if (i + 1 >= buf.writerIndex()) {
                    return n; // CR at the end: wait for more
                }
                if (buf.getByte(i + 1) != '\n') {
                    throw new IllegalStateException("bare CR at " + i);
                }
            }
            int eolLen = buf.getByte(i) == '\r' ? 2 : 1;
            ByteBuf line = buf.readSlice(i - from);
            buf.skipBytes(eolLen);
            bh.consume(line);
            n++;
            if (line.readableBytes() == 0) {
                return n;
            }
        }
    }
}
