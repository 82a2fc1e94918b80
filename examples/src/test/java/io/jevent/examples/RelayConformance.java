package io.jevent.examples;

import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    @Test
    void shouldStopReadingFromClientWhileUpstreamDoesNotRead() throws IOException {
        EventBase base = newBase();
        long high = 256 << 10;
        long low = 64 << 10;
        long total = 64L << 20; // far more than the kernel's socket buffers and the relay's watermark together
        SinkServer sink = SinkServer.start(base, true);
        Relay relay = relayTo(base, sink, high, low);
        long[] atStall = new long[3];
        StreamClient client = StreamClient.start(base, relay.localAddress(), total, 7, () -> {
            relay.close();
            sink.close();
        });
        whenStalled(base, relay::relayedBytes, Duration.ofMillis(300), () -> {
            atStall[0] = relay.bufferedBytes();
            atStall[1] = relay.pausedDirections();
            atStall[2] = client.sent;
            sink.resume(); // the consumer reads again: everything must still arrive
        });
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertEquals(1, atStall[1], "the client->upstream direction was paused while the upstream did not read");
        assertTrue(atStall[2] < total, "the client could not send everything while the upstream was stalled");
        assertTrue(atStall[0] > high, "the relay filled up to its high watermark (" + atStall[0] + " bytes)");
        assertTrue(atStall[0] <= high + ONE_READ, "the relay held " + atStall[0] + " bytes, over high watermark "
                + high + " + one read " + ONE_READ);
        assertTrue(relay.peakSessionBuffered() <= high + ONE_READ,
                "peak " + relay.peakSessionBuffered() + " bytes in one session");
        assertTrue(relay.pauses() >= 1);
        assertNull(client.error, "client saw " + client.errorReasons);
        long[] got = summary(client);
        assertEquals(total, got[0], "bytes that reached the sink after it resumed");
        assertEquals(client.sentCrc.getValue(), got[1], "crc32 at the sink");
    }

    @Test
    void shouldPassHalfCloseBothWaysAndCloseTheSession() throws IOException {
        EventBase base = newBase();
        EchoServer echo = EchoServer.start(base, loopback0());
        int port = ((InetSocketAddress) echo.localAddress()).getPort();
        Relay relay = Relay.start(base, loopback0(), "localhost", port);
        int[] sessionsAtEnd = {-1};
        StreamClient client = StreamClient.start(base, relay.localAddress(), 100_000, 3, () -> {
            sessionsAtEnd[0] = relay.sessions();
            relay.close();
            echo.close();
        });
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertNull(client.error, "client saw " + client.errorReasons);
        assertTrue(client.eof, "the echo server's close reached the client as end of stream");
        byte[] expected = new byte[100_000];
        new PatternStream(3).fill(expected, 0, expected.length);
        assertArrayEquals(expected, client.response.toByteArray(), "the echo came back through the relay");
        assertEquals(0, sessionsAtEnd[0], "the relay closed the session after both directions finished");
        assertEquals(1, relay.accepted());
    }

    @Test
    void shouldCloseClientWhenUpstreamRefuses() throws IOException {
        EventBase base = newBase();
        SinkServer gone = SinkServer.start(base, false);
        int port = ((InetSocketAddress) gone.localAddress()).getPort();
        gone.close(); // nothing listens there now
        Relay relay = Relay.start(base, loopback0(), "127.0.0.1", port);
        StreamClient client = StreamClient.start(base, relay.localAddress(), 10, 1, relay::close);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertTrue(client.eof || client.error != null, "the client was disconnected");
        assertEquals(0, client.response.size(), "nothing came back");
        assertEquals(0, relay.sessions());
    }
}
