package io.jevent.spi;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * The operations a {@link CompletionEngine} has posted, named by 64-bit user data that carry a slot and a
 * generation: the engine's bookkeeping, shared by every engine so that the rule below is written once.
 *
 * <p><b>User data.</b> Bits 0..31 hold the slot, bits 32..62 its generation, bit 63 is always clear (an engine may
 * set it on user data of its own, such as readiness polls, to tell them apart). A slot's generation changes
 * when its operation completes for the last time, before the slot is reused: a completion that arrives for user
 * data whose generation is not the slot's current one (a late completion of a cancelled operation, a duplicate) is
 * dropped, and never reaches the handler that holds the slot now.
 *
 * <p><b>What a slot keeps.</b> The handler; the memory lent to the kernel (a buffer, or the buffers of a gathering
 * write, copied into the slot's own array since the caller may reuse its array as soon as the post returns), so that
 * it stays reachable until the completion; and the handle, {@linkplain FdHandle#acquire() acquired} for the whole
 * flight, so that its descriptor number is not released (and not reused by a new socket) while the kernel may still
 * act on it. When the last operation on a handle closed meanwhile completes, the table calls the engine's
 * {@code closeDescriptor} with the number.
 *
 * <p><b>Local completions.</b> An operation refused before it reaches the kernel (its handle is closed) completes
 * like any other, at the next delivery ({@link #deliverLocal}), never inside the call that posted it.
 *
 * <p>Loop thread only; allocates only when it grows.
 */
public final class OperationTable {
    /** The bits of the generation in user data (31 bits: bit 63 stays clear). */
    private static final int GENERATION_MASK = 0x7fff_ffff;

    private final IntConsumer closeDescriptor;
    private CompletionHandler[] handlers;
    private Object[] lent;
    /** Per slot: the buffers of a gathering operation (its own array, grown, never shrunk) and how many. */
    private ByteBuffer[][] lentBuffers;
    private int[] lentCount;
    private Handle[] handles;
    private int[] generation;
    /** The next free slot of each free slot (a stack threaded through this array), -1 at the end. */
    private int[] nextFree;
    private int freeHead;
    private int open;

    private long[] localData = new long[8];
    private int[] localResult = new int[8];
    private int localCount;

    /**
     * An empty table.
     *
     * @param initialSlots the starting capacity ({@code > 0}); it doubles as needed
     * @param closeDescriptor closes a descriptor whose handle was closed while operations were in flight, once the
     *     last of them has completed
     */
    public OperationTable(int initialSlots, IntConsumer closeDescriptor) {
        if (initialSlots <= 0) {
            throw new IllegalArgumentException("expected initialSlots > 0, got " + initialSlots);
        }
        this.closeDescriptor = closeDescriptor;
        handlers = new CompletionHandler[initialSlots];
        lent = new Object[initialSlots];
        lentBuffers = new ByteBuffer[initialSlots][];
        lentCount = new int[initialSlots];
        handles = new Handle[initialSlots];
        generation = new int[initialSlots];
        nextFree = new int[initialSlots];
        for (int i = 0; i < initialSlots; i++) {
            nextFree[i] = i + 1 < initialSlots ? i + 1 : -1;
        }
        freeHead = 0;
    }

    /**
     * The slot named by user data.
     *
     * @param userData a value returned by {@link #open(Handle, Object, CompletionHandler)} or its buffers variant
     * @return the slot index, its low 32 bits
     */
    public static int slot(long userData) {
        return (int) userData;
    }

    /**
     * Records a new operation and returns its user data.
     *
     * @param handle the handle it acts on (acquired until the last completion when it is an {@link FdHandle}), or
     *     {@code null}
     * @param memory what the kernel may read or write until the completion (kept reachable), or {@code null}
     * @param handler called with the completion(s), not null
     * @return the user data to post with the operation: slot in the low 32 bits, generation in the high ones
     * @throws ClosedChannelException if the handle is closed; nothing is recorded
     */
    public long open(Handle handle, Object memory, CompletionHandler handler) throws ClosedChannelException {
        if (handler == null) {
            throw new NullPointerException("handler");
        }
        if (handle instanceof FdHandle) {
            ((FdHandle) handle).acquire();
        }
        if (freeHead < 0) {
            grow();
        }
        int s = freeHead;
        freeHead = nextFree[s];
        nextFree[s] = -2; // in use
        handlers[s] = handler;
        lent[s] = memory;
        handles[s] = handle;
        open++;
        return ((long) generation[s] << 32) | (s & 0xffff_ffffL);
    }

    /**
     * Records a new operation that lends {@code buffers[offset .. offset+count)} to the kernel (a gathering write):
     * each buffer is kept reachable until the last completion through the slot's own array, never through
     * {@code buffers}, which the caller may reuse (clear, refill) as soon as this returns. Allocates only when the
     * slot's array must grow.
     *
     * @param handle the handle it acts on (acquired until the last completion when it is an {@link FdHandle}), or
     *     {@code null}
     * @param buffers the array holding the buffers lent; not kept
     * @param offset index of the first buffer lent
     * @param count how many buffers are lent
     * @param handler called with the completion(s), not null
     * @return the user data to post with the operation
     * @throws ClosedChannelException if the handle is closed; nothing is recorded
     * @throws IndexOutOfBoundsException if the range is outside {@code buffers}
     */
    public long open(Handle handle, ByteBuffer[] buffers, int offset, int count, CompletionHandler handler)
            throws ClosedChannelException {
        java.util.Objects.checkFromIndexSize(offset, count, buffers.length);
        long ud = open(handle, null, handler);
        int s = slot(ud);
        ByteBuffer[] held = lentBuffers[s];
        if (held == null || held.length < count) {
            held = new ByteBuffer[Math.max(count, held == null ? 4 : held.length * 2)];
            lentBuffers[s] = held;
        }
        System.arraycopy(buffers, offset, held, 0, count);
        lentCount[s] = count;
        return ud;
    }

    /**
     * Records an operation refused before reaching the kernel: it completes with {@code result} at the next
     * {@link #deliverLocal}, through the same path as kernel completions.
     *
     * @param handler called with the result, not null
     * @param result the completion's result, usually a negated errno
     */
    public void completeLater(CompletionHandler handler, int result) {
        long ud;
        try {
            ud = open(null, null, handler);
        } catch (ClosedChannelException impossible) {
            throw new AssertionError(impossible);
        }
        if (localCount == localData.length) {
            localData = Arrays.copyOf(localData, localCount * 2);
            localResult = Arrays.copyOf(localResult, localCount * 2);
        }
        localData[localCount] = ud;
        localResult[localCount] = result;
        localCount++;
    }

    /** {@return whether local completions wait for {@link #deliverLocal}} The engine's poll should not block then. */
    public boolean hasLocal() {
        return localCount > 0;
    }

    /**
     * Delivers the local completions recorded so far. Those their handlers record wait for the next call.
     *
     * @return how many were delivered
     */
    public int deliverLocal() {
        int n = localCount;
        for (int i = 0; i < n; i++) {
            complete(localData[i], localResult[i], 0, null);
        }
        // completions recorded by those handlers wait for the next delivery
        int left = localCount - n;
        System.arraycopy(localData, n, localData, 0, left);
        System.arraycopy(localResult, n, localResult, 0, left);
        localCount = left;
        return n;
    }

    /**
     * {@return whether {@code userData} names an operation still in flight (its slot's current generation)}
     *
     * @param userData a value from {@code open}, possibly stale
     */
    public boolean isCurrent(long userData) {
        int s = slot(userData);
        return userData >= 0 && s >= 0 && s < handlers.length && nextFree[s] == -2
                && generation[s] == (int) (userData >>> 32);
    }

    /**
     * {@return the handle of an operation in flight, or {@code null}} Also {@code null} for stale user data.
     *
     * @param userData a value from {@code open}, possibly stale
     */
    public Handle handle(long userData) {
        return isCurrent(userData) ? handles[slot(userData)] : null;
    }

    /**
     * {@return the memory lent by an operation in flight, or {@code null}} Also {@code null} for stale user data.
     *
     * @param userData a value from {@code open}, possibly stale
     */
    public Object memory(long userData) {
        return isCurrent(userData) ? lent[slot(userData)] : null;
    }

    /**
     * Delivers one completion. Without {@link CompletionEngine#MORE} in {@code flags} the operation ends: its slot
     * gets a new generation and is freed, its memory is let go and its handle released, all <em>before</em> the
     * handler runs (so the handler may post again at once and may close the handle).
     *
     * @param userData the operation's user data, as the kernel returned it
     * @param result the completion's result: a count, a descriptor, or a negated errno
     * @param flags {@link CompletionEngine#MORE}, {@link CompletionEngine#BUFFER}, or 0
     * @param data the buffer the engine picked ({@link CompletionEngine#BUFFER}), or {@code null}
     * @return {@code false} if the user data is stale (nothing was called)
     */
    public boolean complete(long userData, int result, int flags, ByteBuffer data) {
        if (!isCurrent(userData)) {
            return false;
        }
        int s = slot(userData);
        CompletionHandler h = handlers[s];
        if ((flags & CompletionEngine.MORE) == 0) {
            free(s);
        }
        h.completed(result, flags, data);
        return true;
    }

    /**
     * The engine is closing and no completion will come: forgets every operation in flight without calling its
     * handler, releases its handle (closing, through {@code closeDescriptor}, a descriptor whose handle was closed
     * meanwhile, so a connection closed before its base does not leak it) and lets go of its memory. Memory lent to
     * an operation is left to the garbage collector: its owner never learns the kernel is done with it, so never
     * recycles it. Local completions not yet delivered are dropped too.
     */
    public void closeAll() {
        for (int s = 0; s < handlers.length; s++) {
            if (nextFree[s] == -2) {
                free(s);
            }
        }
        localCount = 0;
    }

    /** {@return the number of operations in flight} */
    public int inFlight() {
        return open;
    }

    /** {@return the slots ever allocated} For tests: the table grows only to the peak in flight. */
    public int capacity() {
        return handlers.length;
    }

    /**
     * Ends the operation in slot {@code s}, in use: forgets its handler and memory, gives the slot a new generation
     * (so late completions of this operation are dropped) and frees it, then releases the handle, closing a
     * descriptor whose handle was closed while this operation was its last in flight.
     */
    private void free(int s) {
        Handle handle = handles[s];
        handlers[s] = null;
        lent[s] = null;
        if (lentCount[s] > 0) {
            Arrays.fill(lentBuffers[s], 0, lentCount[s], null);
            lentCount[s] = 0;
        }
        handles[s] = null;
        generation[s] = (generation[s] + 1) & GENERATION_MASK;
        nextFree[s] = freeHead;
        freeHead = s;
        open--;
        if (handle instanceof FdHandle && ((FdHandle) handle).release()) {
            closeDescriptor.accept(((FdHandle) handle).fd());
        }
    }

    private void grow() {
        int old = handlers.length;
        int n = old * 2;
        handlers = Arrays.copyOf(handlers, n);
        lent = Arrays.copyOf(lent, n);
        lentBuffers = Arrays.copyOf(lentBuffers, n);
        lentCount = Arrays.copyOf(lentCount, n);
        handles = Arrays.copyOf(handles, n);
        generation = Arrays.copyOf(generation, n);
        nextFree = Arrays.copyOf(nextFree, n);
        for (int i = old; i < n; i++) {
            nextFree[i] = i + 1 < n ? i + 1 : -1;
        }
        freeHead = old;
    }
}
