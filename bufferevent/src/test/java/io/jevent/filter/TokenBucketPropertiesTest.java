package io.jevent.filter;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.math.BigInteger;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random configurations driven by random sequences of clock advances and takes, against a model that follows the
 * definition in {@link TokenBucket}'s comment with exact ({@link BigInteger}) arithmetic: tick {@code n} (counted
 * from creation, tick 0 being the initial fill) brings the bucket to {@code min(burst, tokens + ceil((n + 1) * rate
 * / p) - ceil(n * rate / p))}, where {@code p} is the ticks in the configuration's rate period. The bucket's
 * saturating {@code long} arithmetic must agree with it after every step, for rates and idle spells up to what a
 * {@code long} holds (a refill of {@code Long.MAX_VALUE} tokens or more fills the bucket, in both).
 */
class TokenBucketPropertiesTest {
    private static final long T0 = 5_000_000_000L;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    /** One step: advance the clock, refill, then take a share of what is there (plus, maybe, a little debt). */
    record Step(long advanceNanos, int takePercent, int debt) {
    }

    /** One direction of the bucket, exactly. */
    static final class Model {
        final BigInteger rate;
        final BigInteger burst;
        final BigInteger p;
        final boolean unlimited;
        BigInteger tokens;
        long tick;

        Model(TokenBucketConfig cfg, int dir) {
            unlimited = cfg.rate(dir) == TokenBucketConfig.UNLIMITED;
            rate = BigInteger.valueOf(cfg.rate(dir));
            burst = BigInteger.valueOf(cfg.burst(dir));
            p = BigInteger.valueOf(cfg.ratePeriod().toNanos() / cfg.tick().toNanos());
            tokens = unlimited ? null : cum(1).min(burst);
        }

        /** Tokens granted to ticks 0 .. n - 1. */
        BigInteger cum(long n) {
            BigInteger[] qr = BigInteger.valueOf(n).multiply(rate).divideAndRemainder(p);
            return qr[1].signum() == 0 ? qr[0] : qr[0].add(BigInteger.ONE);
        }

        boolean refill(long tickNow) {
            if (tickNow <= tick) {
                return false;
            }
            if (!unlimited) {
                // tick by tick would be the same: each adds >= 0, so capping once at the end equals capping each time
                BigInteger granted = cum(tickNow + 1).subtract(cum(tick + 1));
                // the bucket's one approximation: a refill of Long.MAX_VALUE tokens or more fills it, whatever debt
                tokens = granted.compareTo(LONG_MAX) >= 0 ? burst : tokens.add(granted).min(burst);
            }
            tick = tickNow;
            return true;
        }

        long value() {
            return unlimited ? TokenBucketConfig.UNLIMITED : tokens.longValueExact();
        }
    }

    @Property(tries = 300)
    void shouldAgreeWithExactModel(@ForAll("configs") TokenBucketConfig cfg, @ForAll("programs") List<Step> program) {
        TokenBucket b = new TokenBucket(cfg, T0);
        Model[] m = {new Model(cfg, TokenBucket.READ), new Model(cfg, TokenBucket.WRITE)};
        long tickNanos = cfg.tick().toNanos();
        long now = T0;
        for (Step s : program) {
            long advance = Math.min(s.advanceNanos(), Long.MAX_VALUE / 4 - (now - T0)); // keep nanoTime in range
            now += advance;
            long tickNow = (now - T0) / tickNanos;
            boolean refilled = b.refill(now);
            boolean modelRefilled = m[0].refill(tickNow);
            m[1].refill(tickNow);
            assertEquals(modelRefilled, refilled, () -> "refill at tick " + tickNow + " of " + cfg);
            for (int d = TokenBucket.READ; d <= TokenBucket.WRITE; d++) {
                int dir = d;
                assertEquals(m[d].value(), b.tokens(d), () -> (dir == 0 ? "read" : "write") + " tokens after "
                        + s + " (tick " + tickNow + ") of " + cfg);
                assertTrue(b.tokens(d) <= cfg.burst(d), "never above the burst");
                if (!m[d].unlimited) {
                    long have = Math.max(0, b.tokens(d));
                    long take = BigInteger.valueOf(have).multiply(BigInteger.valueOf(s.takePercent()))
                            .divide(BigInteger.valueOf(100)).add(BigInteger.valueOf(s.debt())).min(LONG_MAX)
                            .longValueExact();
                    boolean empty = b.take(d, take);
                    m[d].tokens = m[d].tokens.subtract(BigInteger.valueOf(take));
                    assertEquals(m[d].tokens.signum() <= 0, empty, "take reports an empty bucket");
                    assertEquals(m[d].value(), b.tokens(d));
                }
            }
            long wait = b.nanosToNextTick(now);
            assertTrue(wait >= 1_000_000L && (wait <= tickNanos || wait == 1_000_000L), "wait " + wait);
            long next = Math.floorMod(now - T0 + wait, tickNanos);
            assertTrue(next == 0 || wait == 1_000_000L, "the wait ends on a tick boundary: " + wait);
        }
    }

