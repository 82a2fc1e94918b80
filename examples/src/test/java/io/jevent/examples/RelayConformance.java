package io.jevent.examples;

import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay example over loopback TCP, on the backend under test. */
public abstract class RelayConformance extends ExamplesTestSupport {

    private static Relay relayTo(EventBase base, SinkServer sink, long high, long low) throws IOException {
        int port = ((InetSocketAddress) sink.localAddress()).getPort();
        return Relay.start(base, loopback0(), "127.0.0.1", port, high, low, s -> { });
    }

    /** The sink's 16-byte answer: length and CRC32 of what it received. */
    private static long[] summary(StreamClient c) {
        byte[] r = c.response.toByteArray();
        assertEquals(16, r.length, "the sink answers with 16 bytes (length, crc32), got " + r.length);
        ByteBuffer b = ByteBuffer.wrap(r);
        return new long[] {b.getLong(), b.getLong()};
    }

    @Test
    void shouldRelayOneGibibyteIntactWithBoundedBuffers() throws IOException {
        EventBase base = newBase();
        long total = 1L << 30;
        SinkServer sink = SinkServer.start(base, false);
        Relay relay = relayTo(base, sink, Relay.DEFAULT_HIGH_WATERMARK, Relay.DEFAULT_LOW_WATERMARK);
        long start = System.nanoTime();
        int[] sessionsAtEnd = {-1};
        StreamClient client = StreamClient.start(base, relay.localAddress(), total, 42, () -> {
            sessionsAtEnd[0] = relay.sessions();
            relay.close();
            sink.close();
        });
        loopWithin(base, 0, Duration.ofMinutes(3));
        long nanos = System.nanoTime() - start;
        System.out.printf(Locale.ROOT, "[%s] 1 GiB through the relay in %.2f s (%.0f MB/s), peak %d bytes buffered"
                        + " per session, %d pauses%n", backendName(), nanos / 1e9, total / (nanos / 1e9) / 1e6,
                relay.peakSessionBuffered(), relay.pauses());
        assertNull(client.error, "client saw " + client.errorReasons);
        assertTrue(client.eof, "the relay passed the sink's half-close on to the client");
        long[] got = summary(client);
        assertEquals(total, got[0], "bytes that reached the sink");
        assertEquals(client.sentCrc.getValue(), got[1], "crc32 at the sink");
        assertEquals(StreamClient.expectedCrc(42, total), got[1], "crc32 of the deterministic stream");
        assertTrue(relay.peakSessionBuffered() <= Relay.DEFAULT_HIGH_WATERMARK + ONE_READ,
                "relay held " + relay.peakSessionBuffered() + " bytes in one session");
        assertTrue(client.peakOutput <= StreamClient.MAX_OUTPUT + (64 << 10), "client output " + client.peakOutput);
        assertEquals(0, sessionsAtEnd[0], "the session closed once both directions were finished");
    }
}
