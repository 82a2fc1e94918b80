package io.jevent.backend.iocp.internal;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Where dequeuer threads leave one base's completions for its loop: a {@link CompletionRing} (no allocation per
 * completion), and behind it an unbounded overflow queue for the rare case of a full ring (a base that stopped looping
 * while thousands of its operations complete). A producer never waits for the loop, so one idle base cannot stall a
 * dequeuer that serves other bases too; the overflow allocates, but only past the ring's capacity.
 *
 * <p>Order: completions of one producer are delivered in order unless some went to the overflow, which is drained
 * after the ring. Completions of one operation never race each other (IOCP completes an operation once, and the
 * engine posts the next step only after delivering), so order across operations does not matter.
 *
 * <p>{@link #offer}: any thread. {@link #drain}, {@link #isEmpty}: one consumer thread at a time.
 */
public final class CompletionInbox {
    private final CompletionRing ring;
    private final ConcurrentLinkedQueue<long[]> overflow = new ConcurrentLinkedQueue<>();

    /**
     * An empty inbox.
     *
     * @param capacity the ring's cells, a power of two {@code >= 2}
     */
    public CompletionInbox(int capacity) {
        ring = new CompletionRing(capacity);
    }

    /** Adds a completion; never blocks, never drops. Any thread. */
    public void offer(long userData, long value) {
        if (!ring.offer(userData, value)) {
            overflow.add(new long[] {userData, value});
        }
    }

    /** Hands every completion left so far to {@code c}; returns how many. Consumer thread. */
    public int drain(CompletionRing.Consumer c) {
        int n = ring.drain(c);
        long[] e;
        while ((e = overflow.poll()) != null) {
            c.accept(e[0], e[1]);
            n++;
        }
        return n;
    }

    /** Whether nothing waits. Consumer thread. */
    public boolean isEmpty() {
        return ring.isEmpty() && overflow.isEmpty();
    }
}
