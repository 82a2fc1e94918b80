package io.jevent.filter;

/**
 * Two token buckets (read, write) refilled from the clock. Ticks are counted from the bucket's creation: tick
 * {@code n} covers {@code [origin + n * tick, origin + (n + 1) * tick)}, and tick 0's tokens are the initial fill.
 * The refill is computed from the tick number when the bucket is looked at, so a late timer never loses or invents
 * tokens (beyond the burst cap).
 *
 * <p>Tokens granted up to tick {@code n} are {@code ceil(n * rate / periodTicks)} (with {@code periodTicks} 1 for
 * rates per tick, 20 for rates per second): each tick grants the rounded-down or rounded-up share of the rate, and
 * every {@code periodTicks} consecutive ticks grant exactly the rate. The arithmetic saturates instead of
 * overflowing: a refill of {@code Long.MAX_VALUE} tokens or more fills the bucket, so any rate and any idle spell
 * give a full bucket, never a wrapped one.
 *
 * <p>Tokens may go below zero when a layer must move a whole unit (a TLS record) past its quota; the debt is repaid
 * by later ticks. Not thread-safe: loop thread only.
 */
final class TokenBucket {
    static final int READ = 0;
    static final int WRITE = 1;

    private final TokenBucketConfig cfg;
    /** Tokens available per direction; never above the burst, may be negative (debt). */
    private final long[] tokens = new long[2];
    /** {@code System.nanoTime()} at creation: where tick 0 starts. */
    private final long origin;
    /** The last tick whose tokens were granted. */
    private long tick;

    TokenBucket(TokenBucketConfig cfg, long now) {
        this.cfg = cfg;
        this.origin = now;
        for (int d = READ; d <= WRITE; d++) {
            tokens[d] = unlimited(d) ? TokenBucketConfig.UNLIMITED : Math.min(cfg.burst(d), granted(d, 0, 1));
        }
    }

    TokenBucketConfig config() {
        return cfg;
    }

    /** Adds the tokens of the ticks passed since the last refill; returns true when a tick boundary passed. */
    boolean refill(long now) {
        long elapsed = now - origin;
        if (elapsed < 0) {
            return false;
        }
        long t = elapsed / cfg.tickNanos();
        if (t <= tick) {
            return false;
        }
        for (int d = READ; d <= WRITE; d++) {
            if (!unlimited(d)) {
                long g = granted(d, tick + 1, t + 1);
                tokens[d] = g == Long.MAX_VALUE ? cfg.burst(d) : Math.min(cfg.burst(d), saturatedAdd(tokens[d], g));
            }
        }
        tick = t;
        return true;
    }

    /** Tokens of ticks {@code [from, to)}: {@code ceil(to * rate / p) - ceil(from * rate / p)}, saturated. */
    private long granted(int dir, long from, long to) {
        long rate = cfg.rate(dir);
        int p = cfg.periodTicks();
        long whole = rate / p;
        long rest = rate % p;
        // tick numbers stay below 2^63 ns / 1 ms, so (tick * rest) with rest < 20 cannot overflow
        long fraction = ceilDiv(to * rest, p) - ceilDiv(from * rest, p);
        return saturatedAdd(saturatedMultiply(to - from, whole), fraction);
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }

    private static long saturatedMultiply(long a, long b) {
        return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
    }

    /** {@code a + b} for {@code b >= 0}, at most {@code Long.MAX_VALUE}. */
    private static long saturatedAdd(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    long tokens(int dir) {
        return tokens[dir];
    }

    boolean unlimited(int dir) {
        return cfg.rate(dir) == TokenBucketConfig.UNLIMITED;
    }

    /** Takes {@code n >= 0} tokens; returns true when the bucket is now empty (or in debt). */
    boolean take(int dir, long n) {
        if (unlimited(dir)) {
            return false;
        }
        long t = tokens[dir];
        tokens[dir] = t < Long.MIN_VALUE + n ? Long.MIN_VALUE : t - n;
        return tokens[dir] <= 0;
    }

    /** Nanoseconds from {@code now} to the next tick boundary (at least 1 ms, so timers never spin). */
    long nanosToNextTick(long now) {
        long tn = cfg.tickNanos();
        return Math.max(1_000_000L, tn - Math.floorMod(now - origin, tn));
    }
}
