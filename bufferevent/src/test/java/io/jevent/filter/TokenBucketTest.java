package io.jevent.filter;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TokenBucketConfig} and {@link TokenBucket} on a simulated clock: the rates a configuration is made with are
 * the rates its bucket grants, for every rate a {@code long} can hold. (The random sequences against a model are in
 * {@link TokenBucketPropertiesTest}.)
 */
class TokenBucketTest {
    private static final long T0 = 1_000_000_000_000L;

    /**
     * Drains the bucket completely at every tick for {@code seconds} simulated seconds and returns the read tokens it
     * granted, the initial fill included.
     */
    static long grantedWhileDraining(TokenBucketConfig cfg, int seconds) {
        TokenBucket b = new TokenBucket(cfg, T0);
        long tick = cfg.tick().toNanos();
        long granted = 0;
        long ticks = Duration.ofSeconds(seconds).toNanos() / tick;
        for (long i = 0; i < ticks; i++) {
            b.refill(T0 + i * tick);
            long have = b.tokens(TokenBucket.READ);
            granted += have;
            b.take(TokenBucket.READ, have);
        }
        return granted;
    }

    @Test
    void shouldGrantNineteenBytesPerSecondWhenConfiguredPerSecond() {
        TokenBucketConfig cfg = TokenBucketConfig.perSecond(19, 1, TokenBucketConfig.UNLIMITED, 0);
        assertEquals(190, grantedWhileDraining(cfg, 10), "10 s at 19 B/s, " + cfg);
        TokenBucketConfig one = TokenBucketConfig.perSecond(1, 1, TokenBucketConfig.UNLIMITED, 0);
        assertEquals(10, grantedWhileDraining(one, 10), "10 s at 1 B/s, " + one);
    }

    @Test
    void shouldGrantRatesPastLongMaxOverFiftyWithoutOverflow() {
        long rate = Long.MAX_VALUE / 50 + 1; // rate * 50 overflows
        TokenBucketConfig cfg = TokenBucketConfig.perSecond(rate, 0, TokenBucketConfig.UNLIMITED, 0);
        assertEquals(3 * rate, grantedWhileDraining(cfg, 3), cfg.toString());
        long huge = Long.MAX_VALUE - 1;
        TokenBucketConfig max = TokenBucketConfig.perSecond(huge, huge, TokenBucketConfig.UNLIMITED, 0);
        assertEquals(huge, grantedWhileDraining(max, 1), max.toString());
    }

    @Test
    void shouldReportTheRateTheBucketGrants() {
        for (long rate : new long[] {1, 19, 20, 21, 1001, 200 << 10, Long.MAX_VALUE / 50 + 1}) {
            TokenBucketConfig cfg = TokenBucketConfig.perSecond(rate, 0);
            assertEquals(Duration.ofSeconds(1), cfg.ratePeriod(), cfg.toString());
            assertEquals(rate, cfg.readRate(), cfg.toString());
            assertEquals(rate, cfg.writeRate(), cfg.toString());
            assertEquals(5 * rate, grantedWhileDraining(cfg, 5), cfg.toString());
            assertTrue(cfg.toString().contains("read " + rate + " per PT1S"), cfg.toString());
        }
        TokenBucketConfig perTick = TokenBucketConfig.perTick(7, 20, 7, 20, Duration.ofMillis(100));
        assertEquals(Duration.ofMillis(100), perTick.ratePeriod());
        assertEquals(70, grantedWhileDraining(perTick, 1));
    }

    @Test
    void shouldRejectTickPastTheLimitWithIllegalArgumentSayingWhatToChange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenBucketConfig.perTick(1, 1, 1, 1, Duration.ofSeconds(Long.MAX_VALUE)));
        assertTrue(e.getMessage().contains("tick") && e.getMessage().contains("at most"), e.getMessage());
        IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
                () -> TokenBucketConfig.perTick(1, 1, 1, 1, Duration.ofNanos(999_999)));
        assertTrue(small.getMessage().contains("at least 1 ms"), small.getMessage());
    }

    @Test
    void shouldRejectRatesBelowOneWithMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenBucketConfig.perSecond(0, 10));
        assertTrue(e.getMessage().contains("UNLIMITED"), e.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> TokenBucketConfig.perTick(10, 5, 10, 10, Duration.ofMillis(10)));
        assertTrue(b.getMessage().contains("burst"), b.getMessage());
    }

    @Test
    void shouldFillToTheBurstAfterAnyIdleSpell() {
        TokenBucketConfig cfg = TokenBucketConfig.perTick(Long.MAX_VALUE / 3, Long.MAX_VALUE - 1, 1, 1,
                Duration.ofMillis(1));
        TokenBucket b = new TokenBucket(cfg, T0);
        b.take(TokenBucket.READ, Long.MAX_VALUE / 3);
        b.refill(T0 + Duration.ofDays(365L * 200).toNanos());
        assertEquals(Long.MAX_VALUE - 1, b.tokens(TokenBucket.READ));
        assertEquals(1, b.tokens(TokenBucket.WRITE));
    }
}
