package io.jevent.examples;

import io.jevent.bufferevent.BufferEvent;

import java.util.Arrays;

/**
 * A test client's half of a checked stream: sends {@code total} bytes of a {@link PatternStream} keeping at most
 * {@value #IN_FLIGHT} bytes in the output, and checks that what comes back is the same stream.
 */
final class PatternTraffic {
    static final int IN_FLIGHT = 256 << 10;

    private final PatternStream out;
    private final PatternStream expect;
    private final long total;
    private final byte[] chunk = new byte[64 << 10];
    private final byte[] got = new byte[64 << 10];
    private final byte[] want = new byte[64 << 10];
    long sent;
    long received;
    boolean mismatch;

    PatternTraffic(long seed, long total) {
        this.out = new PatternStream(seed);
        this.expect = new PatternStream(seed);
        this.total = total;
    }

    /** Tops the output of {@code b} up to {@value #IN_FLIGHT} bytes while there is something left to send. */
    void pump(BufferEvent b) {
        while (sent < total && b.output().length() < IN_FLIGHT) {
            int n = (int) Math.min(chunk.length, total - sent);
            out.fill(chunk, 0, n);
            b.write(chunk, 0, n);
            sent += n;
        }
    }

    /** Reads and checks everything in {@code b}'s input; true once all {@code total} bytes came back. */
    boolean consume(BufferEvent b) {
        while (b.input().length() > 0) {
            int n = b.read(got, 0, got.length);
            expect.fill(want, 0, n);
            mismatch |= Arrays.mismatch(got, 0, n, want, 0, n) >= 0;
            received += n;
        }
        return received == total;
    }
}
