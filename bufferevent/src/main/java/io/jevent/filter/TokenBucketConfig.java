package io.jevent.filter;

import java.time.Duration;
import java.util.Objects;

/**
 * A token-bucket rate limit, libevent's {@code ev_token_bucket_cfg}: for each direction a rate and a burst (the
 * most tokens the bucket holds), and the tick length. Each byte moved takes a token; a bucket gains tokens at every
 * tick boundary, up to its burst, and a direction whose bucket is empty is suspended until the next tick. Immutable.
 *
 * <p>The rate is exactly what the bucket grants, for every value a {@code long} holds: {@link #perTick} (libevent's
 * form) grants {@code rate} tokens at every tick; {@link #perSecond} grants {@code rate} tokens every second, in
 * 50 ms ticks of {@code rate / 20} tokens each, rounded up or down so that any 20 consecutive ticks grant exactly
 * {@code rate} (1 B/s is one token at the first tick of each second, not 20 B/s). {@link #readRate()} and
 * {@link #writeRate()} report the rate per {@link #ratePeriod()}: one tick, or one second.
 *
 * <p>A bucket starts with one tick's worth of tokens. Long-run throughput is the rate; the burst bounds how much may
 * go at once after an idle spell. Shorter ticks give smoother traffic and more timer wake-ups: 50 ms is 20 per
 * second per limited connection while it is throttled, none while it is not.
 */
public final class TokenBucketConfig {
    /** A bucket that never runs dry. */
    public static final long UNLIMITED = Long.MAX_VALUE;
    /** The tick of {@link #perSecond}. */
    private static final Duration PER_SECOND_TICK = Duration.ofMillis(50);
    /** Ticks of {@link #PER_SECOND_TICK} in a second. */
    private static final int TICKS_PER_SECOND = 20;
    private static final Duration MIN_TICK = Duration.ofMillis(1);
    /** The longest tick: its length in nanoseconds must fit a {@code long}. */
    private static final Duration MAX_TICK = Duration.ofNanos(Long.MAX_VALUE);

    private final long readRate;
    private final long readBurst;
    private final long writeRate;
    private final long writeBurst;
    private final long tickNanos;
    /** How many ticks the rates are for: 1 ({@link #perTick}) or 20 ({@link #perSecond}). */
    private final int periodTicks;

    private TokenBucketConfig(long readRate, long readBurst, long writeRate, long writeBurst, long tickNanos,
                              int periodTicks) {
        this.readRate = readRate;
        this.readBurst = readBurst;
        this.writeRate = writeRate;
        this.writeBurst = writeBurst;
        this.tickNanos = tickNanos;
        this.periodTicks = periodTicks;
    }

    /**
     * libevent's {@code ev_token_bucket_cfg_new}: rates in tokens (bytes) per tick.
     *
     * @param readRate bytes per tick, {@code >= 1}, or {@link #UNLIMITED}
     * @param readBurst most tokens held, {@code >= readRate} (ignored with an unlimited rate)
     * @param writeRate bytes per tick, {@code >= 1}, or {@link #UNLIMITED}
     * @param writeBurst most tokens held, {@code >= writeRate} (ignored with an unlimited rate)
     * @param tick the tick length, from 1 ms to {@code Duration.ofNanos(Long.MAX_VALUE)} (about 292 years)
     * @return the configuration
     * @throws IllegalArgumentException if a rate, burst or the tick is out of range (the message says which)
     * @throws NullPointerException if {@code tick} is {@code null}
     */
    public static TokenBucketConfig perTick(long readRate, long readBurst, long writeRate, long writeBurst,
                                            Duration tick) {
        Objects.requireNonNull(tick, "tick");
        checkRate(readRate, "read", "per tick");
        checkRate(writeRate, "write", "per tick");
        checkBurst(readRate, readBurst, "read");
        checkBurst(writeRate, writeBurst, "write");
        if (tick.compareTo(MIN_TICK) < 0) {
            throw new IllegalArgumentException("expected a tick of at least 1 ms, got " + tick);
        }
        if (tick.compareTo(MAX_TICK) > 0) {
            throw new IllegalArgumentException("expected a tick of at most Duration.ofNanos(Long.MAX_VALUE) (about 292"
                    + " years), got " + tick + "; use a shorter tick and scale the rates with it");
        }
        return new TokenBucketConfig(readRate, readRate == UNLIMITED ? UNLIMITED : readBurst, writeRate,
                writeRate == UNLIMITED ? UNLIMITED : writeBurst, tick.toNanos(), 1);
    }