    @Property(tries = 100)
    void shouldGrantExactlyTheRateOverEveryRatePeriodWhileDrained(@ForAll("configs") TokenBucketConfig cfg) {
        Assume.that(cfg.tick().compareTo(Duration.ofDays(1)) <= 0); // 60 ticks on the simulated clock
        TokenBucket b = new TokenBucket(cfg, T0);
        long tick = cfg.tick().toNanos();
        int p = (int) (cfg.ratePeriod().toNanos() / tick);
        for (int d = TokenBucket.READ; d <= TokenBucket.WRITE; d++) {
            if (!b.unlimited(d)) {
                b.take(d, b.tokens(d));
            }
        }
        long[] granted = new long[2];
        for (int i = 1; i <= 3 * p; i++) {
            b.refill(T0 + i * tick);
            for (int d = TokenBucket.READ; d <= TokenBucket.WRITE; d++) {
                if (!b.unlimited(d)) {
                    long have = b.tokens(d);
                    assertTrue(have >= cfg.rate(d) / p && have <= Math.min(cfg.burst(d), cfg.rate(d) / p + 1),
                            "a tick grants rate / p rounded down or up: " + have + " of " + cfg);
                    granted[d] += have;
                    b.take(d, have);
                }
            }
        }
        for (int d = TokenBucket.READ; d <= TokenBucket.WRITE; d++) {
            if (!b.unlimited(d) && cfg.burst(d) >= cfg.rate(d) / p + 1) {
                assertEquals(3 * cfg.rate(d), granted[d], "three periods, three times the rate: " + cfg);
            }
        }
    }

    @Provide
    Arbitrary<TokenBucketConfig> configs() {
        Arbitrary<Long> rate = Arbitraries.oneOf(Arbitraries.longs().between(1, 100),
                Arbitraries.longs().between(1, 10_000_000), Arbitraries.longs().between(1, Long.MAX_VALUE - 1),
                Arbitraries.just(Long.MAX_VALUE / 50 + 1), Arbitraries.just(TokenBucketConfig.UNLIMITED));
        Arbitrary<Integer> burstFactor = Arbitraries.integers().between(0, 8);
        Arbitrary<Duration> tick = Arbitraries.oneOf(Arbitraries.longs().between(1, 10_000).map(Duration::ofMillis),
                Arbitraries.longs().between(1_000_000L, Long.MAX_VALUE).map(Duration::ofNanos));
        Arbitrary<TokenBucketConfig> perSecond = Combinators.combine(rate, burstFactor, rate, burstFactor)
                .as((r, rb, w, wb) -> TokenBucketConfig.perSecond(r, burst(r, rb), w, burst(w, wb)));
        Arbitrary<TokenBucketConfig> perTick = Combinators.combine(rate, burstFactor, rate, burstFactor, tick)
                .as((r, rb, w, wb, t) -> TokenBucketConfig.perTick(r, Math.max(r, burst(r, rb)), w,
                        Math.max(w, burst(w, wb)), t));
        return Arbitraries.oneOf(perSecond, perTick);
    }

    /** A burst of {@code factor} times the rate (saturated), or the largest there is for factor 8. */
    private static long burst(long rate, int factor) {
        if (factor == 8) {
            return Long.MAX_VALUE;
        }
        return rate > Long.MAX_VALUE / Math.max(1, factor) ? Long.MAX_VALUE : rate * factor;
    }

    @Provide
    Arbitrary<List<Step>> programs() {
        Arbitrary<Long> advance = Arbitraries.oneOf(Arbitraries.longs().between(0, 100_000_000L),
                Arbitraries.longs().between(0, 20_000_000_000L), Arbitraries.longs().between(0, Long.MAX_VALUE / 8));
        Arbitrary<Integer> percent = Arbitraries.integers().between(0, 100);
        Arbitrary<Integer> debt = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(0, 20_000));
        return Combinators.combine(advance, percent, debt).as(Step::new).list().ofMaxSize(40);
    }
}
