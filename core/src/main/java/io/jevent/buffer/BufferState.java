package io.jevent.buffer;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * The seldom-used part of an {@link EvBuffer}: freeze flags, change callbacks and their deferral, a pending
 * reservation, and segments taken ahead by {@code expand}. Allocated on first use, so that an idle buffer that
 * never used these costs one null reference.
 */
final class BufferState {
    /** {@code freeze(START)} is in effect. */
    boolean frozenStart;
    /** {@code freeze(END)} is in effect. */
    boolean frozenEnd;
    /** {@code refusePrepends()} is in effect. */
    boolean prependsRefused;

    /** Registered callbacks, {@code [0, callbackCount)}; null until the first. */
    CallbackEntry[] callbacks;
    int callbackCount;
    /** Where callbacks are deferred to, or null to call them at once. */
    Executor deferTo;
    /** A deferred call is scheduled and has not run yet. */
    boolean deferredPending;
    /** Changes summed since the deferred call was scheduled. */
    long pendingOriginal;
    long pendingAdded;
    long pendingDeleted;
    /** The task handed to {@link #deferTo}; made once. */
    Runnable deferredTask;

    /** Empty writable segments taken by {@code expand}, linked through {@link Segment#next}; used before the pool. */
    Segment spare;

    /** A reservation is pending. */
    boolean reserved;
    /** The tail segment whose free space is reserved, or null. */
    Segment resTail;
    /** {@link #resTail} was emptied by a drain while reserved and unlinked; commit links it back. */
    boolean resTailDetached;
    /** Fresh segments whose whole space is reserved, linked through {@link Segment#next}. */
    Segment resFresh;
    /** Bytes the caller may commit. */
    long resTotal;
    /** A caller-owned buffer reserved with {@code reserve(ByteBuffer, cleanup)}, or null. */
    ByteBuffer resOwn;
    /** Position of {@link #resOwn} when reserved. */
    int resOwnStart;
    ReferenceCleanup resOwnCleanup;

    boolean hasCallbacks() {
        return callbackCount > 0;
    }

    CallbackEntry addCallback(BufferCallback cb) {
        if (callbacks == null) {
            callbacks = new CallbackEntry[2];
        } else if (callbackCount == callbacks.length) {
            callbacks = Arrays.copyOf(callbacks, callbackCount * 2);
        }
        CallbackEntry e = new CallbackEntry(this, cb);
        callbacks[callbackCount++] = e;
        return e;
    }

    void removeCallback(CallbackEntry e) {
        for (int i = 0; i < callbackCount; i++) {
            if (callbacks[i] == e) {
                System.arraycopy(callbacks, i + 1, callbacks, i, callbackCount - i - 1);
                callbacks[--callbackCount] = null;
                return;
            }
        }
    }

    /** Reports a change, now or through the executor. Allocation-free once the deferred task exists. */
    void changed(EvBuffer buffer, long original, long added, long deleted) {
        if (deferTo == null) {
            invoke(buffer, original, added, deleted);
            return;
        }
        if (!deferredPending) {
            deferredPending = true;
            pendingOriginal = original;
            pendingAdded = 0;
            pendingDeleted = 0;
            pendingAdded += added;
            pendingDeleted += deleted;
            if (deferredTask == null) {
                deferredTask = () -> runDeferred(buffer);
            }
            deferTo.execute(deferredTask);
        } else {
            pendingAdded += added;
            pendingDeleted += deleted;
        }
    }

    private void runDeferred(EvBuffer buffer) {
        if (!deferredPending) {
            return;
        }
        deferredPending = false;
        invoke(buffer, pendingOriginal, pendingAdded, pendingDeleted);
    }

    private void invoke(EvBuffer buffer, long original, long added, long deleted) {
        // a callback may remove itself or others: walk a snapshot of the count, re-checking bounds
        for (int i = 0; i < callbackCount; i++) {
            CallbackEntry e = callbacks[i];
            if (e.enabled) {
                e.callback.onChange(buffer, original, added, deleted);
            }
        }
    }

    /**
     * Cancels the reservation: its caller still holds the views and may write through them, so every reserved
     * segment stays lent for good ({@code Segment.escape}): the tail takes no more appends, and segments outside the
     * chain are let go without being recycled.
     */
    void dropReservation() {
        if (!reserved) {
            return;
        }
        if (resTail != null) {
            resTail.escape(resTail.buf.capacity());
            if (resTailDetached) {
                resTail.free();
            }
        }
        for (Segment s = resFresh; s != null; ) {
            Segment n = s.next;
            s.next = null;
            s.escape(s.buf.capacity());
            s.free();
            s = n;
        }
        clearReservation();
    }

    void clearReservation() {
        reserved = false;
        resTail = null;
        resTailDetached = false;
        resFresh = null;
        resTotal = 0;
        resOwn = null;
        resOwnCleanup = null;
    }

    /** True when no field differs from a fresh state, so the buffer may drop it. */
    boolean isIdle() {
        return !frozenStart && !frozenEnd && !prependsRefused && callbackCount == 0 && deferTo == null && spare == null && !reserved
                && !deferredPending;
    }
}