    /**
     * Rates in bytes per second, granted in 50 ms ticks: {@code perSecond(200 << 10, 64 << 10, UNLIMITED, UNLIMITED)}.
     * Every rate from 1 to {@code Long.MAX_VALUE - 1} is kept exactly (see the class comment). A burst smaller than
     * one tick's worth ({@code ceil(rate / 20)}) is raised to it.
     *
     * @param readPerSecond bytes per second, {@code >= 1}, or {@link #UNLIMITED}
     * @param readBurst most read tokens held, in bytes (raised to one tick's worth; ignored with an unlimited rate)
     * @param writePerSecond bytes per second, {@code >= 1}, or {@link #UNLIMITED}
     * @param writeBurst most write tokens held, in bytes (raised to one tick's worth; ignored with an unlimited rate)
     * @return the configuration
     * @throws IllegalArgumentException if a rate is below 1
     */
    public static TokenBucketConfig perSecond(long readPerSecond, long readBurst, long writePerSecond,
                                              long writeBurst) {
        checkRate(readPerSecond, "read", "per second");
        checkRate(writePerSecond, "write", "per second");
        return new TokenBucketConfig(readPerSecond, atLeastOneTick(readPerSecond, readBurst), writePerSecond,
                atLeastOneTick(writePerSecond, writeBurst), PER_SECOND_TICK.toNanos(), TICKS_PER_SECOND);
    }

    /**
     * The same limit and burst both ways, per second, with 50 ms ticks; see
     * {@link #perSecond(long, long, long, long)}.
     *
     * @param bytesPerSecond the rate for each direction, {@code >= 1}, or {@link #UNLIMITED}
     * @param burst most tokens each bucket holds, in bytes (raised to one tick's worth)
     * @return the configuration
     * @throws IllegalArgumentException if {@code bytesPerSecond} is below 1
     */
    public static TokenBucketConfig perSecond(long bytesPerSecond, long burst) {
        return perSecond(bytesPerSecond, burst, bytesPerSecond, burst);
    }

    private static long atLeastOneTick(long perSecond, long burst) {
        if (perSecond == UNLIMITED) {
            return UNLIMITED;
        }
        long oneTick = perSecond / TICKS_PER_SECOND + (perSecond % TICKS_PER_SECOND == 0 ? 0 : 1);
        return Math.max(oneTick, burst);
    }

    private static void checkRate(long rate, String dir, String unit) {
        if (rate < 1) {
            throw new IllegalArgumentException("expected a " + dir + " rate >= 1 byte " + unit
                    + " or TokenBucketConfig.UNLIMITED, got " + rate);
        }
    }

    private static void checkBurst(long rate, long burst, String dir) {
        if (rate != UNLIMITED && burst < rate) {
            throw new IllegalArgumentException("expected " + dir + " burst >= " + dir + " rate (" + rate
                    + " per tick), got burst " + burst);
        }
    }

    /**
     * Read tokens granted per {@link #ratePeriod()}.
     *
     * @return the read rate in bytes per period, or {@link #UNLIMITED}
     */
    public long readRate() {
        return readRate;
    }

    /**
     * Most read tokens held.
     *
     * @return the read burst in bytes, or {@link #UNLIMITED} with an unlimited read rate
     */
    public long readBurst() {
        return readBurst;
    }

    /**
     * Write tokens granted per {@link #ratePeriod()}.
     *
     * @return the write rate in bytes per period, or {@link #UNLIMITED}
     */
    public long writeRate() {
        return writeRate;
    }

    /**
     * Most write tokens held.
     *
     * @return the write burst in bytes, or {@link #UNLIMITED} with an unlimited write rate
     */
    public long writeBurst() {
        return writeBurst;
    }

    /**
     * The tick length: how often the bucket gains tokens.
     *
     * @return the tick, 50 ms for {@link #perSecond}
     */
    public Duration tick() {
        return Duration.ofNanos(tickNanos);
    }

    /**
     * What the rates are per.
     *
     * @return one {@link #tick()} ({@link #perTick}) or one second ({@link #perSecond})
     */
    public Duration ratePeriod() {
        return Duration.ofNanos(tickNanos).multipliedBy(periodTicks);
    }

    long tickNanos() {
        return tickNanos;
    }

    /** Ticks in a {@link #ratePeriod()}: 1 or 20. */
    int periodTicks() {
        return periodTicks;
    }

    long rate(int dir) {
        return dir == TokenBucket.READ ? readRate : writeRate;
    }

    long burst(int dir) {
        return dir == TokenBucket.READ ? readBurst : writeBurst;
    }

    @Override
    public String toString() {
        return "TokenBucketConfig[read " + show(readRate, readBurst) + "; write " + show(writeRate, writeBurst)
                + (periodTicks == 1 ? "" : "; ticks of " + tick()) + "]";
    }

    private String show(long rate, long burst) {
        return rate == UNLIMITED ? "unlimited" : rate + " per " + ratePeriod() + ", burst " + burst;
    }
}
