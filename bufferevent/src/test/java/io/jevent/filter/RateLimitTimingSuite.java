package io.jevent.filter;

import io.jevent.Ev;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rate limits measured by a real peer (python3) over a 5 s window. Time-based by nature, so each takes about 6 s:
 * they run on one backend only (epoll, see {@link EpollFilterTest}), because the token buckets live above the
 * backend (the engine only asks for a quota), and three copies would add 24 s to a 2-core CI run for no extra
 * coverage; {@link RateLimitConformance} checks the suspend/resume plumbing on every backend in well under a
 * second each. The peer measures from its first byte + 0.5 s warm-up over a 5 s window, so connection set-up and
 * the initial bucket do not count.
 */
public abstract class RateLimitTimingSuite extends FilterTestSupport {
    private static final double WINDOW = 5.0;
    private static final int CHUNK = 256 << 10;

    /** Connects {@code n} writers to the python reader, each keeping its output full, and returns the JSON. */
    private String measure(int n, java.util.function.Consumer<BufferEvent> limit) throws Exception {
        Peers.assumePython();
        EventBase base = newBase();
        try (Peers.Running reader = new Peers.Running(Peers.python("rate-reader", String.valueOf(n), "0.5",
                String.valueOf(WINDOW)))) {
            int port = Integer.parseInt(reader.line("PORT", 20).substring(5).trim());
            byte[] chunk = data(1, CHUNK);
            List<String> problems = new ArrayList<>();
            int[] open = {n};
            for (int i = 0; i < n; i++) {
                SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
                bev.setWatermark(Ev.WRITE, CHUNK / 2, 0);
                bev.setCallbacks(b -> b.input().drain(b.input().length()),
                        b -> b.write(chunk), // the output drained to the low watermark: top it up
                        (b, reasons, cause) -> {
                            if (reasons == BevEvent.CONNECTED) {
                                return;
                            }
                            b.close(); // the reader closed after its window (EOF, or EPIPE/ECONNRESET)
                            if (--open[0] == 0) {
                                base.loopBreak();
                            }
                        });
                limit.accept(bev);
                bev.enable(Ev.READ | Ev.WRITE);
                bev.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                bev.write(chunk);
            }
            loopWithin(base, 0, Duration.ofSeconds(30));
            assertEquals(List.of(), problems);
            String json = reader.line("{", 20);
            org.slf4j.LoggerFactory.getLogger(RateLimitTimingSuite.class).info("[{}] {} writer(s): {}", backendName(), n, json);
            return json;
        }
    }

    /**
     * libevent's {@code test-ratelim -g 30000 -n 30 -t 100 --check-grouplimit 1000 --check-stddev 100}: 30 echo
     * connections in one group of 30,000 B/s (3,000 per 100 ms tick, burst 4 ticks) limiting both their reading and
     * their writing, each client keeping at least 8 KiB in flight and counting what comes back. The group total
     * must be 30,000 +- 1,000 B/s and the standard deviation of the per-client rates at most 100 B/s. libevent
     * counts from the start; here the 5 s window opens 1 s after the last client connected, so a cold JVM's slow
     * first round trips do not count (the first tick's sharing is checked exactly by
     * {@link RateLimitConformance}).
     */
    @Test
    void shouldShareThirtyKiloBytesPerSecondGroupEvenlyAmongThirtyEchoConnections() throws IOException {
        double[] perSecond = groupEcho(30, Duration.ofSeconds(1), 5, TokenBucketConfig.perTick(3000, 12000, 3000,
                12000, Duration.ofMillis(100)));
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
        String report = String.format(java.util.Locale.ROOT, "total %.0f B/s, stddev %.1f B/s, per client %s",
                total, stddev, java.util.Arrays.toString(java.util.Arrays.stream(perSecond).mapToLong(Math::round)
                        .toArray()));
        org.slf4j.LoggerFactory.getLogger(RateLimitTimingSuite.class).info("[{}] group of 30: {}", backendName(),
                report);
        assertTrue(Math.abs(total - 30_000) <= 1_000, "group total off by more than 1,000 B/s: " + report);
        assertTrue(stddev <= 100, "members' rates spread by more than 100 B/s: " + report);
    }

