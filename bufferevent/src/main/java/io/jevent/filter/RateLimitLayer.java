package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Filter;
import io.jevent.bufferevent.FilterBufferEvent;
import io.jevent.bufferevent.FilterResult;
import io.jevent.bufferevent.FlushMode;

import java.time.Duration;

/**
 * A token bucket as a pair of {@link Filter}s, so a rate limit can sit anywhere in a chain
 * ({@link Filters#rateLimit}). Bytes pass unchanged, at most as many as there are tokens. When the read bucket is
 * empty the BufferEvent below is suspended ({@link BufferEvent#SUSPEND_RATE_FILTER}) so bytes do not pile up in its
 * input; at the next tick a timer resumes it and re-runs the filters through {@code flush(dir, NORMAL)}. At end of
 * input ({@link FlushMode#FINISHED}) what is held is passed on at once, so the EOF event never overtakes data.
 * Loop thread only.
 */
final class RateLimitLayer {
    private final TokenBucket bucket;
    private FilterBufferEvent top;
    private BufferEvent under;
    private Event timer;
    private final boolean[] waiting = new boolean[2];

    final Filter input = new Filter() {
        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            return move(TokenBucket.READ, src, dst, dstLimit, mode);
        }

        @Override
        public void close() {
            stop();
        }

        @Override
        public String toString() {
            return "rate-limit input " + bucket.config();
        }
    };

    final Filter output = new Filter() {
        @Override
        public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
            return move(TokenBucket.WRITE, src, dst, dstLimit, mode);
        }

        @Override
        public String toString() {
            return "rate-limit output " + bucket.config();
        }
    };

    RateLimitLayer(TokenBucketConfig cfg) {
        this.bucket = new TokenBucket(cfg, System.nanoTime());
    }

    void bind(FilterBufferEvent top) {
        this.top = top;
        this.under = top.underlying();
    }

    private FilterResult move(int dir, EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
        long have = src.length();
        if (have == 0) {
            return FilterResult.OK;
        }
        long now = System.nanoTime();
        bucket.refill(now);
        long n = have;
        if (dstLimit >= 0) {
            n = Math.min(n, dstLimit);
        }
        boolean endOfInput = dir == TokenBucket.READ && mode == FlushMode.FINISHED;
        if (!bucket.unlimited(dir) && !endOfInput) {
            n = Math.min(n, Math.max(0, bucket.tokens(dir)));
        }
        if (n > 0) {
            src.removeBuffer(dst, n);
            bucket.take(dir, n);
        }
        if (src.length() > 0 && !bucket.unlimited(dir) && bucket.tokens(dir) <= 0) {
            waitForTokens(dir, now);
        }
        return n > 0 ? FilterResult.OK : FilterResult.NEED_MORE;
    }

    private void waitForTokens(int dir, long now) {
        if (top == null) {
            return;
        }
        waiting[dir] = true;
        if (dir == TokenBucket.READ && !under.isClosed()) {
            under.suspendRead(BufferEvent.SUSPEND_RATE_FILTER);
        }
        if (timer == null) {
            timer = top.base().newTimer((ev, what) -> tick());
        }
        if (!timer.isPending()) {
            timer.add(Duration.ofNanos(bucket.nanosToNextTick(now)));
        }
    }

    private void tick() {
        if (top == null || top.isClosed()) {
            return;
        }
        bucket.refill(System.nanoTime());
        if (waiting[TokenBucket.READ] && bucket.tokens(TokenBucket.READ) > 0) {
            waiting[TokenBucket.READ] = false;
            if (!under.isClosed()) {
                under.unsuspendRead(BufferEvent.SUSPEND_RATE_FILTER);
            }
            top.flush(Ev.READ, FlushMode.NORMAL);
        }
        if (waiting[TokenBucket.WRITE] && bucket.tokens(TokenBucket.WRITE) > 0) {
            waiting[TokenBucket.WRITE] = false;
            top.flush(Ev.WRITE, FlushMode.NORMAL);
        }
        if ((waiting[0] || waiting[1]) && !timer.isPending()) {
            timer.add(Duration.ofNanos(bucket.nanosToNextTick(System.nanoTime())));
        }
    }

    private void stop() {
        if (timer != null) {
            timer.close();
            timer = null;
        }
        if (under != null && !under.isClosed()) {
            under.unsuspendRead(BufferEvent.SUSPEND_RATE_FILTER);
        }
        top = null;
    }
}
