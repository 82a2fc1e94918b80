package io.jevent.examples;

import io.jevent.filter.TokenBucketConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code --rate} builds and what the banner says about it. */
class ChainSpecTest {

    @Test
    void shouldLimitToTheRateTheBannerShowsForRatesUnderOneTickPerByte() {
        for (long rate : new long[] {1, 19, 1000, 1001, 1 << 20}) {
            ChainSpec spec = ChainSpec.of((javax.net.ssl.SSLContext) null, null, false, rate);
            TokenBucketConfig c = spec.bucket();
            assertEquals(rate, c.writeRate(), c.toString());
            assertEquals(rate, c.readRate(), c.toString());
            assertEquals(Duration.ofSeconds(1), c.ratePeriod(), c.toString());
            assertTrue(spec.toString().contains("rateLimit[" + rate + " B/s]"), spec.toString());
        }
    }
}