    /**
     * Runs {@code n} echo connections whose server ends are in one group of {@code cfg}; returns what each client
     * received per second in a window of about {@code seconds} that opens {@code warmUp} after the last one connected.
     */
    private double[] groupEcho(int n, Duration warmUp, int seconds, TokenBucketConfig cfg) throws IOException {
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
        long[] atStart = new long[n];
        long[] atEnd = new long[n];
        long[] windowNanos = new long[2];
        int[] connected = {0};
        Runnable window = () -> base.once(null, Ev.TIMEOUT, warmUp, (e1, w1) -> {
            System.arraycopy(received, 0, atStart, 0, n);
            windowNanos[0] = System.nanoTime();
            base.once(null, Ev.TIMEOUT, Duration.ofSeconds(seconds), (e2, w2) -> {
                System.arraycopy(received, 0, atEnd, 0, n);
                windowNanos[1] = System.nanoTime(); // the timer may fire late: rates are per second actually passed
                base.loopBreak();
            });
        });
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
                        window.run();
                    }
                } else {
                    b.close();
                }
            });
            c.enable(Ev.READ | Ev.WRITE);
            c.connect(listener.localAddress());
            clients.add(c);
        }
        loopWithin(base, 0, warmUp.plusSeconds(seconds + 20));
        listener.close();
        for (BufferEvent b : clients) {
            b.close();
        }
        for (BufferEvent b : servers) {
            b.close();
        }
        group[0].close();
        double[] perSecond = new double[n];
        for (int i = 0; i < n; i++) {
            perSecond[i] = (atEnd[i] - atStart[i]) / ((windowNanos[1] - windowNanos[0]) / 1e9);
        }
        return perSecond;
    }

    @Test
    void shouldHold200KiBPerSecondWriteLimitWithinFivePercentAgainstPythonReader() throws Exception {
        long rate = 200 << 10;
        String json = measure(1, bev -> RateLimits.set(bev, TokenBucketConfig.perSecond(
                TokenBucketConfig.UNLIMITED, 0, rate, rate / 10)));
        double measured = Peers.num(json, "total") / WINDOW;
        assertTrue(Math.abs(measured - rate) <= 0.05 * rate,
                String.format("measured %.0f B/s against a limit of %d B/s (%+.1f %%): %s", measured, rate,
                        100 * (measured - rate) / rate, json));
    }

    @Test
    void shouldShareOneMiBPerSecondFairlyAmongTenConnections() throws Exception {
        long rate = 1 << 20;
        EventBase[] baseHolder = new EventBase[1];
        RateLimitGroup[] group = new RateLimitGroup[1];
        String json = measure(10, bev -> {
            if (group[0] == null) {
                group[0] = RateLimitGroup.create(bev.base(), TokenBucketConfig.perSecond(
                        TokenBucketConfig.UNLIMITED, 0, rate, rate / 10));
            }
            group[0].add(bev);
        });
        double total = Peers.num(json, "total") / WINDOW;
        long[] per = Peers.nums(json, "per");
        assertTrue(Math.abs(total - rate) <= 0.05 * rate,
                String.format("group total %.0f B/s against %d B/s (%+.1f %%): %s", total, rate,
                        100 * (total - rate) / rate, json));
        double fair = total / per.length;
        for (int i = 0; i < per.length; i++) {
            double got = per[i] / WINDOW;
            assertTrue(got >= fair / 2, String.format("member %d got %.0f B/s, under half its fair share %.0f: %s",
                    i, got, fair, json));
        }
        assertEquals(0, group[0].size(), "closed members leave the group");
        assertTrue(group[0].totalWritten() >= Peers.num(json, "total"), "group total " + group[0].totalWritten());
        group[0].close();
    }
}
