package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate-limit plumbing on the backend under test: suspension when a bucket is empty and resumption by the refill
 * timer, for reading, writing, groups and the filter layer. Short transfers with loose time bounds (the accurate
 * measurements are in {@link RateLimitTimingSuite}).
 */
public abstract class RateLimitConformance extends FilterTestSupport {
    private static final long RATE = 1 << 20; // 1 MiB/s
    private static final int BYTES = 400 << 10; // ~0.35 s at RATE after the first tick's worth

    private static void assertPaced(long nanos, String what) {
        double s = nanos / 1e9;
        // (BYTES - one tick's 52 KiB) / RATE = 0.34 s; allow scheduling slack above, nothing much below
        assertTrue(s >= 0.30 && s < 5, what + " took " + s + " s; a 1 MiB/s limit needs at least 0.34 s");
    }

    /** Sends BYTES from {@code sender}; {@code reader}, rate-limited, must take at least the paced time. */
    private static void readPaced(EventBase base, BufferEvent sender, BufferEvent reader, long seed, String what) {
        byte[] payload = data(seed, BYTES);
        byte[] got = new byte[BYTES];
        int[] have = {0};
        reader.setCallbacks(b -> {
            have[0] += b.read(got, have[0], BYTES - have[0]);
            if (have[0] == BYTES) {
                base.loopBreak();
            }
        }, null, null);
        reader.enable(Ev.READ);
        long t0 = System.nanoTime();
        sender.write(payload);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertPaced(System.nanoTime() - t0, what);
        assertArrayEquals(payload, got);
    }

    @Test
    void shouldPaceReadingWithOwnTokenBucket() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        RateLimits.set(tcp[1], TokenBucketConfig.perSecond(RATE, RATE / 20, TokenBucketConfig.UNLIMITED, 0));
        readPaced(base, tcp[0], tcp[1], 3, "reading");
        RateLimits.set(tcp[1], null);
        assertNull(tcp[1].rateLimiter(), "removing the only limit drops the limiter");
        tcp[0].close();
        tcp[1].close();
    }

    @Test
    void shouldPaceReadingOfFilterLayerWithItsOwnTokenBucket() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        io.jevent.bufferevent.FilterBufferEvent layer =
                io.jevent.bufferevent.FilterBufferEvent.create(tcp[1], null, null, 0);
        RateLimits.set(layer, TokenBucketConfig.perSecond(RATE, RATE / 20, TokenBucketConfig.UNLIMITED, 0));
        readPaced(base, tcp[0], layer, 4, "reading through a filter layer");
        layer.close();
        tcp[0].close();
        tcp[1].close();
    }

    @Test
    void shouldPaceWritingThroughGroupAndResumeAfterLeaving() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        RateLimitGroup g = RateLimitGroup.create(base, TokenBucketConfig.perSecond(TokenBucketConfig.UNLIMITED, 0,
                RATE, RATE / 20));
        g.add(tcp[0]);
        assertEquals(1, g.size());
        byte[] payload = data(4, BYTES);
        long[] have = {0};
        tcp[1].setCallbacks(b -> {
            have[0] += b.input().drain(b.input().length());
            if (have[0] == BYTES) {
                base.loopBreak();
            }
        }, null, null);
        tcp[1].enable(Ev.READ);
        long t0 = System.nanoTime();
        tcp[0].write(payload);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertPaced(System.nanoTime() - t0, "writing in a group");
        assertEquals(BYTES, g.totalWritten());
        // leaving the group lifts its limit at once
        g.remove(tcp[0]);
        assertEquals(0, tcp[0].writeSuspendReasons() & BufferEvent.SUSPEND_GROUP);
        have[0] = 0;
        long t1 = System.nanoTime();
        tcp[0].write(payload);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertTrue(System.nanoTime() - t1 < 300_000_000L, "unlimited again after leaving the group");
        g.close();
        tcp[0].close();
        tcp[1].close();
    }

    /**
     * Members that join a group after it was made, within its first tick, share that tick's tokens equally: each of
     * 10 writers with 5,000 bytes to send gets 1,000 of the 10,000, not the first one the whole bucket. The tick is
     * 30 s long, so the whole test runs inside it.
     */
    @Test
    void shouldShareTheTickAmongMembersThatJoinedAfterTheGroupWasMade() throws IOException {
        EventBase base = newBase();
        int n = 10;
        RateLimitGroup g = RateLimitGroup.create(base, TokenBucketConfig.perTick(TokenBucketConfig.UNLIMITED, 0,
                10_000, 10_000, Duration.ofSeconds(30)));
        long[] got = new long[n];
        List<SocketBufferEvent> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            SocketBufferEvent[] tcp = tcpPair(base);
            int k = i;
            tcp[1].setCallbacks(b -> got[k] += b.input().drain(b.input().length()), null, null);
            tcp[1].enable(Ev.READ);
            g.add(tcp[0]);
            all.add(tcp[0]);
            all.add(tcp[1]);
        }
        for (int i = 0; i < n; i++) {
            all.get(2 * i).write(data(i, 5_000));
        }
        loopUntilQuiet(base, () -> java.util.Arrays.stream(got).sum(), Duration.ofMillis(300), Duration.ofSeconds(10));
        for (int i = 0; i < n; i++) {
            assertEquals(1_000, got[i], "writer " + i + " of " + n + " in a 10,000-token tick: "
                    + java.util.Arrays.toString(got));
        }
        assertEquals(10_000, g.totalWritten());
        g.close();
        for (SocketBufferEvent b : all) {
            b.close();
        }
    }

    /** Runs the loop until {@code progress} has not changed for {@code quiet}, failing after {@code limit}. */
    private static void loopUntilQuiet(EventBase base, java.util.function.LongSupplier progress, Duration quiet,
                                       Duration limit) {
        long[] last = {-1, System.nanoTime()};
        io.jevent.Event[] check = new io.jevent.Event[1];
        check[0] = base.newEvent(null, Ev.PERSIST, (ev, what) -> {
            long now = progress.getAsLong();
            if (now != last[0]) {
                last[0] = now;
                last[1] = System.nanoTime();
            } else if (System.nanoTime() - last[1] >= quiet.toNanos()) {
                check[0].close();
                base.loopBreak();
            }
        });
        check[0].add(Duration.ofMillis(20));
        loopWithin(base, 0, limit);
    }

    @Test
    void shouldPaceEchoThroughRateLimitFilterLayer() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent client = Filters.rateLimit(tcp[0], TokenBucketConfig.perSecond(RATE, RATE / 20),
                BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(tcp[1], problems);
        byte[] payload = data(5, BYTES);
        long t0 = System.nanoTime();
        byte[] got = roundTrip(base, client, payload, Duration.ofSeconds(10), problems);
        assertEquals(List.of(), problems);
        assertPaced(System.nanoTime() - t0, "echo through the rate-limit layer");
        assertArrayEquals(payload, got);
        client.close();
        assertTrue(tcp[0].isClosed());
    }
}
