package io.jevent.buffer;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Views of an {@link EvBuffer}'s memory lent until {@link #close()}: what {@link EvBuffer#peek(long, BufferPtr, Loan)}
 * and {@link EvBuffer#pullUp(long, Loan)} fill instead of handing views out for good. While the loan is open the
 * segments it shows are pinned: the buffer never writes into what the views show and never recycles their memory,
 * even if their bytes are drained or moved to another buffer meanwhile; {@code close()} gives them back, and a
 * segment that left its buffer in the meantime goes back to the pool then. A plain {@code peek} or {@code pullUp}
 * cannot know when its views die, so their memory is never recycled (it is left to the GC); a caller that looks at
 * the bytes and is done, as a filter does once per record, lends through a Loan and keeps the pool working.
 *
 * <p>Reusable: fill, use, close, fill again. Filling a loan that is still open is a programmer error. Allocates
 * nothing after construction, apart from the views themselves. Confined to the buffer's thread, like the buffer.
 */
public final class Loan implements AutoCloseable {
    /** The views, {@code [0, count)} filled. */
    private final ByteBuffer[] views;
    /** The segments pinned for this loan, {@code [0, lent)}; one per view, fewer for an empty pullUp. */
    private final Segment[] segments;
    /** Views filled. */
    private int count;
    /** Whether views are the segments' own reusable view objects ({@link #forIo}). */
    final boolean reusesViews;
    /** Segments pinned. */
    private int lent;

    /**
     * A loan that holds up to {@code maxViews} views.
     *
     * @param maxViews the most views (segments) one fill can lend
     * @throws IllegalArgumentException if {@code maxViews < 1}
     */
    public Loan(int maxViews) {
        this(maxViews, false);
    }

    private Loan(int maxViews, boolean reusesViews) {
        if (maxViews < 1) {
            throw new IllegalArgumentException("expected maxViews >= 1, got " + maxViews);
        }
        views = new ByteBuffer[maxViews];
        segments = new Segment[maxViews];
        this.reusesViews = reusesViews;
    }

    /**
     * A loan for I/O that allocates nothing per fill: a view of a segment nobody else has lent is that segment's own
     * view object, positioned on the lent bytes, and the same object is handed out again by later loans of the
     * segment. So nothing may keep a view past {@link #close()}: give these views to a system call or a completion
     * engine (which lets go when the operation completes, before the loan closes), never to an object that keeps its
     * input, such as a {@code Deflater}, an {@code Inflater} or an {@code SSLEngine}. Views are not slices: use
     * position and limit, not absolute indexes from 0.
     *
     * @param maxViews the most views (segments) one fill can lend
     * @return the new loan, empty
     * @throws IllegalArgumentException if {@code maxViews < 1}
     */
    public static Loan forIo(int maxViews) {
        return new Loan(maxViews, true);
    }

    /**
     * The views, valid until {@link #close()}: entries {@code [0, count())} are filled, the rest are null. The array
     * is this loan's own (no copy, so it can go straight to a gathering call such as {@code SSLEngine.wrap}); keep
     * neither it nor the views past {@code close()}.
     *
     * @return the loan's own array of views
     */
    public ByteBuffer[] views() {
        return views;
    }

    /**
     * {@return view {@code i}}
     *
     * @param i the view's index, {@code 0 <= i < count()}
     */
    public ByteBuffer view(int i) {
        if (i < 0 || i >= count) {
            throw new IndexOutOfBoundsException("expected 0 <= i < count (" + count + "), got " + i);
        }
        return views[i];
    }

    /** {@return the number of views filled; 0 when the loan is closed} */
    public int count() {
        return count;
    }

    /** {@return the most views this loan holds} */
    public int capacity() {
        return views.length;
    }

    /** {@return whether views are lent (filled and not closed yet)} */
    public boolean isOpen() {
        return count > 0 || lent > 0;
    }

    /**
     * Gives the views' memory back: the segments are unpinned, and those that left their buffer meanwhile go back to
     * the pool. Clears the views. Idempotent.
     */
    @Override
    public void close() {
        for (int i = 0; i < lent; i++) {
            Segment s = segments[i];
            segments[i] = null;
            s.endLoan();
        }
        Arrays.fill(views, 0, count, null);
        count = 0;
        lent = 0;
    }

    /** Checks the loan may be filled; called before a buffer lends into it. */
    void checkClosed(String op) {
        if (isOpen()) {
            throw new IllegalStateException(op + ": the loan still holds " + count + " view(s): close() it before"
                    + " lending into it again");
        }
    }

    /** Records a pinned segment (the buffer lent it with {@code Segment.lend}). */
    void record(Segment s) {
        segments[lent++] = s;
    }

    /** Sets the number of views the buffer filled. */
    void filled(int n) {
        count = n;
    }
}
