package io.jevent.backend.nio;

import io.jevent.spi.ReadySink;
import java.util.Arrays;

/** Records the bits reported per token (OR-ed over polls until {@link #clear()}), and how often each was reported. */
final class RecordingSink implements ReadySink {
    final int[] bits;
    final int[] calls;

    RecordingSink(int tokens) {
        bits = new int[tokens];
        calls = new int[tokens];
    }

    @Override
    public void ready(int token, int readyBits) {
        bits[token] |= readyBits;
        calls[token]++;
    }

    void clear() {
        Arrays.fill(bits, 0);
        Arrays.fill(calls, 0);
    }

    /** How many tokens were reported at least once. */
    int reportedTokens() {
        int n = 0;
        for (int c : calls) {
            if (c > 0) {
                n++;
            }
        }
        return n;
    }
}
