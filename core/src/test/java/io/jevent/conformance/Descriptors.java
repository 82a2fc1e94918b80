package io.jevent.conformance;

import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.fail;

/** Helpers for tests about descriptor numbers: reuse of a closed handle's number, reading a peer without a base. */
public final class Descriptors {
    private Descriptors() {
    }

    /**
     * Orders a pair opened just after {@code dead} was closed so that its first end is the one with {@code dead}'s
     * number: Linux hands out the lowest free descriptor, so on the native backends the new pair reuses it, and
     * this asserts it (or the test would prove nothing). NIO shows no numbers; the pair is returned as is.
     *
     * @return {@code {the end that has the number, its peer}}
     */
    public static Handle[] reusingNumberOf(Handle dead, Handle[] pair) {
        if (!(dead instanceof FdHandle)) {
            return pair;
        }
        int n = ((FdHandle) dead).fd();
        for (int i = 0; i < 2; i++) {
            if (((FdHandle) pair[i]).fd() == n) {
                return new Handle[] {pair[i], pair[1 - i]};
            }
        }
        return fail("expected the new pair to reuse fd " + n + ", got " + pair[0] + " and " + pair[1]);
    }

    /**
     * Reads from a non-blocking handle until {@code length} bytes came, end of stream, or 5 s passed; no base
     * needed. Returns what came, as ASCII.
     */
    public static String readUpTo(NetOps ops, Handle h, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (buf.hasRemaining() && System.nanoTime() < deadline) {
            long n = ops.read(h, new ByteBuffer[] {buf}, 0, 1);
            if (n == 0) {
                break; // end of stream
            }
            if (n == NetOps.WOULD_BLOCK) {
                Thread.onSpinWait();
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }
}
