package io.jevent.examples;

import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.conformance.ConformanceBase;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.LongSupplier;

/** Shared plumbing for the example suites, which run once per backend. */
abstract class ExamplesTestSupport extends ConformanceBase {
    /** Bytes one socket read may bring in: {@code jevent.bufferevent.maxRead}'s default. */
    static final long ONE_READ = Long.getLong("jevent.bufferevent.maxRead", 128 * 1024);

    static SocketAddress loopback0() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /**
     * Runs {@code then} on the loop once {@code progress} has not changed for {@code quiet} (checked every 10 ms
     * by a loop timer): the flow has stalled, held back by backpressure.
     */
    static void whenStalled(EventBase base, LongSupplier progress, Duration quiet, Runnable then) {
        long ticksNeeded = Math.max(1, quiet.toMillis() / 10);
        long[] last = {-1};
        long[] still = {0};
        Event[] timer = new Event[1];
        timer[0] = base.newEvent(null, io.jevent.Ev.PERSIST, (ev, what) -> {
            long now = progress.getAsLong();
            if (now == last[0]) {
                if (++still[0] >= ticksNeeded) {
                    timer[0].close();
                    then.run();
                }
            } else {
                last[0] = now;
                still[0] = 0;
            }
        });
        timer[0].add(Duration.ofMillis(10));
    }
}
