package io.jevent.examples;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class PatternStreamTest {
    @Test
    void shouldGiveTheSameBytesHoweverTheReadsAreChunked() {
        byte[] whole = new byte[100_003];
        new PatternStream(11).fill(whole, 0, whole.length);
        byte[] pieces = new byte[whole.length];
        PatternStream p = new PatternStream(11);
        Random r = new Random(1);
        for (int off = 0; off < pieces.length; ) {
            int n = Math.min(pieces.length - off, r.nextInt(20)); // includes 0-byte and sub-word reads
            p.fill(pieces, off, n);
            off += n;
        }
        assertArrayEquals(whole, pieces);
    }

    @Test
    void shouldGiveDifferentStreamsForDifferentSeeds() {
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        new PatternStream(0).fill(a, 0, 64);
        new PatternStream(1).fill(b, 0, 64);
        assertFalse(java.util.Arrays.equals(a, b));
    }
}
