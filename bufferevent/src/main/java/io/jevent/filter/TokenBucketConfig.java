package io.jevent.filter;

import java.time.Duration;
import java.util.Objects;

/**
 * A token-bucket rate limit, libevent's {@code ev_token_bucket_cfg}: for each direction a rate (bytes added per
 * tick) and a burst (the most tokens the bucket holds), and the tick length. A bucket starts with one tick's worth
 * of tokens, gains {@code rate} tokens at every tick boundary up to {@code burst}, and each byte moved takes a
 * token; when a bucket is empty its direction is suspended until the next tick. Immutable.
 *
 * <p>Long-run throughput is {@code rate / tick}; the burst bounds how much may go at once after an idle spell.
 * Shorter ticks give smoother traffic and more timer wake-ups: 50 ms (what {@link #perSecond} uses) is 20 per
 * second per limited connection while it is throttled, none while it is not.
 */
public final class TokenBucketConfig {
    /** A bucket that never runs dry. */
    public static final long UNLIMITED = Long.MAX_VALUE;
    private static final Duration DEFAULT_TICK = Duration.ofMillis(50);

    private final long readRate;
    private final long readBurst;
    private final long writeRate;
    private final long writeBurst;
    private final long tickNanos;

    private TokenBucketConfig(long readRate, long readBurst, long writeRate, long writeBurst, long tickNanos) {
        this.readRate = readRate;
        this.readBurst = readBurst;
        this.writeRate = writeRate;
        this.writeBurst = writeBurst;
        this.tickNanos = tickNanos;
    }

    /**
     * libevent's {@code ev_token_bucket_cfg_new}: rates in bytes per tick.
     *
     * @param readRate bytes per tick, {@code >= 1}, or {@link #UNLIMITED}
     * @param readBurst most tokens held, {@code >= readRate}
     * @param writeRate bytes per tick, {@code >= 1}, or {@link #UNLIMITED}
     * @param writeBurst most tokens held, {@code >= writeRate}
     * @param tick the tick length, at least 1 ms
     */
    public static TokenBucketConfig perTick(long readRate, long readBurst, long writeRate, long writeBurst,
                                            Duration tick) {
        Objects.requireNonNull(tick, "tick");
        check(readRate, readBurst, "read");
        check(writeRate, writeBurst, "write");
        if (tick.compareTo(Duration.ofMillis(1)) < 0) {
            throw new IllegalArgumentException("expected a tick of at least 1 ms, got " + tick);
        }
        return new TokenBucketConfig(readRate, readBurst, writeRate, writeBurst, tick.toNanos());
    }

    /**
     * Rates in bytes per second, with 50 ms ticks: {@code perSecond(200 << 10, 64 << 10, UNLIMITED, UNLIMITED)}.
     * A burst smaller than one tick's worth is raised to it.
     */
    public static TokenBucketConfig perSecond(long readPerSecond, long readBurst, long writePerSecond,
                                              long writeBurst) {
        long r = perTick(readPerSecond);
        long w = perTick(writePerSecond);
        return perTick(r, Math.max(r, readBurst), w, Math.max(w, writeBurst), DEFAULT_TICK);
    }

    /** The same limit and burst both ways, per second, with 50 ms ticks. */
    public static TokenBucketConfig perSecond(long bytesPerSecond, long burst) {
        return perSecond(bytesPerSecond, burst, bytesPerSecond, burst);
    }

    private static long perTick(long perSecond) {
        if (perSecond == UNLIMITED) {
            return UNLIMITED;
        }
        if (perSecond < 1) {
            throw new IllegalArgumentException("expected a rate >= 1 byte per second or UNLIMITED, got " + perSecond);
        }
        return Math.max(1, perSecond * DEFAULT_TICK.toMillis() / 1000);
    }

    private static void check(long rate, long burst, String dir) {
        if (rate < 1 || burst < rate) {
            throw new IllegalArgumentException("expected 1 <= " + dir + " rate <= " + dir + " burst, got rate " + rate
                    + ", burst " + burst);
        }
    }

    /** Read tokens added per tick. */
    public long readRate() {
        return readRate;
    }

    /** Most read tokens held. */
    public long readBurst() {
        return readBurst;
    }

    /** Write tokens added per tick. */
    public long writeRate() {
        return writeRate;
    }

    /** Most write tokens held. */
    public long writeBurst() {
        return writeBurst;
    }

    /** The tick length. */
    public Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    long tickNanos() {
        return tickNanos;
    }

    long rate(int dir) {
        return dir == TokenBucket.READ ? readRate : writeRate;
    }

    long burst(int dir) {
        return dir == TokenBucket.READ ? readBurst : writeBurst;
    }

    @Override
    public String toString() {
        return "TokenBucketConfig[read " + show(readRate) + "/" + show(readBurst) + ", write " + show(writeRate) + "/"
                + show(writeBurst) + " per " + tick() + "]";
    }

    private static String show(long v) {
        return v == UNLIMITED ? "unlimited" : Long.toString(v);
    }
}
