package io.jevent.examples;

import io.jevent.buffer.EvBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ChunkedDecoder}: a model property (any chunking, fed in any pieces) and malformed framing. */
class ChunkedDecoderTest {

    /** Encodes {@code body} in chunks of random sizes, with random extensions and a trailer, then "NEXT". */
    private static byte[] encode(byte[] body, Random rnd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int n = Math.min(body.length - i, 1 + rnd.nextInt(rnd.nextBoolean() ? 10 : 40_000));
            String size = rnd.nextBoolean() ? Integer.toHexString(n) : Integer.toHexString(n).toUpperCase();
            out.writeBytes((size + (rnd.nextInt(4) == 0 ? ";ext=1" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, i, n);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
            i += n;
        }
        out.writeBytes(("0\r\n" + (rnd.nextBoolean() ? "X-T: y\r\n" : "") + "\r\nNEXT").getBytes(
                StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Property(tries = 200)
    void shouldDecodeAnyChunkingFedInAnyPieces(@ForAll @IntRange(max = 200_000) int size, @ForAll long seed) {
        Random rnd = new Random(seed);
        byte[] body = new byte[size];
        rnd.nextBytes(body);
        byte[] wire = encode(body, rnd);
        ChunkedDecoder d = new ChunkedDecoder();
        EvBuffer in = new EvBuffer();
        EvBuffer out = new EvBuffer();
        int fed = 0;
        boolean done = false;
        while (fed < wire.length - 4 && !done) { // "NEXT" is not part of the body
            int k = Math.min(wire.length - fed, 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 70_000));
            in.add(wire, fed, k);
            fed += k;
            done = d.decode(in, out);
        }
        assertTrue(done, "the body ended");
        assertTrue(d.isDone());
        byte[] got = new byte[(int) out.length()];
        out.remove(got, 0, got.length);
        assertArrayEquals(body, got);
        in.add(wire, fed, wire.length - fed);
        assertEquals("NEXT", new String(drain(in), StandardCharsets.US_ASCII),
                "bytes after the body stay in the input");
    }

    private static byte[] drain(EvBuffer b) {
        byte[] a = new byte[(int) b.length()];
        b.remove(a, 0, a.length);
        return a;
    }

    private static void decode(String wire) {
        EvBuffer in = new EvBuffer();
        in.add(wire, StandardCharsets.ISO_8859_1);
        new ChunkedDecoder().decode(in, new EvBuffer());
    }

    @Test
    void shouldRejectMalformedFraming() {
        assertThrows(IllegalArgumentException.class, () -> decode("zz\r\n"), "not hex");
        assertThrows(IllegalArgumentException.class, () -> decode("\r\n"), "empty size");
        assertThrows(IllegalArgumentException.class, () -> decode("1234567890abcdef\r\n"), "too long");
        assertThrows(IllegalArgumentException.class, () -> decode("3\r\nabcX\r\n"), "no CRLF after the data");
        assertThrows(IllegalArgumentException.class, () -> decode("1".repeat(ChunkedDecoder.MAX_LINE + 10)),
                "an endless size line");
    }

    /**
     * A trailer that never ends (each field line short, so no line limit trips) is an error once the trailer section
     * passes its limit: it would otherwise keep a transfer alive for ever while bytes keep coming.
     */
    @Test
    void shouldRejectEndlessTrailer() {
        EvBuffer in = new EvBuffer();
        in.add("3\r\nabc\r\n0\r\n", StandardCharsets.US_ASCII);
        ChunkedDecoder d = new ChunkedDecoder();
        EvBuffer out = new EvBuffer();
        assertFalse(d.decode(in, out));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            for (int i = 0; i < 100_000; i++) {
                in.add("X-Pad: 0123456789\r\n", StandardCharsets.US_ASCII);
                if (d.decode(in, out)) {
                    throw new AssertionError("ended without the empty line");
                }
            }
        });
        assertTrue(e.getMessage().contains("trailer"), e.getMessage());
        assertEquals(3, out.length(), "the body so far is untouched");
    }

    @Test
    void shouldWaitForMoreWhenIncomplete() {
        EvBuffer in = new EvBuffer();
        in.add("5\r\nab", StandardCharsets.US_ASCII);
        ChunkedDecoder d = new ChunkedDecoder();
        EvBuffer out = new EvBuffer();
        assertFalse(d.decode(in, out));
        assertEquals(2, out.length());
        in.add("cde\r\n0\r\n\r\n", StandardCharsets.US_ASCII);
        assertTrue(d.decode(in, out));
        assertEquals(5, out.length());
    }
}
