package io.jevent.backend.iocp.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A bounded multi-producer, single-consumer ring of completions, each two longs (the operation's user data and its
 * status and byte count): how the threads that dequeue a completion port hand completions to the loop thread of the
 * base that owns them, allocating nothing per completion.
 *
 * <p>Dmitry Vyukov's bounded queue: each cell has a sequence number. A producer claims position {@code p} by a
 * compare-and-set of the tail once the cell's sequence equals {@code p}, writes the two longs, and publishes them by
 * storing {@code p + 1} into the sequence (release). The consumer takes position {@code p} once the sequence is
 * {@code p + 1} (acquire), reads, and frees the cell for the next lap by storing {@code p + capacity}. A full ring
 * makes {@link #offer} return {@code false}; {@link CompletionInbox} then keeps the completion elsewhere, so nothing is
 * dropped and no producer waits.
 *
 * <p>Producers: any thread. Consumer: one thread at a time (the base's loop thread).
 */
public final class CompletionRing {
    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle TAIL;

    static {
        try {
            TAIL = MethodHandles.lookup().findVarHandle(CompletionRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Receives what {@link #drain} takes. */
    @FunctionalInterface
    public interface Consumer {
        /** One completion. */
        void accept(long userData, long value);
    }

    private final int mask;
    private final long[] sequence;
    private final long[] data;
    /** The next position a producer claims (compare-and-set). */
    @SuppressWarnings("unused") // through TAIL
    private volatile long tail;
    /** The next position the consumer takes; the consumer's alone. */
    private long head;

    /**
     * An empty ring.
     *
     * @param capacity a power of two {@code >= 2}
     */
    public CompletionRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("expected a power of two >= 2, got " + capacity);
        }
        mask = capacity - 1;
        sequence = new long[capacity];
        data = new long[capacity * 2];
        for (int i = 0; i < capacity; i++) {
            sequence[i] = i;
        }
    }

    /** The number of cells. */
    public int capacity() {
        return mask + 1;
    }

    /**
     * Adds a completion. Any thread.
     *
     * @return {@code false} if the ring is full (nothing was added)
     */
    public boolean offer(long userData, long value) {
        for (;;) {
            long p = (long) TAIL.getVolatile(this);
            int i = (int) p & mask;
            long seq = (long) SEQ.getAcquire(sequence, i);
            long dif = seq - p;
            if (dif == 0) {
                if (TAIL.compareAndSet(this, p, p + 1)) {
                    data[2 * i] = userData;
                    data[2 * i + 1] = value;
                    SEQ.setRelease(sequence, i, p + 1);
                    return true;
                }
            } else if (dif < 0) {
                return false; // the cell still holds the completion of the previous lap
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Hands every completion published so far to {@code c}, in order. Consumer thread only.
     *
     * @return how many
     */
    public int drain(Consumer c) {
        int n = 0;
        for (;;) {
            long p = head;
            int i = (int) p & mask;
            long seq = (long) SEQ.getAcquire(sequence, i);
            if (seq != p + 1) {
                return n; // empty, or a producer has claimed the cell but not yet published it
            }
            long ud = data[2 * i];
            long v = data[2 * i + 1];
            SEQ.setRelease(sequence, i, p + mask + 1);
            head = p + 1;
            n++;
            c.accept(ud, v);
        }
    }

    /** Whether a completion is published and not taken. Consumer thread only. */
    public boolean isEmpty() {
        long p = head;
        return (long) SEQ.getAcquire(sequence, (int) p & mask) != p + 1;
    }
}
