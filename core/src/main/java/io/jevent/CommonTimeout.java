package io.jevent;

import java.time.Duration;

/**
 * A timeout duration shared by many events: libevent's <em>common timeouts</em>. Events added with the same
 * {@code CommonTimeout} wait in one FIFO (their deadlines are in order because the clock only moves forward), and
 * only the head of the FIFO sits in the timer heap. Adding, removing and firing cost O(1) instead of O(log n):
 * 10,000 idle connections with the same 30 s timeout cost one heap entry.
 *
 * <p>Made by {@link EventBase#commonTimeout(Duration)}; one per distinct duration per base.
 */
public final class CommonTimeout {
    final EventBase base;
    final long nanos;
    /** Stands for the whole FIFO in the timer heap, at the head's deadline. Never inserted, never dispatched. */
    final Event sentinel;
    Event head;
    Event tail;
    int size;

    CommonTimeout(EventBase base, long nanos) {
        this.base = base;
        this.nanos = nanos;
        this.sentinel = new Event(base, null, 0, null, -1, null, 0);
        this.sentinel.state = Event.INTERNAL;
        this.sentinel.common = this;
    }

    /** {@return the shared duration} */
    public Duration duration() {
        return Duration.ofNanos(nanos);
    }

    /** {@return how many events wait on it now} Loop thread. */
    public int size() {
        return size;
    }

    void append(Event e) {
        e.commonPrev = tail;
        e.commonNext = null;
        if (tail == null) {
            head = e;
        } else {
            tail.commonNext = e;
        }
        tail = e;
        size++;
    }

    void unlink(Event e) {
        if (e.commonPrev == null) {
            head = e.commonNext;
        } else {
            e.commonPrev.commonNext = e.commonNext;
        }
        if (e.commonNext == null) {
            tail = e.commonPrev;
        } else {
            e.commonNext.commonPrev = e.commonPrev;
        }
        e.commonPrev = null;
        e.commonNext = null;
        size--;
    }

    @Override
    public String toString() {
        return "CommonTimeout[" + duration() + ", " + size + " waiting]";
    }
}
