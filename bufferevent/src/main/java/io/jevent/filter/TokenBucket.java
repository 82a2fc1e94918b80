package io.jevent.filter;

/**
 * Two token buckets (read, write) refilled from the clock: the refill is computed from the tick number when the
 * bucket is looked at, so a late timer never loses or invents tokens (beyond the burst cap). Tokens may go below
 * zero when a layer must move a whole unit (a TLS record) past its quota; the debt is repaid by later ticks.
 * Not thread-safe: loop thread only.
 */
final class TokenBucket {
    static final int READ = 0;
    static final int WRITE = 1;

    private final TokenBucketConfig cfg;
    /** Tokens available per direction; never above the burst, may be negative (debt). */
    private final long[] tokens = new long[2];
    /** The tick number (nanoTime / tick) tokens were last added for. */
    private long tick;

    TokenBucket(TokenBucketConfig cfg, long now) {
        this.cfg = cfg;
        this.tick = now / cfg.tickNanos();
        tokens[READ] = cfg.readRate();
        tokens[WRITE] = cfg.writeRate();
    }

    TokenBucketConfig config() {
        return cfg;
    }

    /** Adds the tokens of the ticks passed since the last refill; returns true when a tick boundary passed. */
    boolean refill(long now) {
        long t = now / cfg.tickNanos();
        if (t <= tick) {
            return false;
        }
        long ticks = t - tick;
        tick = t;
        for (int d = READ; d <= WRITE; d++) {
            long rate = cfg.rate(d);
            long burst = cfg.burst(d);
            if (rate == TokenBucketConfig.UNLIMITED) {
                tokens[d] = TokenBucketConfig.UNLIMITED;
            } else {
                long add = ticks > burst / rate + 1 ? burst : ticks * rate; // no overflow after long idle spells
                tokens[d] = Math.min(burst, tokens[d] + add);
            }
        }
        return true;
    }

    long tokens(int dir) {
        return tokens[dir];
    }

    boolean unlimited(int dir) {
        return cfg.rate(dir) == TokenBucketConfig.UNLIMITED;
    }

    /** Takes {@code n} tokens; returns true when the bucket is now empty (or in debt). */
    boolean take(int dir, long n) {
        if (unlimited(dir)) {
            return false;
        }
        tokens[dir] -= n;
        return tokens[dir] <= 0;
    }

    /** Nanoseconds from {@code now} to the next tick boundary (at least 1 ms, so timers never spin). */
    long nanosToNextTick(long now) {
        long tn = cfg.tickNanos();
        return Math.max(1_000_000L, tn - Math.floorMod(now, tn));
    }
}
