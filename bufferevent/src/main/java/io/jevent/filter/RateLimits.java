package io.jevent.filter;

import io.jevent.bufferevent.BufferEvent;

import java.util.Objects;

/**
 * Per-connection rate limits on any BufferEvent (libevent's {@code bufferevent_set_rate_limit}):
 * {@code RateLimits.set(bev, TokenBucketConfig.perSecond(200 << 10, 64 << 10))}. The engine under the BufferEvent
 * asks for a quota before each read and write, so the limit applies to the bytes that engine moves: for a socket,
 * bytes on the wire. For a limit at another place in a chain, use {@link Filters#rateLimit}.
 *
 * <p>A connection may also belong to one {@link RateLimitGroup}; it then moves at most the smaller of its own
 * quota and its group share. Loop thread only.
 */
public final class RateLimits {
    private RateLimits() {
    }

    /**
     * Sets {@code bev}'s own token bucket (replacing a previous one, which starts the bucket afresh), or removes
     * it with {@code cfg == null}. Group membership is unaffected. Loop thread.
     *
     * @param bev the BufferEvent whose engine is metered
     * @param cfg the rates and bursts of its own bucket, or {@code null} to remove the bucket
     * @throws NullPointerException if {@code bev} is {@code null}
     * @throws IllegalStateException if {@code bev} is metered by a rate limiter from outside this package, or a
     *         bucket is set on a closed {@code bev}
     */
    public static void set(BufferEvent bev, TokenBucketConfig cfg) {
        Objects.requireNonNull(bev, "bev");
        if (cfg == null) {
            ConnectionLimiter l = limiterOf(bev, false);
            if (l != null) {
                l.setOwn(null);
                l.dropIfIdle();
            }
            return;
        }
        limiterOf(bev, true).setOwn(cfg);
    }

    /**
     * {@code bev}'s own token bucket configuration.
     *
     * @param bev the BufferEvent to look at
     * @return the configuration last {@link #set} on it, or {@code null} if it has no bucket of its own
     * @throws IllegalStateException if {@code bev} is metered by a rate limiter from outside this package
     */
    public static TokenBucketConfig get(BufferEvent bev) {
        ConnectionLimiter l = limiterOf(bev, false);
        return l == null || l.own == null ? null : l.own.config();
    }

    /**
     * Read tokens {@code bev}'s own bucket holds now, refilled up to this moment.
     *
     * @param bev the BufferEvent to look at
     * @return the read tokens in bytes (negative: in debt), or {@code Long.MAX_VALUE} with no bucket or an
     *         unlimited read rate
     * @throws IllegalStateException if {@code bev} is metered by a rate limiter from outside this package
     */
    public static long readTokens(BufferEvent bev) {
        return tokens(bev, TokenBucket.READ);
    }

    /**
     * Write tokens {@code bev}'s own bucket holds now, refilled up to this moment.
     *
     * @param bev the BufferEvent to look at
     * @return the write tokens in bytes (negative: in debt), or {@code Long.MAX_VALUE} with no bucket or an
     *         unlimited write rate
     * @throws IllegalStateException if {@code bev} is metered by a rate limiter from outside this package
     */
    public static long writeTokens(BufferEvent bev) {
        return tokens(bev, TokenBucket.WRITE);
    }

    private static long tokens(BufferEvent bev, int dir) {
        ConnectionLimiter l = limiterOf(bev, false);
        if (l == null || l.own == null) {
            return Long.MAX_VALUE;
        }
        l.own.refill(System.nanoTime());
        return l.own.tokens(dir);
    }

    static ConnectionLimiter limiterOf(BufferEvent bev, boolean create) {
        BufferEvent.RateLimiter r = bev.rateLimiter();
        if (r instanceof ConnectionLimiter) {
            return (ConnectionLimiter) r;
        }
        if (r != null) {
            throw new IllegalStateException(bev + " is metered by a foreign RateLimiter (" + r + "); remove it with"
                    + " setRateLimiter(null) before using io.jevent.filter rate limits");
        }
        if (!create) {
            return null;
        }
        if (bev.isClosed()) {
            throw new IllegalStateException("cannot rate-limit a closed BufferEvent: " + bev);
        }
        ConnectionLimiter l = new ConnectionLimiter(bev);
        bev.setRateLimiter(l);
        return l;
    }
}
