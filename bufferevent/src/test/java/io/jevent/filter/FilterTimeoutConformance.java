package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBuffers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Write timeouts on filter layers (TLS, zlib, rate limit), over loopback TCP and over pairs: a layer moves what
 * is written to it below at once, so its write timeout must watch the bytes below it (libevent's
 * {@code bufferevent_timeout_filter} and {@code _filter_pair}: 7 bytes that can never be sent time out), and a
 * producer that keeps adding to the layer must not keep it from firing.
 */
public abstract class FilterTimeoutConformance extends FilterTestSupport {

    enum Layer { TLS, ZLIB, RATE_LIMIT }

    private static final Duration TIMEOUT = Duration.ofMillis(100);

    /**
     * Puts {@code layer} on {@code t[0]}; for TLS also a TLS end on {@code t[1]}, handshaken. Either way the far
     * end then reads nothing: what is written through the layer can only pile up below it.
     */
    private BufferEvent stalledLayer(EventBase base, Layer layer, BufferEvent[] t) {
        switch (layer) {
            case ZLIB:
                return Filters.zlib(t[0], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
            case RATE_LIMIT:
                return Filters.rateLimit(t[0], TokenBucketConfig.perSecond(1L << 30, 1L << 30),
                        BevOption.CLOSE_ON_FREE);
            default:
                TlsBufferEvent[] tls = TlsFlowConformance.tlsOver(t, BevOption.CLOSE_ON_FREE);
                int[] connected = {0};
                BufferEvent.EventCallback cb = (b, r, c) -> {
                    if (r != BevEvent.CONNECTED) {
                        throw new AssertionError("handshake failed: " + BevEvent.toString(r), c);
                    }
                    if (++connected[0] == 2) {
                        base.loopBreak();
                    }
                };
                tls[0].setCallbacks(null, null, cb);
                tls[1].setCallbacks(null, null, cb);
                loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
                assertEquals(2, connected[0]);
                tls[1].setCallbacks(null, null, null);
                tls[1].disable(Ev.READ); // and so the transport under it stops reading too
                tls[0].setCallbacks(null, null, null);
                return tls[0];
        }
    }

    /**
     * Writes through the layer until bytes stay in the bottom BufferEvent's output (7 bytes over a pair; over
     * TCP, until the kernel's buffers are full), then expects exactly one WRITING|TIMEOUT from the layer.
     */
    private void shouldTimeOutWhenBytesStallBelow(Layer layer, boolean overPair) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = TlsFlowConformance.transport(base, overPair);
        BufferEvent top = stalledLayer(base, layer, t);
        BufferEvent bottom = t[0];
        List<String> events = new ArrayList<>();
        long[] pendingBelow = {-1};
        long start = System.nanoTime();
        long[] firedAfter = {-1};
        byte[] chunk = data(51, 1 << 20);
        top.setTimeouts(null, TIMEOUT);
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            if (firedAfter[0] < 0) {
                firedAfter[0] = (System.nanoTime() - start) / 1_000_000;
                pendingBelow[0] = bottom.output().length();
                base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(300)); // a second one?
            }
        });
        top.enable(Ev.WRITE);
        if (overPair) {
            top.write("ABCDEFG".getBytes(StandardCharsets.US_ASCII));
        } else {
            // keep the socket's output non-empty until the kernel's buffers are full and it stays so
            io.jevent.Event[] producer = new io.jevent.Event[1];
            producer[0] = base.newTimer((ev, w) -> {
                if (firedAfter[0] < 0) {
                    if (bottom.output().length() < (1 << 20)) {
                        top.write(chunk);
                    }
                    producer[0].add(Duration.ofMillis(10));
                }
            });
            producer[0].add(Duration.ZERO);
        }
        base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofSeconds(5)); // none at all
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("WRITING|TIMEOUT"), events, layer + ": the write timeout of the layer");
        assertTrue(pendingBelow[0] > 0, "the bytes were stuck below the layer: " + pendingBelow[0]);
        assertTrue(firedAfter[0] >= TIMEOUT.toMillis() - 10, "fired after only " + firedAfter[0] + " ms");
        top.close();
        t[1].close();
    }

    @Test
    void shouldTimeOutTlsWriteWhenCiphertextStallsOverPair() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.TLS, true);
    }

    @Test
    void shouldTimeOutTlsWriteWhenCiphertextStallsOverSockets() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.TLS, false);
    }

    @Test
    void shouldTimeOutZlibWriteWhenDeflatedBytesStallOverPair() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.ZLIB, true);
    }

    @Test
    void shouldTimeOutZlibWriteWhenDeflatedBytesStallOverSockets() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.ZLIB, false);
    }

    @Test
    void shouldTimeOutRateLimitWriteWhenBytesStallOverPair() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.RATE_LIMIT, true);
    }

    @Test
    void shouldTimeOutRateLimitWriteWhenBytesStallOverSockets() throws IOException {
        shouldTimeOutWhenBytesStallBelow(Layer.RATE_LIMIT, false);
    }

    /**
     * Over a stalled transport (small kernel buffers over TCP), a producer keeps adding 1 byte every 50 ms to the
     * layer: the layer takes each one and hands it (or what the filter makes of it) down at once, but nothing
     * leaves the bottom of the chain, so the layer's write timeout must fire, once. Adding or filtering output is
     * not progress; only bytes leaving below are.
     */
    private void shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer layer, boolean overPair)
            throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = TlsFlowConformance.transport(base, overPair);
        if (!overPair) {
            SocketBuffers.shrinkSend(t[0].handle(), 4096);
            SocketBuffers.shrinkReceive(t[1].handle(), 4096);
        }
        BufferEvent top = stalledLayer(base, layer, t);
        BufferEvent bottom = t[0];
        List<String> events = new ArrayList<>();
        long[] pendingBelow = {-1};
        int[] added = {0};
        long start = System.nanoTime();
        long[] firedAfter = {-1};
        top.setTimeouts(null, TIMEOUT);
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            if (firedAfter[0] < 0) {
                firedAfter[0] = (System.nanoTime() - start) / 1_000_000;
                pendingBelow[0] = bottom.output().length();
                base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(300)); // a second one?
            }
        });
        top.enable(Ev.WRITE);
        top.write(data(54, overPair ? 7 : 1 << 20)); // more than the stalled far end ever takes
        io.jevent.Event[] producer = new io.jevent.Event[1];
        producer[0] = base.newTimer((ev, w) -> {
            if (firedAfter[0] < 0) {
                top.write(new byte[] {'x'});
                added[0]++;
                producer[0].add(Duration.ofMillis(50));
            }
        });
        producer[0].add(Duration.ofMillis(50));
        base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofSeconds(3)); // none at all
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("WRITING|TIMEOUT"), events, layer + ": the write timeout of the layer, while " + added[0]
                + " byte(s) were added one by one and " + bottom.output().length() + " stayed pending below");
        assertTrue(pendingBelow[0] > 0, "the bytes were stuck below the layer: " + pendingBelow[0]);
        assertTrue(firedAfter[0] >= TIMEOUT.toMillis() - 10, "fired after only " + firedAfter[0] + " ms");
        top.close();
        t[1].close();
    }

    @Test
    void shouldTimeOutTlsWriteWhileProducerKeepsAddingOverStalledPair() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.TLS, true);
    }

    @Test
    void shouldTimeOutTlsWriteWhileProducerKeepsAddingOverStalledSockets() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.TLS, false);
    }

    @Test
    void shouldTimeOutZlibWriteWhileProducerKeepsAddingOverStalledPair() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.ZLIB, true);
    }

    @Test
    void shouldTimeOutZlibWriteWhileProducerKeepsAddingOverStalledSockets() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.ZLIB, false);
    }

    @Test
    void shouldTimeOutRateLimitWriteWhileProducerKeepsAddingOverStalledPair() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.RATE_LIMIT, true);
    }

    @Test
    void shouldTimeOutRateLimitWriteWhileProducerKeepsAddingOverStalledSockets() throws IOException {
        shouldTimeOutWhileProducerKeepsAddingOverStalledLayer(Layer.RATE_LIMIT, false);
    }

    /**
     * While the far end keeps reading, slowly, the bytes below keep moving: no timeout, however long the whole
     * transfer takes. Once it stops reading, the timeout comes. The timeout (1 s) is twice the longest scheduler
     * pause a loaded CI inflicts: a loop paused for longer sees no progress in that time and rightly times out.
     */
    private void shouldNotTimeOutWhileBytesKeepMovingBelow(Layer layer, boolean overPair) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = TlsFlowConformance.transport(base, overPair);
        BufferEvent top = stalledLayer(base, layer, t);
        // the far end reads raw bytes off the transport (under the peer's TLS end, whose reading was disabled)
        BufferEvent reader = t[1];
        Duration timeout = Duration.ofSeconds(1);
        List<String> events = new ArrayList<>();
        long[] drained = {0};
        boolean[] reading = {true};
        long[] stoppedAt = {0};
        long[] firedAfterStop = {-1};
        top.setTimeouts(null, timeout);
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons));
            firedAfterStop[0] = stoppedAt[0] == 0 ? -1 : (System.nanoTime() - stoppedAt[0]) / 1_000_000;
            base.loopBreak();
        });
        top.enable(Ev.WRITE);
        top.write(data(52, overPair ? 4 << 20 : 16 << 20)); // more than the far end reads in 1.5 s
        reader.setCallbacks(null, null, null);
        reader.setWatermark(Ev.READ, 0, 64 << 10);
        reader.unsuspendRead(BufferEvent.SUSPEND_FILTER); // TLS above it took reading away: drain raw below
        reader.enable(Ev.READ);
        io.jevent.Event[] drainer = new io.jevent.Event[1];
        drainer[0] = base.newTimer((ev, w) -> {
            if (reading[0]) {
                drained[0] += reader.input().drain(reader.input().length());
                drainer[0].add(Duration.ofMillis(40));
            }
        });
        drainer[0].add(Duration.ofMillis(40));
        base.newTimer((ev, w) -> {
            reading[0] = false; // the far end stops reading: now the bytes stall
            stoppedAt[0] = System.nanoTime();
            base.newTimer((e2, w2) -> base.loopBreak()).add(Duration.ofSeconds(3)); // no timeout at all
        }).add(Duration.ofMillis(1500));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertTrue(drained[0] > 0, "the far end read nothing");
        assertEquals(List.of("WRITING|TIMEOUT"), events);
        assertTrue(firedAfterStop[0] >= 0, "the timeout fired while the bytes were still moving below");
        top.close();
        t[1].close();
    }

    @Test
    void shouldNotTimeOutZlibWriteWhileDeflatedBytesKeepMovingOverPair() throws IOException {
        shouldNotTimeOutWhileBytesKeepMovingBelow(Layer.ZLIB, true);
    }

    /**
     * TLS over a socket whose own writes are paced at 1 MiB/s (a rate limit on the socket): the TLS layer hands
     * all 2 MiB down at once, then they leave the socket over about 2 s, twice the 1 s timeout (itself twice the
     * longest scheduler pause of a loaded CI, during which nothing moves as far as the loop can see). The timeout
     * must not fire while they move, nor in the 1.5 s after they are all sent.
     */
    @Test
    void shouldNotTimeOutTlsWriteWhileCiphertextKeepsMovingOverSockets() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = TlsFlowConformance.transport(base, false);
        TlsBufferEvent[] tls = TlsFlowConformance.tlsOver(t, BevOption.CLOSE_ON_FREE);
        int size = 2 << 20;
        long[] got = {0};
        List<String> events = new ArrayList<>();
        tls[1].setCallbacks(b -> got[0] += b.input().drain(b.input().length()), null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                events.add("server " + BevEvent.toString(reasons) + " " + cause);
            }
        });
        tls[1].enable(Ev.READ);
        RateLimits.set(t[0], TokenBucketConfig.perSecond(TokenBucketConfig.UNLIMITED, TokenBucketConfig.UNLIMITED,
                1 << 20, 64 << 10));
        tls[0].setTimeouts(null, Duration.ofSeconds(1));
        long[] start = {0};
        tls[0].setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons == BevEvent.CONNECTED) {
                // written once the handshake is done: the timeout is to watch ciphertext moving, not a loaded
                // machine's first handshake, during which nothing moves while a peer computes
                start[0] = System.nanoTime();
                b.write(data(53, size));
                return;
            }
            events.add(BevEvent.toString(reasons));
            base.loopBreak();
        });
        tls[0].enable(Ev.WRITE);
        io.jevent.Event[] watch = new io.jevent.Event[1];
        watch[0] = base.newTimer((ev, w) -> {
            if (got[0] == size) {
                base.newTimer((e2, w2) -> base.loopBreak()).add(Duration.ofMillis(1500)); // and after
                return;
            }
            watch[0].add(Duration.ofMillis(20));
        });
        watch[0].add(Duration.ofMillis(20));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        long ms = (System.nanoTime() - start[0]) / 1_000_000;
        assertEquals(List.of(), events, "after " + ms + " ms, " + got[0] + " of " + size + " bytes arrived");
        assertEquals(size, got[0]);
        assertTrue(ms >= 1000, "the socket's rate limit did not pace the transfer: " + ms + " ms");
        tls[0].close();
        tls[1].close();
    }
}
