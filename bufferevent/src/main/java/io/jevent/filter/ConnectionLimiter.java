package io.jevent.filter;

import io.jevent.Event;
import io.jevent.bufferevent.BufferEvent;

import java.time.Duration;

/**
 * The {@link BufferEvent.RateLimiter} of one BufferEvent: its own token bucket (optional) and its share of a
 * {@link RateLimitGroup} (optional), like libevent's {@code bufferevent_rate_limit}. The quota is the smaller of
 * the two. When the own bucket runs dry the direction is suspended with {@link BufferEvent#SUSPEND_BANDWIDTH} and a
 * timer lifts it at the next tick that leaves tokens. Loop thread only.
 */
final class ConnectionLimiter implements BufferEvent.RateLimiter {
    final BufferEvent bev;
    /** The connection's own bucket, or null. */
    TokenBucket own;
    /** The group, or null. */
    RateLimitGroup group;
    /** Group bookkeeping: the group's share generation this member's {@link #used} counts belong to. */
    long shareGeneration = -1;
    /** Group bookkeeping: bytes moved per direction in the current group tick. */
    final long[] used = new long[2];
    /** Refills the own bucket while a direction is suspended for it; made on first need. */
    private Event timer;

    ConnectionLimiter(BufferEvent bev) {
        this.bev = bev;
    }

    @Override
    public long readQuota(BufferEvent b) {
        return quota(TokenBucket.READ);
    }

    @Override
    public long writeQuota(BufferEvent b) {
        return quota(TokenBucket.WRITE);
    }

    @Override
    public void read(BufferEvent b, long n) {
        consumed(TokenBucket.READ, n);
    }

    @Override
    public void wrote(BufferEvent b, long n) {
        consumed(TokenBucket.WRITE, n);
    }

    private long quota(int dir) {
        long now = System.nanoTime();
        long q = Long.MAX_VALUE;
        if (own != null && !own.unlimited(dir)) {
            own.refill(now);
            q = Math.max(0, own.tokens(dir));
            if (q == 0) {
                suspendForOwn(dir, now);
            }
        }
        if (group != null) {
            q = Math.min(q, group.quota(this, dir, now));
        }
        return q;
    }

    private void consumed(int dir, long n) {
        if (n <= 0) {
            return;
        }
        long now = System.nanoTime();
        if (own != null && own.take(dir, n)) {
            suspendForOwn(dir, now);
        }
        if (group != null) {
            group.consumed(this, dir, n, now);
        }
    }

    private void suspendForOwn(int dir, long now) {
        if (dir == TokenBucket.READ) {
            bev.suspendRead(BufferEvent.SUSPEND_BANDWIDTH);
        } else {
            bev.suspendWrite(BufferEvent.SUSPEND_BANDWIDTH);
        }
        armTimer(now);
    }

    private void armTimer(long now) {
        if (timer == null) {
            timer = bev.base().newTimer((ev, what) -> refillTick());
        }
        if (!timer.isPending()) {
            timer.add(Duration.ofNanos(own.nanosToNextTick(now)));
        }
    }

    private void refillTick() {
        if (own == null || bev.isClosed()) {
            return;
        }
        long now = System.nanoTime();
        own.refill(now);
        boolean still = false;
        if ((bev.readSuspendReasons() & BufferEvent.SUSPEND_BANDWIDTH) != 0) {
            if (own.tokens(TokenBucket.READ) > 0) {
                bev.unsuspendRead(BufferEvent.SUSPEND_BANDWIDTH);
            } else {
                still = true;
            }
        }
        if ((bev.writeSuspendReasons() & BufferEvent.SUSPEND_BANDWIDTH) != 0) {
            if (own.tokens(TokenBucket.WRITE) > 0) {
                bev.unsuspendWrite(BufferEvent.SUSPEND_BANDWIDTH);
            } else {
                still = true;
            }
        }
        if (still) {
            armTimer(now);
        }
    }

    /** Replaces the own bucket (null: none) and lifts a suspension the old one left. */
    void setOwn(TokenBucketConfig cfg) {
        own = cfg == null ? null : new TokenBucket(cfg, System.nanoTime());
        if (timer != null) {
            timer.remove();
        }
        bev.unsuspendRead(BufferEvent.SUSPEND_BANDWIDTH);
        bev.unsuspendWrite(BufferEvent.SUSPEND_BANDWIDTH);
    }

    @Override
    public void detached(BufferEvent b) {
        if (timer != null) {
            timer.close();
            timer = null;
        }
        if (group != null) {
            group.forget(this);
            group = null;
        }
        own = null;
    }

    /** Drops this limiter from the BufferEvent when it no longer limits anything. */
    void dropIfIdle() {
        if (own == null && group == null && bev.rateLimiter() == this && !bev.isClosed()) {
            bev.setRateLimiter(null);
        }
    }
}
