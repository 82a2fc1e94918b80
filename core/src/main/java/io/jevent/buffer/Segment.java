package io.jevent.buffer;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One link of an {@link EvBuffer}'s chain. Package-private: users see only the façade.
 *
 * <p>Four kinds, told apart by {@link #kind}:
 * <ul>
 *   <li>{@link #POOLED}: {@link #buf} is a direct buffer of {@link SegmentPool#SEGMENT_SIZE} bytes owned by the
 *       pool; readable bytes are {@code [pos, limit)}, writable space is {@code [limit, capacity)}, and the space
 *       {@code [0, pos)} can take prepended bytes. Returned to the pool as soon as it is empty.</li>
 *   <li>{@link #OWNED}: like POOLED but of another size (a large {@code pullUp} or contiguous reservation);
 *       dropped for the GC when empty instead of pooled.</li>
 *   <li>{@link #REFERENCE}: {@link #buf} is our own duplicate of caller memory, readable {@code [pos, limit)},
 *       never written; {@link #release} runs the caller's cleanup once every segment sharing it is drained.</li>
 *   <li>{@link #FILE}: a region {@code [fileOffset, fileEnd)} of {@link Release#channel}; {@link #buf} is null.
 *       Written with {@code transferTo}, read into pooled segments only when its bytes must be inspected.</li>
 * </ul>
 *
 * <p>Invariant: a segment belongs to at most one chain, and the chain (or a pool cache) is the only thing that
 * mutates its fields. Every segment has a {@link #buf} object of its own, even when its memory is shared with
 * another segment ({@link #splitShared}): {@code buf}'s position and limit are scratch state, set just before an
 * I/O call that may take several segments at once, so two segments sharing one ByteBuffer object would overwrite
 * each other's cursor. Every other access is by absolute index.
 *
 * <p><b>Sharing</b> ({@link #shares}) is the one rule for memory seen from outside the chain, okio's
 * {@code Segment.shared} with a count. A view handed out of the segment either ends ({@link Loan#close()}, a commit)
 * or escapes for ever (a plain {@code peek}, {@code pullUp}, or a reservation cancelled under its caller). While a
 * segment is shared the chain never writes where a view may look (not before {@link #pos}, not below
 * {@link #lentEnd}) and never recycles it: a pinned segment that leaves the chain is recycled when its last loan
 * ends, an escaped one is left to the GC, which frees the memory with the last view.
 */
final class Segment {
    static final byte POOLED = 0;
    static final byte OWNED = 1;
    static final byte REFERENCE = 2;
    static final byte FILE = 3;

    /** The memory; null for FILE segments. */
    ByteBuffer buf;
    /** Index of the first readable byte in {@link #buf}. */
    int pos;
    /** Index one past the last readable byte in {@link #buf}. */
    int limit;
    /** FILE: channel position of the first readable byte. */
    long fileOffset;
    /** FILE: channel position one past the last readable byte. */
    long fileEnd;
    /** The next segment in the chain (or in a pool cache), or null. */
    Segment next;
    /** REFERENCE and FILE: the shared owner of the caller's resource; null otherwise. */
    Release release;
    /** One of POOLED, OWNED, REFERENCE, FILE. */
    byte kind;
    /**
     * Who else sees this segment's memory: 0 nobody (the chain owns it alone); {@code n > 0} that many loans that
     * will end (a {@link Loan}'s views, a pending reservation), pinning it until the last ends; {@link #ESCAPED}
     * a view with no end. Non-zero means shared: see the class comment.
     */
    int shares;
    /** While shared: one past the last index a view may look at (appends need {@code limit >= lentEnd}); else 0. */
    int lentEnd;
    /** Left the chain while pinned: recycled (or its caller's resource released) when the last loan ends. */
    boolean orphaned;
    /** A view of {@link #buf} reused by {@link Loan#forIo} loans while nobody else has the segment lent; or null. */
    private ByteBuffer ioView;

    /** {@link #shares} of a segment whose memory a view holds with no end in sight. */
    static final int ESCAPED = -1;

    Segment(ByteBuffer buf, byte kind) {
        this.buf = buf;
        this.kind = kind;
    }

    /** Readable bytes. */
    long size() {
        return kind == FILE ? fileEnd - fileOffset : limit - pos;
    }

    boolean isEmpty() {
        return kind == FILE ? fileEnd == fileOffset : limit == pos;
    }

    /** True when bytes may be appended after {@link #limit} (our memory, not caller's, not a file). */
    boolean writable() {
        return kind == POOLED || kind == OWNED;
    }

    /**
     * Free space after the readable bytes; 0 for segments we may not write, and for a shared one whose lent region
     * reaches past {@link #limit} (a reservation's view: writing there would write into it).
     */
    int writableBytes() {
        return writable() && limit >= lentEnd ? buf.capacity() - limit : 0;
    }

    /** Room before the readable bytes that prepend may fill; 0 while shared (a view may look there). */
    int frontRoom() {
        return writable() && shares == 0 ? pos : 0;
    }

    /**
     * The segment's reusable view, positioned on {@code [from, from + len)} of {@link #buf}: made at the first use,
     * then only moved. For a {@link Loan#forIo} loan, when {@link #shares} is 0 (nobody else holds it).
     */
    ByteBuffer ioView(int from, int len) {
        ByteBuffer v = ioView;
        if (v == null) {
            v = buf.duplicate();
            ioView = v;
        }
        v.limit(from + len).position(from);
        return v;
    }

    /** Lends {@code [.., end)} through a view that will be given back ({@link #endLoan}): pins the segment. */
    void lend(int end) {
        if (shares != ESCAPED) {
            shares++;
        }
        if (end > lentEnd) {
            lentEnd = end;
        }
    }

    /** Lends {@code [.., end)} through a view that is never given back: the segment stays shared for good. */
    void escape(int end) {
        shares = ESCAPED;
        if (end > lentEnd) {
            lentEnd = end;
        }
    }

    /** Ends one loan of {@link #lend}; the last unpins the segment, and recycles it if it left the chain meanwhile. */
    void endLoan() {
        if (shares > 0 && --shares == 0) {
            lentEnd = 0;
            if (orphaned) {
                orphaned = false;
                release();
            }
        }
    }

    /** True when its bytes are in memory, so they may be read by index. */
    boolean inMemory() {
        return kind != FILE;
    }

    byte get(int i) {
        return buf.get(pos + i);
    }

    /**
     * Makes a second segment for the region {@code [from, from + n)} of this REFERENCE or FILE segment, sharing its
     * resource (the release count goes up by one) but with a ByteBuffer object of its own (see the class comment).
     */
    Segment splitShared(long from, long n) {
        Segment s = new Segment(kind == FILE ? null : buf.duplicate(), kind);
        s.release = release;
        release.refs++;
        if (kind == FILE) {
            s.fileOffset = fileOffset + from;
            s.fileEnd = s.fileOffset + n;
        } else {
            s.pos = pos + (int) from;
            s.limit = s.pos + (int) n;
        }
        return s;
    }

    /**
     * The segment has left the chain for good: back to the pool, or the caller's cleanup when the last share of its
     * resource goes. A pinned segment waits for its last loan to end; an escaped pooled one is not recycled.
     */
    void free() {
        next = null;
        if (shares > 0) {
            orphaned = true;
            return;
        }
        release();
    }

    private void release() {
        if (kind == POOLED) {
            if (shares == 0) {
                SegmentPool.recycle(this);
            } // else escaped: a view may still read or write it, so it is left to the GC with the view
        } else if (release != null) {
            Release r = release;
            release = null;
            r.drop();
        }
    }

    /**
     * The caller's resource behind REFERENCE and FILE segments, shared by every segment cut from it (by
     * {@code removeBuffer} moving part of one). Confined to the loop thread like the buffers that hold it.
     */
    static final class Release {
        /** The original caller buffer, handed back to the cleanup. */
        final ByteBuffer data;
        /** FILE: the channel. */
        final FileChannel channel;
        /** What to run when the last share is dropped; may be null. */
        final ReferenceCleanup cleanup;
        /** Segments still sharing the resource. */
        int refs = 1;

        Release(ByteBuffer data, FileChannel channel, ReferenceCleanup cleanup) {
            this.data = data;
            this.channel = channel;
            this.cleanup = cleanup;
        }

        void drop() {
            if (--refs == 0 && cleanup != null) {
                cleanup.release(data, channel);
            }
        }
    }
}
