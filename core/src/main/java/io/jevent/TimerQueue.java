package io.jevent;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The base's timers: a {@link TimerHeap} ordered by (deadline, insertion sequence) and libevent's common
 * timeouts, a FIFO per shared duration of which only the head sits in the heap (through the FIFO's sentinel), so
 * that adding, removing and expiring on a common timeout cost O(1). Loop thread only, except
 * {@link #commonTimeout}, which any thread may call.
 */
final class TimerQueue {
    private static final int MAX_COMMON_TIMEOUTS = 256;

    private final TimerHeap heap = new TimerHeap();
    /** Breaks deadline ties: equal deadlines fire in the order they were set. */
    private long seq;
    /** One per distinct duration; guarded by itself (made from any thread). */
    private final Map<Long, CommonTimeout> common = new HashMap<>();
    /** {@code null}: {@link System#nanoTime()}. Tests in this package drive the timers with their own clock. */
    private LongSupplier clock;

    /** The time timers are measured in: monotonic nanoseconds. */
    long now() {
        LongSupplier c = clock;
        return c == null ? System.nanoTime() : c.getAsLong();
    }

    /** For tests in this package: measures time by {@code clock}, before any timer is set. */
    void useClock(LongSupplier clock) {
        this.clock = clock;
    }

    /** Entries in the heap (a common timeout counts once). */
    int size() {
        return heap.size();
    }

    /** The shared timeout of {@code nanos} for {@code base}, made on first use. */
    CommonTimeout commonTimeout(EventBase base, long nanos) {
        synchronized (common) {
            CommonTimeout ct = common.get(nanos);
            if (ct == null) {
                if (common.size() >= MAX_COMMON_TIMEOUTS) {
                    throw new IllegalStateException("at most " + MAX_COMMON_TIMEOUTS + " common timeouts per base;"
                            + " reuse durations or use ordinary timeouts");
                }
                ct = new CommonTimeout(base, nanos);
                common.put(nanos, ct);
            }
            return ct;
        }
    }

    /**
     * Sets (or resets) {@code e}'s timeout to {@code now + nanos}, on {@code ct}'s FIFO when given, else in the heap.
     * The only writer of {@link Event#common}: the old timeout is cancelled first, through the FIFO (or heap) the
     * event is really on, and only then does {@code e.common} name the new one. Setting it before (as a caller
     * might) would unlink the event from the FIFO it is about to join and leave it on the old one.
     */
    void schedule(Event e, long now, long nanos, CommonTimeout ct) {
        if ((e.state & Event.TIMED) != 0) {
            unschedule(e);
        }
        e.common = ct;
        e.deadline = now + Math.min(nanos, Long.MAX_VALUE / 4);
        e.seq = seq++;
        e.state |= Event.TIMED;
        if (ct != null) {
            ct.append(e);
            if (ct.head == e) {
                armSentinel(ct);
            }
        } else {
            heap.push(e);
        }
    }

    /** Cancels {@code e}'s timeout: takes it out of the heap, or off the FIFO of {@code e.common}. */
    void unschedule(Event e) {
        e.state &= ~Event.TIMED;
        if (e.heapIndex >= 0) {
            heap.remove(e);
        } else if (e.common != null) {
            CommonTimeout ct = e.common;
            boolean wasHead = ct.head == e;
            ct.unlink(e);
            if (wasHead) {
                armSentinel(ct);
            }
        }
    }

    private void armSentinel(CommonTimeout ct) {
        Event s = ct.sentinel;
        if (s.heapIndex >= 0) {
            heap.remove(s);
        }
        if (ct.head != null) {
            s.deadline = ct.head.deadline;
            s.seq = ct.head.seq;
            heap.push(s);
        }
    }

    /** Nanoseconds until the first deadline ({@code >= 0}), or -1 when no timer is set. */
    long nextTimeout() {
        Event top = heap.peek();
        if (top == null) {
            return -1;
        }
        return Math.max(0, top.deadline - now());
    }

    /** Hands every event whose deadline has passed to {@code base.expire}, in deadline order. */
    void processTimeouts(EventBase base) {
        Event top = heap.peek();
        if (top == null) {
            return;
        }
        long now = now();
        while ((top = heap.peek()) != null && top.deadline - now <= 0) {
            heap.pop();
            if (top.callback == null) { // a common timeout's sentinel: expire its FIFO's due head
                CommonTimeout ct = top.common;
                Event e;
                while ((e = ct.head) != null && e.deadline - now <= 0) {
                    ct.unlink(e);
                    base.expire(e);
                }
                armSentinel(ct);
            } else {
                base.expire(top);
            }
        }
    }
}
