package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntToLongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits measured over a 5 s window against real peers (a python3 reader, or echo connections on the same
 * loop). Time-based by nature, so each takes about 7 s: they run on one backend only (epoll, see
 * {@link EpollFilterTest}), because the token buckets live above the backend (the engine only asks for a quota), and
 * three copies would add 24 s to a 2-core CI run for no extra coverage; {@link RateLimitConformance} checks the
 * suspend/resume plumbing on every backend in well under a second each.
 *
 * <p>The window is kept by a {@link RateWindow} on the loop: it opens a warm-up after the connections are made (so
 * connection set-up and the initial bucket do not count) and discounts the time the loop thread was not running
 * beyond what the bucket's burst carries over, because a bucket keeps at most its burst through such a pause and the
 * rest of the pause's tokens are lost by design (libevent's buckets do the same). On a loaded 2-core CI the loop
 * thread is descheduled for 200-500 ms at times; before this, one such pause made a group total 10 % short.
 */
public abstract class RateLimitTimingSuite extends FilterTestSupport {
    private static final Duration WARM_UP = Duration.ofSeconds(1);
    private static final Duration WINDOW = Duration.ofSeconds(5);
    private static final int CHUNK = 256 << 10;

    /**
     * A measurement window in the loop's own time, for counters that grow as a token bucket lets bytes through.
     * A 10 ms heartbeat on the loop sees every pause of the loop thread. A pause longer than {@code carried} (the
     * bucket's burst over its rate: the time whose tokens a full bucket holds) loses the tokens of the excess; that
     * excess is left out of the window's length. Each edge is placed at a heartbeat that follows 500 ms without a
     * pause, so that no burst caught up after a pause straddles an edge. Loop thread only.
     */
    static final class RateWindow {
        private static final long BEAT = TimeUnit.MILLISECONDS.toNanos(10);
        /** A gap between heartbeats longer than this is a pause. */
        private static final long PAUSE = TimeUnit.MILLISECONDS.toNanos(50);
        /** How long without a pause before an edge may be placed. */
        private static final long STEADY = TimeUnit.MILLISECONDS.toNanos(500);

        private final IntToLongFunction counter;
        private final long[] atStart;
        private final long[] atEnd;
        private final long carried;
        private final long length;
        private final Runnable onClose;
        private final Event beat;
        private long openAt = Long.MAX_VALUE;
        private long last;
        private long lastPauseEnd;
        private long start = -1;
        private long end = -1;
        private long lost;
        private int pauses;
        private long longestPause;

        /**
         * @param n how many counters
         * @param counter counter {@code i}'s current value
         * @param carried the time whose tokens the bucket carries through a pause (burst / rate)
         * @param onClose run on the loop once the window has closed
         */
        RateWindow(EventBase base, int n, IntToLongFunction counter, Duration carried, Duration length,
                   Runnable onClose) {
            this.counter = counter;
            this.atStart = new long[n];
            this.atEnd = new long[n];
            this.carried = carried.toNanos();
            this.length = length.toNanos();
            this.onClose = onClose;
            this.last = System.nanoTime();
            this.lastPauseEnd = last;
            this.beat = base.newEvent(null, Ev.PERSIST, (ev, w) -> beat());
            beat.add(BEAT, TimeUnit.NANOSECONDS);
        }

        /** Opens the window at the first steady heartbeat {@code warmUp} from now. */
        void openAfter(Duration warmUp) {
            openAt = System.nanoTime() + warmUp.toNanos();
        }

        private void beat() {
            long now = System.nanoTime();
            long gap = now - last;
            last = now;
            if (gap > PAUSE) {
                lastPauseEnd = now;
            }
            if (start >= 0 && gap > carried) {
                lost += gap - carried; // the tokens of this part of the pause did not fit the bucket
                pauses++;
            }
            if (start >= 0) {
                longestPause = Math.max(longestPause, gap);
            }
            boolean steady = now - lastPauseEnd >= STEADY;
            if (start < 0 && now >= openAt && steady) {
                start = now;
                snapshot(atStart);
            } else if (start >= 0 && now - start >= length && steady) {
                end = now;
                snapshot(atEnd);
                beat.close();
                onClose.run();
            }
        }

        private void snapshot(long[] into) {
            for (int i = 0; i < into.length; i++) {
                into[i] = counter.applyAsLong(i);
            }
        }

        boolean closed() {
            return end >= 0;
        }

        /** Seconds the buckets were granting tokens in the window: its length less the time lost to pauses. */
        double seconds() {
            return (end - start - lost) / 1e9;
        }

