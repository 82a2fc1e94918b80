package io.jevent.filter;

import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.bufferevent.BufferEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Many BufferEvents sharing one token bucket (libevent's {@code bufferevent_rate_limit_group}).
 *
 * <p><b>Fair shares.</b> At each tick the group's tokens are divided among the members: each may move at most
 * {@code max(tokens / members, minShare)} bytes in that tick (and never more than the group holds), where
 * {@code tokens} is what the group held when the tick began and {@code members} the count <em>now</em>: a member
 * joining or leaving re-divides the tick's tokens at once, so one that joins mid-tick gets the same share as the
 * others, never a share computed for fewer members. A member that used its share, or any member once the group
 * bucket is empty, is suspended with
 * {@link BufferEvent#SUSPEND_GROUP} until the next tick, when all are resumed starting at a random member (as
 * libevent does) so no connection is always first. The minimum share (default 64 bytes, libevent's) guarantees
 * progress to every member even in a group with more members than tokens per tick. Tokens a member leaves unused
 * stay in the bucket (up to the burst) for everyone's next share.
 *
 * <p>Members join ({@link #add}) and leave ({@link #remove}, or by closing) at any time; a member also keeps its
 * own {@link RateLimits per-connection bucket}, if it has one. {@link #totalRead()} and {@link #totalWritten()}
 * count the bytes of all members. Loop thread only.
 */
public final class RateLimitGroup implements AutoCloseable {
    /** libevent's default minimum share. */
    public static final long DEFAULT_MIN_SHARE = 64;

    private final EventBase base;
    private TokenBucket bucket;
    private final List<ConnectionLimiter> members = new ArrayList<>();
    private long minShare = DEFAULT_MIN_SHARE;
    /** Per direction: the group's tokens when the current tick began; the shares divide them. */
    private final long[] tickTokens = new long[2];
    /** Per direction: what each member may move in the current tick, {@code max(tickTokens / members, minShare)}. */
    private final long[] share = new long[2];
    /**
     * Bumped at each tick boundary that is looked at, so the members' per-tick counts ({@link ConnectionLimiter#used})
     * reset lazily. A membership change re-divides the shares without bumping it: what members used stays counted.
     */
    private long generation;
    private final long[] totals = new long[2];
    private Event timer;
    private boolean closed;

    private RateLimitGroup(EventBase base, TokenBucketConfig cfg) {
        this.base = base;
        this.bucket = new TokenBucket(cfg, System.nanoTime());
        startTick();
    }

    /**
     * A group on {@code base} sharing {@code cfg}'s bucket (libevent's {@code bufferevent_rate_limit_group_new}).
     *
     * @param base the loop whose timer ticks the group; its members must run on it
     * @param cfg the rate, burst and tick of the shared bucket
     * @return a new group with no members, its bucket holding one tick's worth of tokens
     * @throws NullPointerException if {@code base} or {@code cfg} is {@code null}
     */
    public static RateLimitGroup create(EventBase base, TokenBucketConfig cfg) {
        return new RateLimitGroup(Objects.requireNonNull(base, "base"), Objects.requireNonNull(cfg, "cfg"));
    }

    /**
     * Replaces the bucket configuration; the bucket starts afresh with one tick's worth of tokens. Loop thread.
     *
     * @param cfg the new rate, burst and tick
     * @throws NullPointerException if {@code cfg} is {@code null}
     */
    public void setConfig(TokenBucketConfig cfg) {
        bucket = new TokenBucket(Objects.requireNonNull(cfg, "cfg"), System.nanoTime());
        startTick();
        resumeAll(TokenBucket.READ);
        resumeAll(TokenBucket.WRITE);
    }

    /**
     * The bucket configuration.
     *
     * @return the configuration given to {@link #create} or the last {@link #setConfig}
     */
    public TokenBucketConfig config() {
        return bucket.config();
    }

    /**
     * Sets the least a member may move per tick while the group has tokens.
     *
     * @param bytes the minimum share in bytes, {@code >= 1} ({@link #DEFAULT_MIN_SHARE} until set)
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public void setMinShare(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("expected a minimum share >= 1 byte, got " + bytes);
        }
        minShare = bytes;
        divideShares();
    }

    /**
     * The minimum share.
     *
     * @return the least bytes a member may move per tick, {@link #DEFAULT_MIN_SHARE} unless set
     */
    public long minShare() {
        return minShare;
    }

    /**
     * Adds {@code bev} (leaving any other group it was in); nothing happens if it is already a member. Loop thread.
     *
     * @param bev the BufferEvent to limit with this group
     * @throws IllegalStateException if the group or {@code bev} is closed, or {@code bev} is metered by a rate
     *         limiter from outside this package
     */
    public void add(BufferEvent bev) {
        checkOpen();
        ConnectionLimiter l = RateLimits.limiterOf(bev, true);
        if (l.group == this) {
            return;
        }
        if (l.group != null) {
            l.group.remove(bev);
        }
        if (bucket.refill(System.nanoTime())) {
            startTick(); // divide the tick it joins in, not the one before
        }
        l.group = this;
        l.shareGeneration = -1;
        members.add(l);
        divideShares();
    }

    /**
     * Removes {@code bev} from the group and lifts a group suspension on it; nothing happens if it is not a
     * member. Loop thread.
     *
     * @param bev the member to remove
     * @throws IllegalStateException if {@code bev} is metered by a rate limiter from outside this package
     */
    public void remove(BufferEvent bev) {
        ConnectionLimiter l = RateLimits.limiterOf(bev, false);
        if (l == null || l.group != this) {
            return;
        }
        forget(l);
        l.group = null;
        bev.unsuspendRead(BufferEvent.SUSPEND_GROUP);
        bev.unsuspendWrite(BufferEvent.SUSPEND_GROUP);
        l.dropIfIdle();
    }

    /**
     * How many BufferEvents are members.
     *
     * @return the current member count
     */
    public int size() {
        return members.size();
    }

    /**
     * Bytes read by all members while in this group, since creation or {@link #resetTotals}.
     *
     * @return the total bytes read
     */
    public long totalRead() {
        return totals[TokenBucket.READ];
    }

    /**
     * Bytes written by all members while in this group, since creation or {@link #resetTotals}.
     *
     * @return the total bytes written
     */
    public long totalWritten() {
        return totals[TokenBucket.WRITE];
    }

    /** Zeroes the totals (libevent's {@code bufferevent_rate_limit_group_reset_totals}). */
    public void resetTotals() {
        totals[0] = 0;
        totals[1] = 0;
    }

    /** Removes every member and stops the timer. Idempotent. Loop thread. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (ConnectionLimiter l : new ArrayList<>(members)) {
            remove(l.bev);
        }
        closed = true;
        if (timer != null) {
            timer.close();
        }
    }

    // ------------------------------------------------------------------------------ called by ConnectionLimiter

    void forget(ConnectionLimiter l) {
        if (members.remove(l)) {
            divideShares();
        }
    }

    long quota(ConnectionLimiter m, int dir, long now) {
        if (bucket.unlimited(dir)) {
            return Long.MAX_VALUE;
        }
        sync(m, now);
        long q = Math.max(0, Math.min(share[dir] - m.used[dir], bucket.tokens(dir)));
        if (q == 0) {
            suspend(m, dir, now);
        }
        return q;
    }

    void consumed(ConnectionLimiter m, int dir, long n, long now) {
        totals[dir] += n;
        if (bucket.unlimited(dir)) {
            return;
        }
        sync(m, now);
        m.used[dir] += n;
        if (bucket.take(dir, n)) {
            for (ConnectionLimiter each : members) {
                suspend(each, dir, now);
            }
        } else if (m.used[dir] >= share[dir]) {
            suspend(m, dir, now);
        }
    }

    // ------------------------------------------------------------------------------------------------ private

    private void sync(ConnectionLimiter m, long now) {
        if (bucket.refill(now)) {
            startTick();
        }
        if (m.shareGeneration != generation) {
            m.shareGeneration = generation;
            m.used[0] = 0;
            m.used[1] = 0;
        }
    }

    /** A tick began: remember what the group holds, reset the members' counts (lazily), divide it. */
    private void startTick() {
        generation++;
        tickTokens[0] = bucket.tokens(0);
        tickTokens[1] = bucket.tokens(1);
        divideShares();
    }

    /** Divides the tick's tokens among the members there are now. */
    private void divideShares() {
        int n = Math.max(1, members.size());
        for (int d = 0; d < 2; d++) {
            long t = tickTokens[d];
            share[d] = t <= 0 ? 0 : Math.max(t / n, minShare);
        }
    }

    private void suspend(ConnectionLimiter m, int dir, long now) {
        if (dir == TokenBucket.READ) {
            m.bev.suspendRead(BufferEvent.SUSPEND_GROUP);
        } else {
            m.bev.suspendWrite(BufferEvent.SUSPEND_GROUP);
        }
        if (timer == null) {
            timer = base.newTimer((ev, what) -> tick());
        }
        if (!timer.isPending()) {
            timer.add(Duration.ofNanos(bucket.nanosToNextTick(now)));
        }
    }

    private void tick() {
        long now = System.nanoTime();
        if (bucket.refill(now)) {
            startTick();
        }
        boolean again = false;
        for (int d = 0; d < 2; d++) {
            if (bucket.tokens(d) > 0) {
                resumeAll(d);
            } else if (anySuspended(d)) {
                again = true;
            }
        }
        if (again && !timer.isPending()) {
            timer.add(Duration.ofNanos(bucket.nanosToNextTick(now)));
        }
    }

    private boolean anySuspended(int dir) {
        for (ConnectionLimiter m : members) {
            int reasons = dir == TokenBucket.READ ? m.bev.readSuspendReasons() : m.bev.writeSuspendReasons();
            if ((reasons & BufferEvent.SUSPEND_GROUP) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Resumes every member in {@code dir}, starting at a random one so none is always served first. */
    private void resumeAll(int dir) {
        int n = members.size();
        if (n == 0) {
            return;
        }
        ConnectionLimiter[] snapshot = members.toArray(new ConnectionLimiter[0]);
        int start = ThreadLocalRandom.current().nextInt(n);
        for (int i = 0; i < n; i++) {
            BufferEvent b = snapshot[(start + i) % n].bev;
            if (dir == TokenBucket.READ) {
                b.unsuspendRead(BufferEvent.SUSPEND_GROUP);
            } else {
                b.unsuspendWrite(BufferEvent.SUSPEND_GROUP);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this RateLimitGroup is closed");
        }
    }

    @Override
    public String toString() {
        return "RateLimitGroup[" + members.size() + " members, " + bucket.config() + ", read " + totals[0]
                + ", written " + totals[1] + "]";
    }
}
