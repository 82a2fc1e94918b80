package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The client half of the echo self-test: {@code conns} connections, each streaming {@code bytes} of its own
 * deterministic data ({@link PatternStream}, seeded per connection) in writes of random sizes (1 B to 32 KiB),
 * checking every byte that comes back against the same stream and keeping a CRC32 of both directions.
 *
 * <p>Memory stays bounded: a connection never has more than {@link #WINDOW} bytes sent but not yet echoed, so
 * its output buffer holds at most that much; it is refilled from the read callback (as echoes free the window)
 * and from the write callback (as the output drains). When all bytes are sent the client half-closes; a
 * connection is done when every byte has come back. Runs on the base's loop thread.
 *
 * <p>With a {@link ChainSpec} each client speaks the same filter chain as the server (TLS, zlib, rate limit),
 * working on the chain's top; the half-close then is the end of the stream (zlib trailer, TLS close_notify) written
 * once everything before it has gone down the chain.
 */
public final class EchoLoad {
    /** Most bytes a connection has sent and not yet had back. */
    public static final int WINDOW = 256 << 10;
    /** Largest single write. */
    static final int MAX_WRITE = 32 << 10;

    /**
     * What the self-test saw.
     *
     * @param connections how many connections ran
     * @param bytesPerConnection bytes streamed through each
     * @param matched connections that got every byte back, in order and unchanged
     * @param failures what went wrong on the others (empty when all matched)
     * @param elapsedNanos from the first connect to the last byte checked
     * @param crc32 CRC32 of connection 0's stream (the same for every run with the same size)
     */
    public record Result(int connections, long bytesPerConnection, int matched, List<String> failures,
                         long elapsedNanos, long crc32) {
        /** Whether every connection got every byte back. */
        public boolean ok() {
            return matched == connections && failures.isEmpty();
        }

        /** Bytes echoed in all (each also went out once). */
        public long totalBytes() {
            return connections * bytesPerConnection;
        }

        /** Echoed bytes per second, in MB/s (10^6 bytes). */
        public double megabytesPerSecond() {
            return elapsedNanos == 0 ? 0 : totalBytes() / (elapsedNanos / 1e9) / 1e6;
        }

        @Override
        public String toString() {
            String s = String.format(Locale.ROOT, "%s: %d/%d connection(s) matched, %s echoed in %.3f s = %.1f MB/s"
                            + " (crc32 of stream 0: %08x)", ok() ? "OK" : "FAILED", matched, connections,
                    Sizes.format(totalBytes()), elapsedNanos / 1e9, megabytesPerSecond(), crc32);
            return failures.isEmpty() ? s : s + "\n  " + String.join("\n  ", failures.subList(0,
                    Math.min(10, failures.size())));
        }
    }

    /** One client connection. */
    private final class Conn {
        final int id;
        final Chain chain;
        /** The chain's top. */
        final BufferEvent bev;
        final PatternStream out;
        final PatternStream expect;
        final Random sizes;
        final CRC32 crc = new CRC32();
        long sent;
        long received;
        boolean halfClosed;
        boolean finished;

        Conn(int id, Chain chain) {
            this.id = id;
            this.chain = chain;
            this.bev = chain.top();
            this.out = new PatternStream(id);
            this.expect = new PatternStream(id);
            this.sizes = new Random(0x5EED + id);
        }
    }

    private final long bytes;
    private final Runnable onDone;
    private final List<Conn> conns = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    /** Scratch space, shared: everything runs on the loop thread. */
    private final byte[] writeBuf = new byte[MAX_WRITE];
    private final byte[] readBuf = new byte[64 << 10];
    private final byte[] expectBuf = new byte[64 << 10];
    private final long start;
    private long end;
    private int matched;
    private int remaining;
    private long crc0;

    private EchoLoad(EventBase base, SocketAddress server, int count, long bytes, ChainSpec spec, Runnable onDone) {
        this.bytes = bytes;
        this.onDone = onDone;
        this.remaining = count;
        this.start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            Chain chain = spec.client(SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE));
            Conn c = new Conn(i, chain);
            conns.add(c);
            BufferEvent bev = chain.top();
            bev.setCallbacks(b -> onRead(c), b -> pump(c), (b, reasons, cause) -> onEvent(c, reasons, cause));
            bev.enable(Ev.READ);
            chain.socket().connect(server); // TLS then shakes hands; what is written meanwhile waits
            pump(c); // queued in the output until the connect completes
        }
        if (count == 0) {
            finishAll();
        }
    }

    /**
     * Starts {@code conns} clients against {@code server} on {@code base}; {@code onDone} runs on the loop thread
     * once all have finished (then {@link #result()} is final). Loop thread, or before the loop runs.
     * Connection {@code i} streams {@code new PatternStream(i)}.
     */
    public static EchoLoad start(EventBase base, SocketAddress server, int conns, long bytes, Runnable onDone) {
        if (conns < 0 || bytes < 0) {
            throw new IllegalArgumentException("expected conns >= 0 and bytes >= 0, got " + conns + ", " + bytes);
        }
        return new EchoLoad(base, server, conns, bytes, ChainSpec.PLAIN, onDone);
    }

    /** {@link #start(EventBase, SocketAddress, int, long, Runnable)} with every client speaking {@code chain}. */
    static EchoLoad start(EventBase base, SocketAddress server, int conns, long bytes, ChainSpec chain,
                          Runnable onDone) {
        if (conns < 0 || bytes < 0) {
            throw new IllegalArgumentException("expected conns >= 0 and bytes >= 0, got " + conns + ", " + bytes);
        }
        return new EchoLoad(base, server, conns, bytes, java.util.Objects.requireNonNull(chain, "chain"), onDone);
    }

    /** Fills the output up to the window; half-closes once everything is written. */
    private void pump(Conn c) {
        if (c.finished) {
            return;
        }
        while (c.sent < bytes && c.sent - c.received < WINDOW) {
            long room = Math.min(bytes - c.sent, WINDOW - (c.sent - c.received));
            int n = (int) Math.min(room, 1 + c.sizes.nextInt(MAX_WRITE));
            c.out.fill(writeBuf, 0, n);
            c.bev.write(writeBuf, 0, n);
            c.sent += n;
        }
        if (c.sent == bytes && !c.halfClosed) {
            c.halfClosed = true;
            c.chain.halfClose();
        }
    }

    private void onRead(Conn c) {
        if (c.finished) {
            return;
        }
        EvBuffer in = c.bev.input();
        while (in.length() > 0) {
            int n = in.remove(readBuf, 0, readBuf.length);
            if (c.received + n > bytes) {
                fail(c, "got " + (c.received + n) + " bytes back, more than the " + bytes + " sent");
                return;
            }
            c.expect.fill(expectBuf, 0, n);
            int at = Arrays.mismatch(readBuf, 0, n, expectBuf, 0, n);
            if (at >= 0) {
                fail(c, String.format(Locale.ROOT, "byte %d came back as 0x%02x, expected 0x%02x", c.received + at,
                        readBuf[at] & 0xff, expectBuf[at] & 0xff));
                return;
            }
            c.crc.update(readBuf, 0, n);
            c.received += n;
        }
        if (c.received == bytes) {
            if (c.id == 0) {
                crc0 = c.crc.getValue();
            }
            matched++;
            finish(c);
        } else {
            pump(c);
        }
    }

    private void onEvent(Conn c, int reasons, Throwable cause) {
        if (c.finished || reasons == BevEvent.CONNECTED) {
            return;
        }
        fail(c, BevEvent.toString(reasons) + " after " + c.received + " of " + bytes + " bytes came back"
                + (cause == null ? "" : ": " + cause));
    }

    private void fail(Conn c, String what) {
        failures.add("connection " + c.id + ": " + what);
        finish(c);
    }

    private void finish(Conn c) {
        c.finished = true;
        c.chain.close();
        if (--remaining == 0) {
            finishAll();
        }
    }

    private void finishAll() {
        end = System.nanoTime();
        onDone.run();
    }

    /** Whether every connection has finished. */
    public boolean isDone() {
        return remaining == 0;
    }

    /** Bytes that came back so far, over all connections. */
    public long receivedBytes() {
        long n = 0;
        for (Conn c : conns) {
            n += c.received;
        }
        return n;
    }

    /** What the clients saw (so far, if not {@linkplain #isDone() done}). */
    public Result result() {
        List<String> f = new ArrayList<>(failures);
        if (!isDone()) {
            f.add(remaining + " connection(s) had not finished");
        }
        long e = (isDone() ? end : System.nanoTime()) - start;
        return new Result(conns.size(), bytes, matched, Collections.unmodifiableList(f), e, crc0);
    }
}