        /** What counter {@code i} grew by per {@link #seconds()}. */
        double perSecond(int i) {
            return (atEnd[i] - atStart[i]) / seconds();
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "window %.2f s, %d pause(s) past the %d ms a bucket carries"
                    + " (%.2f s lost, longest gap %d ms)", (end - start) / 1e9, pauses, carried / 1_000_000,
                    lost / 1e9, longestPause / 1_000_000);
        }
    }

    /**
     * Connects {@code n} writers to the python reader, each keeping its output full, and measures what each hands
     * to the kernel per second over the window; returns the rates, after logging the reader's own count.
     */
    private double[] measure(int n, Duration carried, java.util.function.Consumer<BufferEvent> limit,
                             List<String> report) throws Exception {
        Peers.assumePython();
        EventBase base = newBase();
        // the reader reads until every writer has closed (60 s at most), counting from the first byte
        try (Peers.Running reader = new Peers.Running(Peers.python("rate-reader", String.valueOf(n), "0", "60"))) {
            int port = Integer.parseInt(reader.line("PORT", 20).substring(5).trim());
            byte[] chunk = data(1, CHUNK);
            List<String> problems = new ArrayList<>();
            List<BufferEvent> writers = new ArrayList<>();
            long[] added = new long[n];
            int[] connected = {0};
            RateWindow window = new RateWindow(base, n, i -> added[i] - writers.get(i).output().length(), carried,
                    WINDOW, () -> {
                        for (BufferEvent b : writers) {
                            b.close();
                        }
                        base.loopBreak();
                    });
            for (int i = 0; i < n; i++) {
                int k = i;
                SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
                writers.add(bev);
                bev.setWatermark(Ev.WRITE, CHUNK / 2, 0);
                bev.setCallbacks(b -> b.input().drain(b.input().length()), b -> {
                    b.write(chunk); // the output drained to the low watermark: top it up
                    added[k] += chunk.length;
                }, (b, reasons, cause) -> {
                    if (reasons == BevEvent.CONNECTED) {
                        if (++connected[0] == n) {
                            window.openAfter(WARM_UP);
                        }
                        return;
                    }
                    problems.add("writer " + k + ": " + BevEvent.toString(reasons) + " " + cause);
                    base.loopBreak();
                });
                limit.accept(bev);
                bev.enable(Ev.READ | Ev.WRITE);
                bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                bev.write(chunk);
                added[k] += chunk.length;
            }
            loopWithin(base, 0, WARM_UP.plus(WINDOW).plusSeconds(30));
            // a completion engine closes a descriptor once the cancels of its operations complete, in the next passes
            long settle = System.nanoTime() + 5_000_000_000L;
            while (base.completionEngine() != null && base.completionEngine().inFlight() > 0
                    && System.nanoTime() < settle) {
                base.loop(io.jevent.LoopFlag.NONBLOCK);
            }
            assertEquals(List.of(), problems);
            assertTrue(window.closed(), "the window did not close: " + window);
            String json = reader.line("{", 20);
            report.add(json);
            report.add(window.toString());
            org.slf4j.LoggerFactory.getLogger(RateLimitTimingSuite.class).info("[{}] {} writer(s): {}; the reader"
                    + " counted {}", backendName(), n, window, json);
            double[] rates = new double[n];
            for (int i = 0; i < n; i++) {
                rates[i] = window.perSecond(i);
            }
            return rates;
        }
    }

    /**
     * libevent's {@code test-ratelim -g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-stddev 100}: 30 echo
     * connections in one group of 30,000 B/s (3,000 per 100 ms tick, burst 4 ticks) limiting both their reading and
     * their writing, each client keeping at least 8 KiB in flight and counting what comes back. The group total
     * must be 30,000 +- 1,000 B/s and the standard deviation of the per-client rates at most 100 B/s. libevent
     * counts from the start; here the 5 s window opens 1 s after the last client connected, so a cold JVM's slow
     * first round trips do not count (the first tick's sharing is checked exactly by
     * {@link RateLimitConformance}), and pauses of the loop beyond the 400 ms the burst carries are left out.
     */
    @Test
    void shouldShareThirtyKiloBytesPerSecondGroupEvenlyAmongThirtyEchoConnections() throws IOException {
        List<String> window = new ArrayList<>();
        double[] perSecond = groupEcho(30, TokenBucketConfig.perTick(3000, 12000, 3000, 12000,
                Duration.ofMillis(100)), Duration.ofMillis(400), window);
        double total = 0;
        for (double r : perSecond) {
            total += r;
        }
        double mean = total / perSecond.length;
        double sq = 0;
        for (double r : perSecond) {
            sq += (r - mean) * (r - mean);
        }
        double stddev = Math.sqrt(sq / perSecond.length);
        String report = String.format(java.util.Locale.ROOT, "total %.0f B/s, stddev %.1f B/s, per client %s; %s",
                total, stddev, java.util.Arrays.toString(java.util.Arrays.stream(perSecond).mapToLong(Math::round)
                        .toArray()), window.get(0));
        org.slf4j.LoggerFactory.getLogger(RateLimitTimingSuite.class).info("[{}] group of 30: {}", backendName(),
                report);
        assertTrue(Math.abs(total - 30_000) <= 1_000, "group total off by more than 1,000 B/s: " + report);
        assertTrue(stddev <= 100, "members' rates spread by more than 100 B/s: " + report);
    }

    /**
     * Runs {@code n} echo connections whose server ends are in one group of {@code cfg}; returns what each client
     * received per second over a {@link RateWindow} that opens {@link #WARM_UP} after the last one connected, and
     * adds the window's description to {@code report}.
     */
    private double[] groupEcho(int n, TokenBucketConfig cfg, Duration carried, List<String> report)
            throws IOException {
        EventBase base = newBase();
        RateLimitGroup[] group = {null};
        List<BufferEvent> servers = new ArrayList<>();
        Listener listener = Listener.bind(base, loopback0(), Listener.REUSEADDR, (l, h) -> {
            if (group[0] == null) {
                // made as the first member arrives, as a server making a group per client network would: the
                // others join during its first tick, when its bucket is full
                group[0] = RateLimitGroup.create(base, cfg);
            }
            SocketBufferEvent s = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            servers.add(s);
            s.setCallbacks(b -> {
                b.output().addBuffer(b.input());
                if (b.output().length() > 1_024_000) {
                    b.disable(Ev.READ);
                }
            }, b -> {
                if (b.output().length() < 512_000) {
                    b.enable(Ev.READ);
                }
            }, (b, reasons, cause) -> b.close());
            group[0].add(s);
            s.enable(Ev.READ | Ev.WRITE);
        });
        long[] received = new long[n];
        RateWindow window = new RateWindow(base, n, i -> received[i], carried, WINDOW, base::loopBreak);
        int[] connected = {0};
        byte[] noise = data(7, 1024);
        List<BufferEvent> clients = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i;
            SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            BufferEvent.DataCallback loud = b -> {
                while (b.output().length() < 8192) {
                    b.write(noise);
                }
            };
            c.setCallbacks(b -> received[k] += b.input().drain(b.input().length()), loud, (b, reasons, cause) -> {
                if (reasons == BevEvent.CONNECTED) {
                    loud.onData(b);
                    if (++connected[0] == n) {
                        window.openAfter(WARM_UP);
                    }
                } else {
                    b.close();
                }
            });
            c.enable(Ev.READ | Ev.WRITE);
            c.connect(listener.localAddress());
            clients.add(c);
        }
        loopWithin(base, 0, WARM_UP.plus(WINDOW).plusSeconds(30));
        listener.close();
        for (BufferEvent b : clients) {
            b.close();
        }
        for (BufferEvent b : servers) {
            b.close();
        }
        group[0].close();
        assertTrue(window.closed(), "the window did not close: " + window);
        report.add(window.toString());
        double[] perSecond = new double[n];
        for (int i = 0; i < n; i++) {
            perSecond[i] = window.perSecond(i);
        }
        return perSecond;
    }

    /** One writer limited to 200 KiB/s, burst 20 KiB (100 ms of tokens carried through a pause). */
    @Test
    void shouldHold200KiBPerSecondWriteLimitWithinFivePercentAgainstPythonReader() throws Exception {
        long rate = 200 << 10;
        List<String> report = new ArrayList<>();
        double measured = measure(1, Duration.ofMillis(100), bev -> RateLimits.set(bev, TokenBucketConfig.perSecond(
                TokenBucketConfig.UNLIMITED, 0, rate, rate / 10)), report)[0];
        assertTrue(Math.abs(measured - rate) <= 0.05 * rate,
                String.format("measured %.0f B/s against a limit of %d B/s (%+.1f %%): %s", measured, rate,
                        100 * (measured - rate) / rate, report));
    }

    /** Ten writers in a group of 1 MiB/s, burst 100 KiB (100 ms of tokens carried through a pause). */
    @Test
    void shouldShareOneMiBPerSecondFairlyAmongTenConnections() throws Exception {
        long rate = 1 << 20;
        RateLimitGroup[] group = new RateLimitGroup[1];
        List<String> report = new ArrayList<>();
        double[] per = measure(10, Duration.ofMillis(100), bev -> {
            if (group[0] == null) {
                group[0] = RateLimitGroup.create(bev.base(), TokenBucketConfig.perSecond(
                        TokenBucketConfig.UNLIMITED, 0, rate, rate / 10));
            }
            group[0].add(bev);
        }, report);
        double total = 0;
        for (double r : per) {
            total += r;
        }
        String shown = String.format(java.util.Locale.ROOT, "per member %s; %s", java.util.Arrays.toString(
                java.util.Arrays.stream(per).mapToLong(Math::round).toArray()), report);
        assertTrue(Math.abs(total - rate) <= 0.05 * rate, String.format("group total %.0f B/s against %d B/s"
                + " (%+.1f %%): %s", total, rate, 100 * (total - rate) / rate, shown));
        double fair = total / per.length;
        for (int i = 0; i < per.length; i++) {
            assertTrue(per[i] >= fair / 2, String.format("member %d got %.0f B/s, under half its fair share %.0f: %s",
                    i, per[i], fair, shown));
        }
        assertEquals(0, group[0].size(), "closed members leave the group");
        assertTrue(group[0].totalWritten() >= Peers.num(report.get(0), "total"), "the reader got more than the group"
                + " wrote: " + group[0].totalWritten() + " < " + report.get(0));
        group[0].close();
    }
}
