package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

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
