package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.SocketBufferEvent;

import java.io.ByteArrayOutputStream;
import java.net.SocketAddress;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * A test client: streams {@code total} bytes of {@link PatternStream} data in writes of random sizes (1 B to
 * 64 KiB), keeping at most {@link #MAX_OUTPUT} bytes in its output (refilled from the write callback), half-closes,
 * and collects whatever comes back until end of stream.
 */
final class StreamClient {
    static final int MAX_OUTPUT = 256 << 10;
    private static final int MAX_WRITE = 64 << 10;

    final SocketBufferEvent bev;
    private final long total;
    private final PatternStream gen;
    private final Random sizes;
    private final byte[] buf = new byte[MAX_WRITE];
    private final Runnable onFinish;
    /** CRC32 of every byte written. */
    final CRC32 sentCrc = new CRC32();
    /** What came back. */
    final ByteArrayOutputStream response = new ByteArrayOutputStream();
    long sent;
    long peakOutput;
    boolean eof;
    Throwable error;
    int errorReasons;
    private boolean halfClosed;
    boolean finished;

    private StreamClient(EventBase base, SocketAddress to, long total, long seed, Runnable onFinish) {
        this.total = total;
        this.gen = new PatternStream(seed);
        this.sizes = new Random(seed);
        this.onFinish = onFinish;
        this.bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        bev.setWatermark(Ev.WRITE, 64 << 10, 0);
        bev.setCallbacks(b -> {
            byte[] got = new byte[(int) b.input().length()];
            b.read(got, 0, got.length);
            response.write(got, 0, got.length);
        }, b -> pump(), (b, reasons, cause) -> {
            if (reasons == BevEvent.CONNECTED) {
                return;
            }
            if ((reasons & BevEvent.EOF) != 0) {
                eof = true;
            } else {
                error = cause;
                errorReasons = reasons;
            }
            finish();
        });
        bev.enable(Ev.READ);
        bev.connect(to);
        pump();
    }

    /** Connects to {@code to} and starts streaming; {@code onFinish} runs on EOF or error. */
    static StreamClient start(EventBase base, SocketAddress to, long total, long seed, Runnable onFinish) {
        return new StreamClient(base, to, total, seed, onFinish);
    }

    private void pump() {
        if (finished) {
            return;
        }
        while (sent < total && bev.output().length() < MAX_OUTPUT) {
            int n = (int) Math.min(total - sent, 1 + sizes.nextInt(MAX_WRITE));
            gen.fill(buf, 0, n);
            sentCrc.update(buf, 0, n);
            bev.write(buf, 0, n);
            sent += n;
        }
        peakOutput = Math.max(peakOutput, bev.output().length());
        if (sent == total && !halfClosed) {
            halfClosed = true;
            bev.shutdownOutput();
        }
    }

    private void finish() {
        if (!finished) {
            finished = true;
            bev.close();
            onFinish.run();
        }
    }

    /** Expected CRC32 of {@code n} bytes of {@code new PatternStream(seed)}. */
    static long expectedCrc(long seed, long n) {
        PatternStream p = new PatternStream(seed);
        CRC32 c = new CRC32();
        byte[] b = new byte[64 << 10];
        for (long left = n; left > 0; ) {
            int k = (int) Math.min(left, b.length);
            p.fill(b, 0, k);
            c.update(b, 0, k);
            left -= k;
        }
        return c.getValue();
    }
}
