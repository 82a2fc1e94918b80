package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-memory pair ({@link BufferEvent#pair}) on the backend under test. */
public abstract class PairConformance extends BevTestSupport {

    /** Writes {@code payload} into {@code bev} in random pieces, some now, some from later loop passes. */
    static void sendInRandomChunks(EventBase base, BufferEvent bev, byte[] payload, int off, Random rnd,
                                   Runnable whenAllWritten) {
        while (off < payload.length) {
            int n = Math.min(payload.length - off, 1 + rnd.nextInt(16 * 1024));
            bev.write(payload, off, n);
            off += n;
            if (rnd.nextInt(4) == 0 && off < payload.length) {
                int next = off;
                base.newTimer((ev, w) -> sendInRandomChunks(base, bev, payload, next, rnd, whenAllWritten))
                        .add(Duration.ZERO);
                return;
            }
        }
        if (whenAllWritten != null) {
            whenAllWritten.run();
        }
    }

    /** Collects what arrives on one end, reading in random amounts. */
    static final class Sink {
        final byte[] got;
        int have;
        final Random rnd;

        Sink(int size, long seed) {
            got = new byte[size];
            rnd = new Random(seed);
        }

        void drainSome(BufferEvent b) {
            while (b.input().length() > 0 && have < got.length) {
                int want = Math.min(got.length - have, 1 + rnd.nextInt(32 * 1024));
                have += b.read(got, have, want);
            }
        }
    }

    @Test
    void shouldPassMegabytesBothWaysIntactWithRandomChunking() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        int size = 3 << 20;
        byte[] aToB = data(11, size);
        byte[] bToA = data(12, size);
        Sink atB = new Sink(size, 1);
        Sink atA = new Sink(size, 2);
        int[] complete = {0};
        Runnable maybeDone = () -> {
            if (++complete[0] == 2) {
                p[0].close();
                p[1].close();
            }
        };
        p[0].setCallbacks(b -> {
            atA.drainSome(b);
            if (atA.have == size) {
                maybeDone.run();
            }
        }, null, null);
        p[1].setCallbacks(b -> {
            atB.drainSome(b);
            if (atB.have == size) {
                maybeDone.run();
            }
        }, null, null);
        p[0].enable(Ev.READ);
        p[1].enable(Ev.READ);
        sendInRandomChunks(base, p[0], aToB, 0, new Random(3), null);
        sendInRandomChunks(base, p[1], bToA, 0, new Random(4), null);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(size, atB.have, "bytes a -> b");
        assertEquals(size, atA.have, "bytes b -> a");
        assertEquals(crc(aToB, 0, size), crc(atB.got, 0, size), "CRC a -> b");
        assertEquals(crc(bToA, 0, size), crc(atA.got, 0, size), "CRC b -> a");
    }

    @Test
    void shouldBoundTransferByPartnersReadHighWatermarkAndResumeWhenDrained() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        int total = 1 << 20;
        long high = 10_000;
        long[] maxSeen = {0};
        long[] atCheck = {-1};
        long[] outAtCheck = {-1};
        long[] received = {0};
        boolean[] draining = {false};
        p[1].setWatermark(Ev.READ, 0, high);
        p[1].setCallbacks(b -> {
            maxSeen[0] = Math.max(maxSeen[0], b.input().length());
            if (draining[0]) {
                received[0] += b.input().drain(b.input().length());
                if (received[0] == total) {
                    p[0].close();
                    p[1].close();
                }
            }
        }, null, null);
        p[1].enable(Ev.READ);
        p[0].write(data(5, total));
        base.newTimer((ev, w) -> {
            atCheck[0] = p[1].input().length();
            outAtCheck[0] = p[0].output().length();
            draining[0] = true;
            received[0] += p[1].input().drain(p[1].input().length()); // must resume the transfer
        }).add(Duration.ofMillis(30));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(high, atCheck[0], "partner's input filled exactly to its high watermark");
        assertEquals(total - high, outAtCheck[0], "the rest stayed in the writer's output");
        assertTrue(maxSeen[0] <= high, "partner's input grew past the high watermark: " + maxSeen[0]);
        assertEquals(total, received[0], "transfer resumed after draining");
    }

    @Test
    void shouldRunWriteCallbackAtLowWatermark() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        int total = 1 << 20;
        long low = 50_000;
        List<Long> atCallback = new ArrayList<>();
        long[] received = {0};
        p[0].setWatermark(Ev.WRITE, low, 0);
        p[0].setCallbacks(null, b -> atCallback.add(b.output().length()), null);
        p[1].setWatermark(Ev.READ, 0, 16_384); // moves in steps, so the writer's output drains gradually
        p[1].setCallbacks(b -> {
            received[0] += b.input().drain(b.input().length());
            if (received[0] == total) {
                p[0].close();
                p[1].close();
            }
        }, null, null);
        p[1].enable(Ev.READ);
        p[0].write(data(6, total));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(total, received[0]);
        assertFalse(atCallback.isEmpty(), "the write callback never ran");
        for (long len : atCallback) {
            assertTrue(len <= low, "write callback ran with " + len + " bytes pending, above the low watermark");
        }
    }

    @Test
    void shouldGivePartnerEofAfterWhatItCouldTakeWhenOneEndCloses() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        long high = 4096;
        List<String> order = new ArrayList<>();
        long[] inputAtEof = {-1};
        p[1].setWatermark(Ev.READ, 0, high);
        p[1].setCallbacks(b -> order.add("read " + b.input().length()), null, (b, reasons, cause) -> {
            order.add(BevEvent.toString(reasons));
            inputAtEof[0] = b.input().length();
            b.close();
        });
        p[1].enable(Ev.READ);
        p[0].write(data(7, 100_000));
        p[0].close(); // before any transfer ran: the partner still gets what it can take
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of("read " + high, "READING|EOF"), order);
        assertEquals(high, inputAtEof[0], "what the partner could take was delivered before EOF");
    }

    @Test
    void shouldReportWritingErrorWhenWritingToEndWhosePartnerClosed() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        List<String> events = new ArrayList<>();
        p[1].setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause.getMessage()));
            if ((reasons & BevEvent.ERROR) != 0) {
                b.close();
            }
        });
        p[0].close(); // the partner reads EOF
        p[1].write(new byte[10]); // and nobody will ever read these
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(2, events.size(), events.toString());
        assertEquals("READING|EOF", events.get(0));
        assertTrue(events.get(1).startsWith("WRITING|ERROR the other end of the pair is closed; 10 byte(s)"),
                events.get(1));
    }

    @Test
    void shouldGivePartnerEofOnFlushFinishedAfterAllData() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, 0);
        byte[] payload = data(8, 200_000);
        byte[] got = new byte[payload.length];
        int[] have = {0};
        int[] eofAt = {-1};
        List<Integer> events = new ArrayList<>();
        p[1].setWatermark(Ev.READ, 0, 8192); // the partner cannot take it all at once
        p[1].setCallbacks(b -> have[0] += b.read(got, have[0], got.length - have[0]), null,
                (b, reasons, cause) -> {
                    events.add(reasons);
                    eofAt[0] = have[0];
                    b.close();
                    p[0].close();
                });
        p[1].enable(Ev.READ);
        p[0].write(payload);
        p[0].flush(Ev.WRITE, FlushMode.FINISHED);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of(BevEvent.READING | BevEvent.EOF), events);
        assertEquals(payload.length, eofAt[0], "EOF came only after every byte was delivered");
        assertArrayEquals(payload, got);
    }

    @Test
    void shouldNotRunCallbacksReentrantlyFromOutputAddWithDeferCallbacks() {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, BevOption.DEFER_CALLBACKS);
        List<String> log = new ArrayList<>();
        boolean[] inAdd = {false};
        p[1].setCallbacks(b -> {
            log.add((inAdd[0] ? "re-entrant " : "") + "read " + b.input().length());
            b.input().drain(b.input().length());
        }, null, null);
        p[0].setCallbacks(null, b -> log.add((inAdd[0] ? "re-entrant " : "") + "write"), null);
        p[1].enable(Ev.READ);
        base.newTimer((ev, w) -> {
            inAdd[0] = true;
            p[0].output().add(new byte[100]);
            inAdd[0] = false;
            log.add("added");
            // a flush moves the bytes at once; the callbacks still wait for the deferred pass
            inAdd[0] = true;
            p[0].output().add(new byte[50]);
            p[0].flush(Ev.WRITE, FlushMode.NORMAL);
            inAdd[0] = false;
            log.add("flushed");
            base.newTimer((ev2, w2) -> {
                p[0].close();
                p[1].close();
            }).add(Duration.ofMillis(20));
        }).add(Duration.ZERO);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertFalse(log.stream().anyMatch(s -> s.startsWith("re-entrant")), log.toString());
        assertEquals("added", log.get(0), "nothing ran inside output().add(): " + log);
        assertTrue(log.contains("read 150") || log.containsAll(List.of("read 100", "read 50")),
                "the read callback ran later: " + log);
        assertTrue(log.contains("write"), "the write callback ran later: " + log);
    }
}
