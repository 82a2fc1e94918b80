package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.buffer.EvBuffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What restarts the idle timeouts ({@link BufferEvent#setTimeouts}), over loopback TCP with small kernel buffers and
 * over pairs, on the BufferEvent itself and on a pass-through filter layer over it. A timeout restarts on progress
 * in its direction only, as libevent's do: the write timeout when bytes leave (adding output arms it if it is not
 * running, never restarts it), the read timeout when bytes arrive (sending is no sign of life from the peer).
 */
public abstract class IdleTimeoutConformance extends BevTestSupport {

    enum Transport { SOCKETS, PAIR }

    private static final Duration TIMEOUT = Duration.ofMillis(100);
    /** How often a producer adds one byte: more often than {@link #TIMEOUT}. */
    private static final Duration TRICKLE = Duration.ofMillis(50);
    /** How long the tests wait for a timeout that must come: generous, for a loaded CI machine. */
    private static final Duration BOUND = Duration.ofSeconds(3);
    /** What each kernel buffer is shrunk to (the kernel doubles it and applies its minimum). */
    private static final int KERNEL_BUFFER = 4096;
    /** The most a pair's far end takes into its input when it stops draining. */
    private static final int PAIR_FAR_HIGH = 256;

    /**
     * A transport: {@code [0]} the end written to, {@code [1]} the far end, reading disabled. Sockets get small
     * kernel buffers ([0] sends into 4 KiB, [1] receives into 4 KiB), so a far end that does not read stops the
     * bytes within a few KiB, and one that reads lets them move steadily.
     */
    private BufferEvent[] transport(EventBase base, Transport tr) throws IOException {
        if (tr == Transport.PAIR) {
            return BufferEvent.pair(base, BevOption.CLOSE_ON_FREE);
        }
        SocketBufferEvent[] p = new SocketBufferEvent[2];
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) ->
                p[1] = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE));
        try {
            // set on the listener, before the connection exists, so the accepted socket advertises a window that
            // fits it from the start (shrunk later, a window already offered stalls the sender on zero-window probes)
            SocketBuffers.shrinkReceive(l.handle(), KERNEL_BUFFER);
            p[0] = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            boolean[] connected = {false};
            p[0].setCallbacks(null, null, (b, reasons, cause) -> {
                if (reasons != BevEvent.CONNECTED) {
                    throw new AssertionError("connect failed: " + BevEvent.toString(reasons), cause);
                }
                connected[0] = true;
            });
            p[0].connect(l.localAddress());
            long deadline = System.nanoTime() + 10_000_000_000L;
            while ((p[1] == null || !connected[0]) && System.nanoTime() < deadline) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
            }
            assertTrue(p[1] != null && connected[0], "loopback connection not established within 10 s");
        } finally {
            l.close();
        }
        p[0].setCallbacks(null, null, null);
        SocketBuffers.shrinkSend(p[0].handle(), KERNEL_BUFFER);
        return p;
    }

    /** The BufferEvent the test times: {@code bottom} itself, or a pass-through filter layer over it. */
    private static BufferEvent timed(BufferEvent bottom, boolean layered) {
        return layered ? FilterBufferEvent.create(bottom, null, null, BevOption.CLOSE_ON_FREE) : bottom;
    }

    private static String what(Transport tr, boolean layered) {
        return tr + (layered ? " under a filter layer" : "");
    }

    private static long msSince(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    // --------------------------------------------------------------------------------------------- write timeout

    /**
     * The far end takes a little, then nothing; a producer keeps adding 1 byte every 50 ms. Every add leaves output
     * pending and none of it leaves, so the 100 ms write timeout must fire, once (libevent arms it when output
     * becomes pending and it is not running, and restarts it only when bytes are written).
     */
    private void shouldTimeOutWriteWhileProducerKeepsAdding(Transport tr, boolean layered) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base, tr);
        if (tr == Transport.PAIR) {
            t[1].setWatermark(Ev.READ, 0, PAIR_FAR_HIGH);
            t[1].enable(Ev.READ); // takes 256 bytes, which nobody drains
        }
        BufferEvent bottom = t[0];
        BufferEvent top = timed(bottom, layered);
        List<String> events = new ArrayList<>();
        long[] firedAfter = {-1};
        long[] pendingAtFire = {-1};
        int[] added = {0};
        long start = System.nanoTime();
        top.setTimeouts(null, TIMEOUT);
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            if (firedAfter[0] < 0) {
                firedAfter[0] = msSince(start);
                pendingAtFire[0] = bottom.output().length();
                base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(300)); // a second one?
            }
        });
        top.write(data(61, tr == Transport.SOCKETS ? 1 << 20 : 4 << 10)); // more than the far end ever takes
        Event[] producer = new Event[1];
        producer[0] = base.newTimer((ev, w) -> {
            if (firedAfter[0] < 0) {
                top.write(new byte[] {'x'});
                added[0]++;
                producer[0].add(TRICKLE);
            }
        });
        producer[0].add(TRICKLE);
        base.newTimer((ev, w) -> base.loopBreak()).add(BOUND); // none at all
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("WRITING|TIMEOUT"), events, what(tr, layered) + ": the write timeout, while "
                + added[0] + " byte(s) were added one by one and " + bottom.output().length() + " stayed pending");
        assertTrue(pendingAtFire[0] > 0, "the bytes were stuck: " + pendingAtFire[0] + " pending");
        assertTrue(firedAfter[0] >= TIMEOUT.toMillis() - 10, "fired after only " + firedAfter[0] + " ms");
        top.close();
        t[1].close();
    }

    @Test
    void shouldTimeOutSocketWriteWhileProducerKeepsAddingToStuckPeer() throws IOException {
        shouldTimeOutWriteWhileProducerKeepsAdding(Transport.SOCKETS, false);
    }

    @Test
    void shouldTimeOutPairWriteWhileProducerKeepsAddingToStuckPartner() throws IOException {
        shouldTimeOutWriteWhileProducerKeepsAdding(Transport.PAIR, false);
    }

    @Test
    void shouldTimeOutFilterWriteWhileProducerKeepsAddingOverStuckSocket() throws IOException {
        shouldTimeOutWriteWhileProducerKeepsAdding(Transport.SOCKETS, true);
    }

    @Test
    void shouldTimeOutFilterWriteWhileProducerKeepsAddingOverStuckPair() throws IOException {
        shouldTimeOutWriteWhileProducerKeepsAdding(Transport.PAIR, true);
    }

    /**
     * The far end drains every 40 ms for 1.5 s (a few KiB over TCP, 256 bytes over a pair) while a producer keeps
     * adding: bytes keep leaving, so no timeout (1 s) however long that goes on; once the far end stops, exactly
     * one. The timeout is twice the longest scheduler pause a loaded CI inflicts (500 ms): a loop thread paused for
     * longer than the timeout sees no progress in that time, and its timeout would rightly fire.
     */
    private void shouldNotTimeOutWriteWhileFarEndKeepsTaking(Transport tr, boolean layered) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base, tr);
        BufferEvent top = timed(t[0], layered);
        BufferEvent far = t[1];
        Duration timeout = Duration.ofSeconds(1);
        List<String> events = new ArrayList<>();
        long[] drained = {0};
        boolean[] reading = {true};
        long[] stoppedAt = {0};
        long[] firedAfterStop = {-1};
        top.setTimeouts(null, timeout);
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons));
            firedAfterStop[0] = stoppedAt[0] == 0 ? -1 : msSince(stoppedAt[0]);
            base.loopBreak();
        });
        top.write(data(62, tr == Transport.SOCKETS ? 1 << 20 : 64 << 10)); // more than the far end takes in 1.5 s
        far.setWatermark(Ev.READ, 0, tr == Transport.SOCKETS ? KERNEL_BUFFER : PAIR_FAR_HIGH);
        far.enable(Ev.READ);
        Event[] tick = new Event[1];
        tick[0] = base.newTimer((ev, w) -> {
            if (reading[0]) {
                drained[0] += far.input().drain(far.input().length());
                top.write(new byte[] {'x'});
                tick[0].add(Duration.ofMillis(40));
            }
        });
        tick[0].add(Duration.ofMillis(40));
        base.newTimer((ev, w) -> {
            reading[0] = false; // the far end stops taking bytes: now they stall
            stoppedAt[0] = System.nanoTime();
            base.newTimer((e2, w2) -> base.loopBreak()).add(BOUND); // no timeout at all
        }).add(Duration.ofMillis(1500));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertTrue(drained[0] > 0, "the far end took nothing");
        assertEquals(List.of("WRITING|TIMEOUT"), events, what(tr, layered));
        assertTrue(firedAfterStop[0] >= 0, what(tr, layered) + ": the timeout fired while the bytes were still "
                + "moving (" + drained[0] + " taken)");
        top.close();
        far.close();
    }

    @Test
    void shouldNotTimeOutSocketWriteWhilePeerKeepsReading() throws IOException {
        shouldNotTimeOutWriteWhileFarEndKeepsTaking(Transport.SOCKETS, false);
    }

    @Test
    void shouldNotTimeOutPairWriteWhilePartnerKeepsReading() throws IOException {
        shouldNotTimeOutWriteWhileFarEndKeepsTaking(Transport.PAIR, false);
    }

    @Test
    void shouldNotTimeOutFilterWriteWhilePeerKeepsReadingOverSocket() throws IOException {
        shouldNotTimeOutWriteWhileFarEndKeepsTaking(Transport.SOCKETS, true);
    }

    @Test
    void shouldNotTimeOutFilterWriteWhilePartnerKeepsReadingOverPair() throws IOException {
        shouldNotTimeOutWriteWhileFarEndKeepsTaking(Transport.PAIR, true);
    }

    /**
     * The output is emptied without being sent (the user drains it): nothing is pending any more, so the write
     * timeout armed when the bytes were added must stop rather than fire.
     */
    private void shouldStopWriteTimeoutWhenOutputIsEmptiedUnsent(Transport tr) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base, tr);
        BufferEvent bev = t[0];
        List<String> events = new ArrayList<>();
        bev.setTimeouts(null, TIMEOUT);
        bev.setCallbacks(null, null, (b, reasons, cause) -> events.add(BevEvent.toString(reasons)));
        long[] dropped = {0};
        // added before the write arms the timeout, so it is due first however long the thread pauses in between
        base.newTimer((ev, w) -> dropped[0] = bev.output().drain(bev.output().length())).add(Duration.ofMillis(30));
        bev.write(data(63, tr == Transport.SOCKETS ? 1 << 20 : 7)); // the far end reads nothing
        base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(30).plus(TIMEOUT.multipliedBy(4)));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertTrue(dropped[0] > 0, "nothing was left to drop");
        assertEquals(List.of(), events, tr + ": no output was pending after " + dropped[0] + " byte(s) were dropped");
        bev.close();
        t[1].close();
    }

    @Test
    void shouldStopSocketWriteTimeoutWhenOutputIsEmptiedUnsent() throws IOException {
        shouldStopWriteTimeoutWhenOutputIsEmptiedUnsent(Transport.SOCKETS);
    }

    @Test
    void shouldStopPairWriteTimeoutWhenOutputIsEmptiedUnsent() throws IOException {
        shouldStopWriteTimeoutWhenOutputIsEmptiedUnsent(Transport.PAIR);
    }

    // ---------------------------------------------------------------------------------------------- read timeout

    /**
     * The timed end sends 1 byte every 50 ms, which the far end reads; the far end sends nothing. Bytes leaving
     * are no sign of life from the peer: the 100 ms read timeout, set once the first byte has arrived, must fire,
     * once.
     */
    private void shouldTimeOutReadWhileOnlySending(Transport tr, boolean layered) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base, tr);
        BufferEvent top = timed(t[0], layered);
        BufferEvent far = t[1];
        long[] taken = {0};
        far.setCallbacks(b -> taken[0] += b.input().drain(b.input().length()), null, null);
        far.enable(Ev.READ);
        List<String> events = new ArrayList<>();
        long[] firedAfter = {-1};
        long[] takenAtFire = {-1};
        long start = System.nanoTime();
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            if (firedAfter[0] < 0) {
                firedAfter[0] = msSince(start);
                takenAtFire[0] = taken[0];
                base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(300)); // a second one?
            }
        });
        top.enable(Ev.READ);
        Event[] producer = new Event[1];
        boolean[] armed = {false};
        producer[0] = base.newTimer((ev, w) -> {
            if (firedAfter[0] < 0) {
                if (!armed[0] && taken[0] > 0) {
                    // armed once bytes flow: a loop thread paused before the first one arrived would see the
                    // timeout expire with nothing sent yet, a true timeout but not the case this test is about
                    armed[0] = true;
                    top.setTimeouts(TIMEOUT, null);
                }
                top.write(new byte[] {'x'});
                producer[0].add(TRICKLE);
            }
        });
        producer[0].add(Duration.ZERO);
        base.newTimer((ev, w) -> base.loopBreak()).add(BOUND); // none at all
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("READING|TIMEOUT"), events, what(tr, layered) + ": the read timeout, while "
                + taken[0] + " byte(s) were sent and taken");
        assertTrue(takenAtFire[0] > 0, "the bytes sent did not arrive: " + takenAtFire[0]);
        assertTrue(firedAfter[0] >= TIMEOUT.toMillis() - 10, "fired after only " + firedAfter[0] + " ms");
        top.close();
        far.close();
    }

    @Test
    void shouldTimeOutSocketReadWhileOnlySending() throws IOException {
        shouldTimeOutReadWhileOnlySending(Transport.SOCKETS, false);
    }

    @Test
    void shouldTimeOutPairReadWhileOnlySending() throws IOException {
        shouldTimeOutReadWhileOnlySending(Transport.PAIR, false);
    }

    @Test
    void shouldTimeOutFilterReadWhileOnlySendingOverSocket() throws IOException {
        shouldTimeOutReadWhileOnlySending(Transport.SOCKETS, true);
    }

    @Test
    void shouldTimeOutFilterReadWhileOnlySendingOverPair() throws IOException {
        shouldTimeOutReadWhileOnlySending(Transport.PAIR, true);
    }

    /** An input filter that takes every byte and passes none on (keep-alive noise, a record never completed). */
    private static final class Swallow implements Filter {
        long swallowed;

        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            swallowed += src.drain(src.length());
            return FilterResult.OK;
        }
    }

    /**
     * Bytes keep arriving under a filter layer, 1 every 50 ms, but its input filter passes none of them on: the
     * layer's read timeout watches its own input (libevent restarts a filter's read timeout only when the filter
     * produced input), so it must fire, once. It is set once the first byte has arrived below.
     */
    private void shouldTimeOutLayerReadWhenNothingComesThrough(Transport tr) throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base, tr);
        Swallow swallow = new Swallow();
        BufferEvent top = FilterBufferEvent.create(t[0], swallow, null, BevOption.CLOSE_ON_FREE);
        BufferEvent far = t[1];
        List<String> events = new ArrayList<>();
        long[] firedAfter = {-1};
        long[] swallowedAtFire = {-1};
        long start = System.nanoTime();
        top.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            if (firedAfter[0] < 0) {
                firedAfter[0] = msSince(start);
                swallowedAtFire[0] = swallow.swallowed;
                base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(300)); // a second one?
            }
        });
        top.enable(Ev.READ);
        Event[] producer = new Event[1];
        boolean[] armed = {false};
        producer[0] = base.newTimer((ev, w) -> {
            if (firedAfter[0] < 0) {
                if (!armed[0] && swallow.swallowed > 0) {
                    armed[0] = true; // once bytes arrive below (see shouldTimeOutReadWhileOnlySending)
                    top.setTimeouts(TIMEOUT, null);
                }
                far.write(new byte[] {'x'});
                producer[0].add(TRICKLE);
            }
        });
        producer[0].add(Duration.ZERO);
        base.newTimer((ev, w) -> base.loopBreak()).add(BOUND); // none at all
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(20));
        assertEquals(List.of("READING|TIMEOUT"), events, tr + ": the layer's read timeout, while "
                + swallow.swallowed + " byte(s) arrived below it and none came through");
        assertTrue(swallowedAtFire[0] > 0, "no bytes arrived below the layer: " + swallowedAtFire[0]);
        assertTrue(firedAfter[0] >= TIMEOUT.toMillis() - 10, "fired after only " + firedAfter[0] + " ms");
        top.close();
        far.close();
    }

    @Test
    void shouldTimeOutLayerReadWhenNothingComesThroughOverSocket() throws IOException {
        shouldTimeOutLayerReadWhenNothingComesThrough(Transport.SOCKETS);
    }

    @Test
    void shouldTimeOutLayerReadWhenNothingComesThroughOverPair() throws IOException {
        shouldTimeOutLayerReadWhenNothingComesThrough(Transport.PAIR);
    }
}
