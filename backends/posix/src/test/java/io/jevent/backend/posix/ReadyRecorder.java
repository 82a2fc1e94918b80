package io.jevent.backend.posix;

import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/** Test sink: ORs the reported bits per token and counts reports; polls with a bound, never sleeps. */
public final class ReadyRecorder implements ReadySink {
    /** Accumulated bits per token. */
    public final int[] bits = new int[8192];
    /** Reports per token. */
    public final int[] reports = new int[8192];
    /** All reports since the last clear. */
    public int total;

    @Override
    public void ready(int token, int readyBits) {
        bits[token] |= readyBits;
        reports[token]++;
        total++;
    }

    /** Forgets everything recorded. */
    public ReadyRecorder clear() {
        Arrays.fill(bits, 0);
        Arrays.fill(reports, 0);
        total = 0;
        return this;
    }

    /**
     * Polls (100 ms at a time, at most 5 s in all) until {@code done} holds.
     *
     * @throws AssertionError if it never does
     */
    public void pollUntil(Readiness r, String what, BooleanSupplier done) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; recorded " + total + " reports");
            }
            r.poll(100_000_000L, this);
        }
    }

    /** One poll that must not block: returns what it reported. */
    public int pollNow(Readiness r) throws IOException {
        return r.poll(0, this);
    }
}
