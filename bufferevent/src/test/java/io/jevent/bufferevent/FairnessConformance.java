package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One connection's writes must not hold the loop. A writer that refills its output from its write callback, over
 * loopback TCP to a peer on the same base that reads, used to keep the loop writing for as long as the kernel took
 * bytes (about 4 MiB), with no poll and no timer in between: another connection's bytes and a due timer waited for
 * it, as in the soak where a TLS server connection on that loop hit its read timeout. Counted in loop passes
 * ({@link EventBase#pollCount()}) and in the writer's callbacks, never in wall time. Bounded by the bytes sent.
 */
public abstract class FairnessConformance extends BevTestSupport {
    /** What the writer sends in all. */
    private static final int TOTAL = 8 << 20;
    /** What its write callback adds each time: small, so that the kernel takes many before it is full. */
    private static final int CHUNK = 4096;
    /** The writer's callbacks before the other connection sends and the timer is added: well inside the burst. */
    private static final int MARK = 20;
    /**
     * Most writer callbacks allowed in one pass, and between the other connection's send (or the timer's add) and
     * its delivery. Generous (several passes' worth at the library's default); the unfair loop ran ~1000.
     */
    private static final int BOUND = 128;

    @Test
    void shouldNotLetAWriterThatRefillsFromItsWriteCallbackHoldTheLoop() throws IOException {
        runScenario(0);
    }

    @Test
    void shouldNotLetAWriterThatRefillsFromItsDeferredWriteCallbackHoldTheLoop() throws IOException {
        runScenario(BevOption.DEFER_CALLBACKS);
    }

    private void runScenario(int options) throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] bulk = connectedPair(base, options);
        SocketBufferEvent[] other = connectedPair(base, options);
        byte[] payload = data(7, TOTAL);

        long[] sent = {0};
        long[] writerCalls = {0};
        long[] lastPass = {-1};
        long[] runsThisPass = {0};
        long[] maxRunsPerPass = {0};
        long[] maxPass = {-1};
        long[] otherSentAt = {-1};
        long[] otherReadAt = {-1};
        long[] timerAddedAt = {-1};
        long[] timerFiredAt = {-1};
        long[] received = {0};
        CRC32 got = new CRC32();

        Runnable maybeDone = () -> {
            if (received[0] == TOTAL && otherReadAt[0] >= 0 && timerFiredAt[0] >= 0) {
                base.loopExit();
            }
        };
        bulk[1].setCallbacks(b -> {
            byte[] in = new byte[(int) b.input().length()];
            b.input().remove(in, 0, in.length);
            got.update(in, 0, in.length);
            received[0] += in.length;
            maybeDone.run();
        }, null, (b, reasons, cause) -> {
            throw new AssertionError("reader: unexpected " + BevEvent.toString(reasons), cause);
        });
        bulk[1].enable(Ev.READ);
        other[1].setCallbacks(b -> {
            b.input().drain(b.input().length());
            if (otherReadAt[0] < 0) {
                otherReadAt[0] = writerCalls[0];
            }
            maybeDone.run();
        }, null, (b, reasons, cause) -> {
            throw new AssertionError("other: unexpected " + BevEvent.toString(reasons), cause);
        });
        other[1].enable(Ev.READ);

        bulk[0].setCallbacks(null, b -> {
            writerCalls[0]++;
            long pass = base.pollCount();
            runsThisPass[0] = pass == lastPass[0] ? runsThisPass[0] + 1 : 1;
            lastPass[0] = pass;
            if (runsThisPass[0] > maxRunsPerPass[0]) {
                maxRunsPerPass[0] = runsThisPass[0];
                maxPass[0] = pass;
            }
            if (writerCalls[0] == MARK) {
                otherSentAt[0] = writerCalls[0];
                other[0].write(new byte[] {42});
                timerAddedAt[0] = writerCalls[0];
                base.newTimer((ev, what) -> {
                    timerFiredAt[0] = writerCalls[0];
                    maybeDone.run();
                }).add(Duration.ZERO);
            }
            if (sent[0] < TOTAL) {
                int n = (int) Math.min(CHUNK, TOTAL - sent[0]);
                b.write(payload, (int) sent[0], n);
                sent[0] += n;
            }
        }, (b, reasons, cause) -> {
            throw new AssertionError("writer: unexpected " + BevEvent.toString(reasons), cause);
        });
        bulk[0].write(payload, 0, CHUNK);
        sent[0] = CHUNK;

        loopWithin(base, 0, Duration.ofSeconds(30));

        assertEquals(TOTAL, received[0], "bytes the reader got");
        assertEquals(crc(payload, 0, TOTAL), got.getValue(), "the reader got other bytes than were sent");
        String seen = "[" + backendName() + "] the writer's write callback ran up to " + maxRunsPerPass[0]
                + " times in one loop pass (pass " + maxPass[0] + "); another connection's byte was read "
                + (otherReadAt[0] - otherSentAt[0]) + " writer callbacks after it was sent, a due timer fired "
                + (timerFiredAt[0] - timerAddedAt[0]) + " after it was added (each at most " + BOUND + " expected)";
        assertTrue(maxRunsPerPass[0] <= BOUND, seen + ": one connection's writes held the loop");
        assertTrue(otherReadAt[0] - otherSentAt[0] <= BOUND, seen + ": another connection waited for the writer");
        assertTrue(timerFiredAt[0] - timerAddedAt[0] <= BOUND, seen + ": a due timer waited for the writer");
    }

    /** Two SocketBufferEvents with {@code options} on the ends of a loopback TCP connection, on {@code base}. */
    private static SocketBufferEvent[] connectedPair(EventBase base, int options) throws IOException {
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] out = BevTestSupport.tcpPair(base, keep, options);
        keep[0].close();
        return out;
    }
}
