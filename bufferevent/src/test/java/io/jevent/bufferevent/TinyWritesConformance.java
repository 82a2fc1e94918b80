package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A peer that sends one byte per write and never reads (issue 9 item 8): what a connection holds must follow its
 * watermarks, in bytes and in memory, and reading must stop at the same point on every backend. The peer is a raw
 * socket of the backend under test, writing one byte per loop pass from a WRITE event, so the server reads one or
 * two bytes at a time. Bounded by the bytes the peer sends, not by time.
 */
public abstract class TinyWritesConformance extends BevTestSupport {
    /** One segment of memory: what the smallest non-empty buffer holds. */
    static long segmentSize() {
        EvBuffer one = new EvBuffer();
        one.add(new byte[1]);
        return one.memoryHeld();
    }

    /**
     * Writes {@code total} bytes, one per WRITE readiness, to {@code h}; counts them in {@code sent[0]}. Once the
     * other side stops reading, the kernel takes only a few dozen more one-byte packets (each costs a socket buffer
     * of its own) and the peer stalls: {@link #settled} tells when.
     */
    private Event oneBytePeer(EventBase base, Handle h, int total, long[] sent) {
        NetOps ops = netOps();
        ByteBuffer[] one = {ByteBuffer.allocate(1)};
        Event[] self = new Event[1];
        self[0] = base.newEvent(h, Ev.WRITE | Ev.PERSIST, (ev, what) -> {
            one[0].clear().put(0, (byte) ('a' + sent[0] % 26));
            try {
                if (ops.write(h, one, 0, 1) == 1) {
                    sent[0]++;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (sent[0] == total) {
                self[0].remove();
            }
        });
        self[0].add();
        return self[0];
    }

    /**
     * Calls {@code then} once {@code ready} holds and the peer is done: all sent, or no byte sent for 200 ms (the
     * kernel is full). Polls every 10 ms.
     */
    private static void settled(EventBase base, long[] sent, int total, java.util.function.BooleanSupplier ready,
            Runnable then) {
        long[] last = {-1};
        int[] still = {0};
        base.newTimer((ev, w) -> {
            still[0] = sent[0] == last[0] ? still[0] + 1 : 0;
            last[0] = sent[0];
            if (ready.getAsBoolean() && (sent[0] == total || still[0] >= 20)) {
                then.run();
            } else {
                ev.add(Duration.ofMillis(10));
            }
        }).add(Duration.ofMillis(10));
    }

    private static boolean matchesSent(EvBuffer b, long from) {
        byte[] got = new byte[(int) b.length()];
        b.copyOut(got, 0, got.length);
        for (int i = 0; i < got.length; i++) {
            if (got[i] != (byte) ('a' + (from + i) % 26)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The examples' echo server under a peer that never reads: once the socket buffers are full the echo waits in the
     * output (modelled here by not writing at all), and reading stops when the output passes the write high
     * watermark. The output then holds its bytes in about as much memory, where it used to hold a 16 KiB segment
     * per byte read.
     */
    @Test
    void shouldHoldAnEchoOutputInMemoryProportionalToItsBytes() throws IOException {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], 0);
        long high = 8192;
        int total = (int) high + 4096;
        boolean[] paused = {false};
        long[] reads = {0};
        long[] readsAtPause = {-1};
        bev.disable(Ev.WRITE); // the peer never reads: nothing more leaves once the kernel is full
        bev.setWatermark(Ev.WRITE, 1024, high);
        bev.setWritabilityCallback((b, writable) -> {
            if (!writable && !paused[0]) {
                paused[0] = true;
                readsAtPause[0] = reads[0];
                b.disable(Ev.READ);
            }
        });
        bev.setCallbacks(b -> {
            reads[0]++;
            b.output().addBuffer(b.input()); // the echo: input moved to output, no copy
        }, null, (b, reasons, cause) -> {
            throw new AssertionError("unexpected " + BevEvent.toString(reasons), cause);
        });
        bev.enable(Ev.READ);
        long[] sent = {0};
        oneBytePeer(base, pair[1], total, sent);
        settled(base, sent, total, () -> paused[0], base::loopExit);
        loopWithin(base, 0, Duration.ofSeconds(60));
        EvBuffer out = bev.output();
        long seg = segmentSize();
        assertTrue(paused[0], "reading never paused at the write high watermark");
        assertEquals(readsAtPause[0], reads[0], "read after pausing");
        assertTrue(out.length() > high && out.length() <= sent[0], () -> "output holds " + out.length() + " bytes");
        assertTrue(reads[0] > high / 4, () -> "expected reads of a byte or two, got " + reads[0] + " reads");
        assertTrue(out.memoryHeld() <= 2 * out.length() + 2 * seg, () -> "the output holds " + out.memoryHeld()
                + " bytes of memory for " + out.length() + " bytes");
        assertTrue(matchesSent(out, 0), "the output holds other bytes than the peer sent");
        bev.close();
    }

    /**
     * The read high watermark decides when reading stops, on every backend: the input fills exactly to it and no
     * further, in one segment's worth of memory, and reading resumes once it is drained below.
     */
    @Test
    void shouldStopReadingExactlyAtTheReadHighWatermark() throws IOException {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], 0);
        long high = 4096;
        int total = (int) high + 2000;
        long[] maxSeen = {0};
        long[] received = {0};
        boolean[] draining = {false};
        boolean[] inOrder = {true};
        bev.setWatermark(Ev.READ, 0, high);
        bev.setCallbacks(b -> {
            maxSeen[0] = Math.max(maxSeen[0], b.input().length());
            if (draining[0]) {
                inOrder[0] &= matchesSent(b.input(), received[0]);
                received[0] += b.input().drain(b.input().length());
                if (received[0] == total) {
                    base.loopExit();
                }
            }
        }, null, (b, reasons, cause) -> {
            throw new AssertionError("unexpected " + BevEvent.toString(reasons), cause);
        });
        bev.enable(Ev.READ);
        long[] sent = {0};
        oneBytePeer(base, pair[1], total, sent);
        long[] atCheck = {-1};
        long[] memoryAtCheck = {-1};
        settled(base, sent, total, () -> bev.input().length() >= high, () -> {
            EvBuffer in = bev.input();
            atCheck[0] = in.length();
            memoryAtCheck[0] = in.memoryHeld();
            inOrder[0] &= matchesSent(in, 0);
            draining[0] = true;
            received[0] += in.drain(in.length()); // below the watermark: reading resumes, the peer goes on
        });
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertEquals(high, atCheck[0], "the input filled exactly to the read high watermark and stopped there");
        assertTrue(maxSeen[0] <= high, () -> "the input grew past the read high watermark: " + maxSeen[0]);
        assertTrue(memoryAtCheck[0] <= segmentSize(), () -> "the input held " + memoryAtCheck[0] + " bytes of memory"
                + " for " + high + " bytes");
        assertEquals(total, received[0], "bytes received once reading resumed");
        assertTrue(inOrder[0], "the input held other bytes than the peer sent");
        bev.close();
    }
}
