package io.jevent.buffer;

import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Executor;

/**
 * libevent's {@code evbuffer} on the JVM: a byte queue kept as a chain of segments, which moves segments between
 * buffers instead of copying bytes. See the {@linkplain io.jevent.buffer package note} for the design.
 *
 * <p><b>Not thread-safe, by design</b>: a buffer belongs to one loop thread, and every method must be called on
 * it. Callbacks run on that thread, or through the executor given to {@link #deferCallbacks}.
 *
 * <p><b>Errors</b>: a negative length, an index out of range, a pointer from another buffer or made stale by a
 * drain, a commit larger than the reservation, or a change to a frozen side throws an unchecked exception whose
 * message states what was expected, and leaves the buffer unchanged. Would-block and end-of-stream are
 * return values of {@link #readFrom} and {@link #writeTo}.
 *
 * <p><b>Allocation</b>: {@link #add(byte[], int, int)}, {@link #add(ByteBuffer)}, {@link #prepend}, {@link #drain},
 * {@link #remove}, {@link #copyOut}, {@link #removeBuffer}, {@link #addBuffer}, {@link #prependBuffer},
 * {@link #expand}, {@link #commit}, {@link #readFrom} and {@link #writeTo} over memory segments allocate nothing
 * while the segment pool's thread cache holds segments. Views ({@link #peek}, {@link #pullUp}, {@link #reserve}),
 * pointers, lines, strings and reference or file segments are new objects.
 */
public final class EvBuffer extends SegmentChain {
    /** Which end of the buffer {@link #freeze} acts on. */
    public enum Side {
        /** The front: drain, remove, removeBuffer, prepend, readLine, writeTo. */
        START,
        /** The back: add, addBuffer, addReference, addFile, expand, reserve, commit, readFrom. */
        END
    }


    /** An empty buffer; it holds no memory until bytes are added. */
    public EvBuffer() {
    }

    /** {@return the number of readable bytes (libevent {@code evbuffer_get_length})} */
    public long length() {
        return length;
    }

    /**
     * Bytes of memory this buffer holds now: the whole size of each segment of its own memory in the chain, plus
     * segments taken ahead by {@link #expand} or a pending {@link #reserve}. Caller memory ({@link #addReference},
     * {@link #addFile}) counts nothing. What a connection's buffering costs in direct memory; O(segments).
     *
     * @return the bytes of memory held
     */
    public long memoryHeld() {
        return heldMemory();
    }

    /**
     * {@return the number of bytes readable in the first segment without copying} Libevent's
     * {@code evbuffer_get_contiguous_space}.
     */
    public long contiguousSpace() {
        return head == null ? 0 : head.size();
    }

    // ---------------------------------------------------------------- adding

    /**
     * Appends a copy of {@code src}.
     *
     * @param src the bytes to append
     * @throws IllegalStateException if the end is frozen
     */
    public void add(byte[] src) {
        add(src, 0, src.length);
    }

    /**
     * Appends a copy of {@code src[off, off + len)}, filling the last segment's free space first.
     *
     * @param src the array holding the bytes
     * @param off index of the first byte in {@code src}
     * @param len how many bytes to append
     * @throws IndexOutOfBoundsException if the range is not within {@code src}
     * @throws IllegalStateException if the end is frozen
     */
    public void add(byte[] src, int off, int len) {
        checkRange(off, len, src.length);
        beforeEndChange();
        long orig = length;
        appendBytes(src, off, len);
        changed(orig, len, 0);
    }

    /**
     * Appends a copy of {@code src}'s remaining bytes, advancing its position.
     *
     * @param src the bytes to append, heap or direct
     */
    public void add(ByteBuffer src) {
        beforeEndChange();
        long orig = length;
        int len = src.remaining();
        appendBytes(src, src.position(), len);
        src.position(src.position() + len);
        changed(orig, len, 0);
    }

    /**
     * Appends {@code s} encoded with {@code charset}.
     *
     * @param s the characters to append
     * @param charset how to encode them
     * @return the number of bytes added
     */
    public int add(CharSequence s, Charset charset) {
        byte[] b = s.toString().getBytes(charset);
        add(b, 0, b.length);
        return b.length;
    }

    /**
     * Appends {@link String#format(Locale, String, Object...)} with {@link Locale#ROOT}, encoded as UTF-8
     * (libevent {@code evbuffer_add_printf}).
     *
     * @param format the format string
     * @param args the arguments the format refers to
     * @return the number of bytes added
     */
    public int addFormatted(String format, Object... args) {
        return add(String.format(Locale.ROOT, format, args), StandardCharsets.UTF_8);
    }

    /**
     * Appends caller memory without copying it: {@code data}'s remaining bytes become part of the buffer, and
     * {@code cleanup} is called once all of them have been drained, removed or written (libevent
     * {@code evbuffer_add_reference}). The caller must not change those bytes until then. {@code data}'s position
     * is not changed. An empty {@code data} is released at once.
     *
     * @param data the caller's bytes, between its position and limit
     * @param cleanup told when the buffer no longer references {@code data}; may be null
     */
    public void addReference(ByteBuffer data, ReferenceCleanup cleanup) {
        beforeEndChange();
        int len = data.remaining();
        Segment.Release r = new Segment.Release(data, null, cleanup);
        if (len == 0) {
            r.drop();
            return;
        }
        Segment s = new Segment(data.duplicate(), Segment.REFERENCE);
        s.pos = data.position();
        s.limit = data.limit();
        s.release = r;
        long orig = length;
        link(s);
        length += len;
        changed(orig, len, 0);
    }

    /**
     * Appends a region of a file without reading it (libevent {@code evbuffer_add_file}). {@link #writeTo} sends
     * it with {@link FileChannel#transferTo} when the handle is a channel, otherwise reads it in bounded chunks of
     * one segment; operations that inspect bytes (copyOut, remove, search, readLine, peek, pullUp) read the whole
     * region into pooled segments first. The buffer does not close the channel: {@code cleanup} is told when every
     * byte of the region has left the buffer. An empty region is released at once.
     *
     * @param channel the file, open for reading; the buffer does not close it
     * @param offset where the region starts, {@code >= 0}
     * @param length bytes in the region, {@code >= 0}, or -1 for "to the end of the file"
     * @param cleanup told when every byte of the region has left the buffer; may be null
     * @throws IOException if {@code length} is -1 and the file's size cannot be read, or the channel is closed
     * @throws IllegalArgumentException if the channel was not opened for reading (sending it later would fail
     *     where nothing can tell the caller), or the region's end overflows a {@code long}
     */
    public void addFile(FileChannel channel, long offset, long length, ReferenceCleanup cleanup) throws IOException {
        if (offset < 0) {
            throw new IllegalArgumentException("expected offset >= 0, got " + offset);
        }
        if (length < -1) {
            throw new IllegalArgumentException("expected length >= 0 or -1 (to the end of file), got " + length);
        }
        if (length > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException("the region's end overflows: offset " + offset + " + length " + length);
        }
        BufferIo.requireReadable(channel);
        long len = length == -1 ? Math.max(0, BufferIo.fileSize(channel) - offset) : length;
        beforeEndChange();
        Segment.Release r = new Segment.Release(null, channel, cleanup);
        if (len == 0) {
            r.drop();
            return;
        }
        Segment s = new Segment(null, Segment.FILE);
        s.fileOffset = offset;
        s.fileEnd = offset + len;
        s.release = r;
        long orig = this.length;
        link(s);
        this.length += len;
        changed(orig, len, 0);
    }

    /**
     * Moves all of {@code src}'s bytes to the end of this buffer by relinking its segments: O(1), no copy
     * (libevent {@code evbuffer_add_buffer}). {@code src} is left empty.
     *
     * @param src the buffer whose bytes move
     * @throws IllegalArgumentException if {@code src == this}
     * @throws IllegalStateException if this buffer's end or {@code src}'s start is frozen
     */
    public void addBuffer(EvBuffer src) {
        if (src == this) {
            throw new IllegalArgumentException("expected another buffer, got this buffer itself");
        }
        src.checkNotFrozen(Side.START, "addBuffer (source)");
        beforeEndChange();
        long n = src.length;
        if (n == 0) {
            return;
        }
        long orig = length;
        long srcOrig = src.length;
        if (src.reservedTailInChain()) {
            src.moveFrontTo(this, n); // the source's reserved last segment stays there for its commit
            src.generation++;
        } else {
            Segment srcTail = src.tail;
            appendChain(src.detachAll(), srcTail, n);
        }
        src.changed(srcOrig, 0, n);
        changed(orig, n, 0);
    }

    /**
     * Inserts a copy of {@code src[off, off + len)} before the first byte (libevent {@code evbuffer_prepend}),
     * into the first segment's spare room at the front when it has some.
     *
     * @param src the array holding the bytes
     * @param off index of the first byte in {@code src}
     * @param len how many bytes to insert
     * @throws IllegalStateException if the start is frozen
     */
    public void prepend(byte[] src, int off, int len) {
        checkRange(off, len, src.length);
        checkNotFrozen(Side.START, "prepend");
        checkPrependsAllowed("prepend");
        if (len == 0) {
            return;
        }
        long orig = length;
        prependBytes(src, off, len);
        changed(orig, len, 0);
    }

    /**
     * Inserts a copy of {@code src} before the first byte.
     *
     * @param src the bytes to insert
     * @throws IllegalStateException if the start is frozen
     */
    public void prepend(byte[] src) {
        prepend(src, 0, src.length);
    }

    /**
     * Moves all of {@code src}'s bytes before this buffer's first byte, relinking segments (libevent
     * {@code evbuffer_prepend_buffer}). {@code src} is left empty.
     *
     * @param src the buffer whose bytes move
     * @throws IllegalStateException if the start of either buffer is frozen
     */
    public void prependBuffer(EvBuffer src) {
        if (src == this) {
            throw new IllegalArgumentException("expected another buffer, got this buffer itself");
        }
        checkNotFrozen(Side.START, "prependBuffer");
        checkPrependsAllowed("prependBuffer");
        src.checkNotFrozen(Side.START, "prependBuffer (source)");
        long n = src.length;
        if (n == 0) {
            return;
        }
        long orig = length;
        if (src.reservedTailInChain()) {
            EvBuffer moved = new EvBuffer(); // the source's reserved last segment stays there for its commit
            src.moveFrontTo(moved, n);
            src.generation++;
            Segment movedTail = moved.tail;
            prependChain(moved.detachAll(), movedTail, n);
        } else {
            Segment srcTail = src.tail;
            prependChain(src.detachAll(), srcTail, n);
        }
        src.changed(n, 0, n);
        changed(orig, n, 0);
    }

    // ---------------------------------------------------------------- removing and copying

    /**
     * Drains up to {@code n} bytes from the front; draining more than the length empties the buffer (libevent
     * {@code evbuffer_drain}). Emptied segments go back to the pool at once.
     *
     * @param n the most bytes to drain, {@code >= 0}
     * @return the bytes drained
     * @throws IllegalArgumentException if {@code n < 0}
     * @throws IllegalStateException if the start is frozen
     */
    public long drain(long n) {
        checkNonNegative(n, "n");
        checkNotFrozen(Side.START, "drain");
        long k = Math.min(n, length);
        if (k == 0) {
            return 0;
        }
        long orig = length;
        dropFront(k);
        generation++;
        changed(orig, 0, k);
        return k;
    }

    /**
     * Moves up to {@code len} bytes from the front into {@code dst[off..]} (libevent {@code evbuffer_remove}).
     *
     * @param dst where to put the bytes
     * @param off index in {@code dst} of the first byte
     * @param len the most bytes to remove
     * @return the bytes removed, {@code min(len, length())}
     */
    public int remove(byte[] dst, int off, int len) {
        checkRange(off, len, dst.length);
        checkNotFrozen(Side.START, "remove");
        int n = (int) Math.min(len, length);
        if (n == 0) {
            return 0;
        }
        materialize(0, n);
        copyTo(0, dst, off, n);
        long orig = length;
        dropFront(n);
        generation++;
        changed(orig, 0, n);
        return n;
    }

    /**
     * Moves up to {@code dst.remaining()} bytes from the front into {@code dst}, advancing its position.
     *
     * @param dst where to put the bytes
     * @return the bytes removed
     */
    public int remove(ByteBuffer dst) {
        checkNotFrozen(Side.START, "remove");
        int n = (int) Math.min(dst.remaining(), length);
        if (n == 0) {
            return 0;
        }
        materialize(0, n);
        copyTo(0, dst, n);
        long orig = length;
        dropFront(n);
        generation++;
        changed(orig, 0, n);
        return n;
    }

    /**
     * Moves up to {@code n} bytes from the front of this buffer to the end of {@code dst} (libevent
     * {@code evbuffer_remove_buffer}): whole segments are relinked; of a segment cut in two, a memory segment's
     * part is copied (less than one segment) and a reference or file segment is shared.
     *
     * @param dst the buffer to append them to
     * @param n the most bytes to move
     * @return the bytes moved, {@code min(n, length())}
     */
    public long removeBuffer(EvBuffer dst, long n) {
        if (dst == this) {
            throw new IllegalArgumentException("expected another buffer as destination, got this buffer itself");
        }
        checkNonNegative(n, "n");
        checkNotFrozen(Side.START, "removeBuffer");
        dst.beforeEndChange();
        long k = Math.min(n, length);
        if (k == 0) {
            return 0;
        }
        long orig = length;
        long dstOrig = dst.length;
        moveFrontTo(dst, k);
        generation++;
        changed(orig, 0, k);
        dst.changed(dstOrig, k, 0);
        return k;
    }

    /**
     * Copies up to {@code len} bytes from the front into {@code dst[off..]} without removing them (libevent
     * {@code evbuffer_copyout}).
     *
     * @param dst where to put the bytes
     * @param off index in {@code dst} of the first byte
     * @param len the most bytes to copy
     * @return the bytes copied, {@code min(len, length())}
     */
    public int copyOut(byte[] dst, int off, int len) {
        checkRange(off, len, dst.length);
        int n = (int) Math.min(len, length);
        materialize(0, n);
        copyTo(0, dst, off, n);
        return n;
    }

    /**
     * Copies up to {@code dst.remaining()} bytes from the front into {@code dst}, advancing its position.
     *
     * @param dst where to put the bytes
     * @return the bytes copied
     */
    public int copyOut(ByteBuffer dst) {
        int n = (int) Math.min(dst.remaining(), length);
        materialize(0, n);
        copyTo(0, dst, n);
        return n;
    }

    /**
     * Copies up to {@code len} bytes starting at {@code from} into {@code dst[off..]} (libevent
     * {@code evbuffer_copyout_from}).
     *
     * @param from where to start copying, a pointer into this buffer
     * @param dst where to put the bytes
     * @param off index in {@code dst} of the first byte
     * @param len the most bytes to copy
     * @return the bytes copied, {@code min(len, length() - from.position())}
     */
    public int copyOutFrom(BufferPtr from, byte[] dst, int off, int len) {
        checkRange(off, len, dst.length);
        checkPointer(from, "copyOutFrom");
        int n = (int) Math.min(len, length - from.pos);
        materialize(from.pos, from.pos + n);
        copyTo(from.pos, dst, off, n);
        return n;
    }

    /**
     * Views of the bytes from {@code start} (the front when null), without copying (libevent {@code evbuffer_peek}).
     * Fills {@code out} with one view per segment, as many as fit, covering at least {@code len} bytes (all of them
     * when {@code len} is -1).
     *
     * <p><b>Lifetime</b>: the views are handed out for good. They show the bytes they showed whatever happens to the
     * buffer afterwards: the buffer never writes into memory a view can see, and never returns it to the segment pool
     * (another connection's bytes can never appear in it); when the bytes leave the buffer, the memory is left to the
     * GC, which frees it with the last view. So a view can outlive the buffer's interest in it, at the price of that
     * memory not being reused; a caller that is done with the views at a known point (once per record, say) should
     * lend them with {@link #peek(long, BufferPtr, Loan)} instead. Views of {@linkplain #addReference caller memory}
     * show the caller's memory, which is the caller's again once its cleanup has run.
     *
     * @param len the bytes to cover, or -1 for all
     * @param start where to start, or null for the front
     * @param out filled with the views
     * @return the number of views needed, which may exceed {@code out.length}
     */
    public int peek(long len, BufferPtr start, ByteBuffer[] out) {
        return Views.peek(this, len, start, out, null, "peek");
    }

    /**
     * {@link #peek(long, BufferPtr, ByteBuffer[])} into {@code loan}'s views ({@link Loan#views()}, count in
     * {@link Loan#count()}), lent until {@link Loan#close()} instead of for good: until then the buffer neither writes
     * into nor recycles the memory they show, even if their bytes are drained meanwhile; after it, the views must not
     * be used, and their memory goes back to the pool.
     *
     * @param len the bytes to cover, or -1 for all
     * @param start where to start, or null for the front
     * @param loan filled with the views; must be closed
     * @return the number of views needed, which may exceed {@link Loan#capacity()}
     * @throws IllegalStateException if {@code loan} is still open
     */
    public int peek(long len, BufferPtr start, Loan loan) {
        loan.checkClosed("peek");
        int needed = Views.peek(this, len, start, loan.views(), loan, "peek");
        loan.filled(Math.min(needed, loan.capacity()));
        return needed;
    }

    /**
     * {@return views of all the bytes, one per segment, without copying} See
     * {@link #peek(long, BufferPtr, ByteBuffer[])}.
     */
    public ByteBuffer[] peek() {
        ByteBuffer[] out = new ByteBuffer[Views.peek(this, -1, null, new ByteBuffer[0], null, "peek")];
        peek(-1, null, out);
        return out;
    }

    /**
     * Makes the first {@code n} bytes contiguous and returns a view of them (libevent {@code evbuffer_pullup}). Copies
     * only when they span segments; beyond one segment's size the copy goes to a dedicated buffer of {@code n} bytes.
     * The view is handed out for good, as {@link #peek(long, BufferPtr, ByteBuffer[]) peek}'s are; see
     * {@link #pullUp(long, Loan)} to lend it.
     *
     * @param n bytes wanted, or -1 for the whole buffer
     * @return a view of the first {@code n} bytes
     * @throws IndexOutOfBoundsException unless {@code 0 <= n <= length()}
     */
    public ByteBuffer pullUp(long n) {
        return Views.pullUp(this, n, null);
    }

    /**
     * {@link #pullUp(long)} with the view lent to {@code loan} (as its only view) until {@link Loan#close()}; see
     * {@link #peek(long, BufferPtr, Loan)}.
     *
     * @param n bytes wanted, or -1 for the whole buffer
     * @param loan the loan to lend the view to; must be closed
     * @return the view, also {@code loan.view(0)}
     * @throws IllegalStateException if {@code loan} is still open
     */
    public ByteBuffer pullUp(long n, Loan loan) {
        loan.checkClosed("pullUp");
        ByteBuffer v = Views.pullUp(this, n, loan);
        loan.views()[0] = v;
        loan.filled(1);
        return v;
    }

    // ---------------------------------------------------------------- reserving space

    /**
     * Takes enough segments ahead that the next {@code n} bytes added need nothing from the pool (libevent
     * {@code evbuffer_expand}). Unlike libevent the space is not promised contiguous; use {@link #reserve(int)} for
     * that. The segments taken are held until used, even while the buffer is empty.
     *
     * @param n the bytes to make room for
     */
    public void expand(long n) {
        checkNonNegative(n, "n");
        beforeEndChange();
        long free = tail == null ? 0 : tail.writableBytes();
        BufferState st = state();
        for (Segment s = st.spare; s != null; s = s.next) {
            free += s.buf.capacity();
        }
        while (free < n) {
            Segment s = SegmentPool.take();
            s.next = st.spare;
            st.spare = s;
            free += s.buf.capacity();
        }
    }

    /**
     * Reserves at least {@code n} contiguous bytes at the end and returns a writable view of all of them; fill it,
     * then {@link #commit} what was written (libevent {@code evbuffer_reserve_space} with one vector). Uses the last
     * segment's free space when large enough, else a fresh segment (a dedicated buffer beyond one segment's size).
     * A later change at the end cancels the reservation; changes at the front are allowed meanwhile.
     *
     * <p><b>Lifetime</b>: the view is lent until {@link #commit}, which takes what was written and ends the loan:
     * write nothing through it afterwards. If the reservation is cancelled instead (a change at the end, by the caller
     * or by a BufferEvent reading into this buffer), the memory stays lent for good: the buffer never writes there
     * and never recycles it, so a late write through the view lands nowhere that matters (and is lost).
     *
     * @param n the least bytes to reserve, {@code > 0}
     * @return a writable view of the reserved bytes, lent until {@link #commit}
     */
    public ByteBuffer reserve(int n) {
        checkNonNegative(n, "n");
        return Reservations.reserveOne(this, n);
    }

    /**
     * Reserves at least {@code n} bytes at the end over up to {@code vecs.length} views, put in {@code vecs}: the last
     * segment's free space, then fresh pooled segments; then {@link #commit} what was written, in order. The views
     * live as {@link #reserve(int)}'s does.
     *
     * @param n the least bytes to reserve
     * @param vecs filled with the views
     * @return the number of views used
     */
    public int reserve(long n, ByteBuffer[] vecs) {
        checkNonNegative(n, "n");
        if (vecs.length == 0) {
            throw new IllegalArgumentException("expected at least one vector, got an empty array");
        }
        return Reservations.reserveMany(this, n, vecs);
    }

    /**
     * Reserves the caller's own buffer: fill {@code own} from its position, then {@link #commit commit(n)} appends
     * its first {@code n} bytes by reference, without copying, and {@code cleanup} is told when they have left the
     * buffer (Dillo's preallocated buffer). At most {@code own.remaining()} bytes may be committed.
     *
     * @param own the caller's buffer to be filled
     * @param cleanup told when the committed bytes have left the buffer; may be null
     */
    public void reserve(ByteBuffer own, ReferenceCleanup cleanup) {
        Reservations.reserveOwn(this, own, cleanup);
    }

    /**
     * Appends the first {@code n} bytes written into the pending reservation (libevent
     * {@code evbuffer_commit_space}); reserved space beyond them is given back.
     *
     * @param n the bytes written into the reservation
     * @throws IllegalStateException if no reservation is pending (never made, already committed, or cancelled by a
     *         change at the end), or the end is frozen
     * @throws IllegalArgumentException unless {@code 0 <= n <=} the reserved size; the reservation is then kept
     */
    public void commit(long n) {
        Reservations.commit(this, n);
    }

    // ---------------------------------------------------------------- lines, pointers, searching

    /**
     * Removes and returns the first line, without its terminator, or returns null when no complete line is buffered
     * (libevent {@code evbuffer_readln}). Allocates the line and its result object. File segments are read into
     * pooled memory only when the line does not end in the bytes before them.
     *
     * @param eol which terminator ends a line
     * @return the line, or null
     * @throws IllegalStateException if the start is frozen
     */
    public ReadLine readLine(Eol eol) {
        checkNotFrozen(Side.START, "readLine");
        long at = -1;
        long inMemory = memoryPrefixLength();
        if (inMemory < length) {
            // file segments follow: look in the bytes already in memory first, so that reading the headers in front
            // of a file never reads the file; a terminator that may run into the file part is decided below
            at = Searcher.findEol(this, 0, eol, inMemory);
            if (at >= 0 && at + 2 > inMemory) {
                at = -1;
            }
        }
        if (at < 0) {
            materialize(0, length);
            at = Searcher.findEol(this, 0, eol);
        }
        if (at < 0) {
            return null;
        }
        int eolLen = Searcher.eolLength(this, at, eol);
        if (at > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("expected a line shorter than 2 GiB, got " + at + " bytes");
        }
        byte[] line = new byte[(int) at];
        copyTo(0, line, 0, line.length);
        long orig = length;
        dropFront(at + eolLen);
        generation++;
        changed(orig, 0, at + eolLen);
        return new ReadLine(line, eolLen);
    }

    /**
     * {@link #readLine(Eol)} decoded with {@code charset}.
     *
     * @param eol which terminator ends a line
     * @param charset how the line's bytes are encoded
     * @return the line, or null when no complete line is buffered
     */
    public String readLine(Eol eol, Charset charset) {
        ReadLine l = readLine(eol);
        return l == null ? null : l.toString(charset);
    }

    /**
     * A pointer at {@code position} (libevent {@code evbuffer_ptr_set}).
     *
     * @param position the byte offset from the front
     * @return a new pointer
     * @throws IndexOutOfBoundsException unless {@code 0 <= position <= length()}
     */
    public BufferPtr pointer(long position) {
        checkPosition(position);
        return new BufferPtr(this, position);
    }

    /**
     * The first occurrence of {@code what} at or after {@code start} (the front when null); see
     * {@link #searchRange}.
     *
     * @param what the bytes to find
     * @param start where to start, or null
     * @return a pointer to the match, or one whose {@link BufferPtr#isFound()} is false
     */
    public BufferPtr search(byte[] what, BufferPtr start) {
        return searchRange(what, start, null);
    }

    /**
     * The first occurrence of {@code what} that starts at or after {@code start} (the front when null) and ends at
     * or before {@code end} (the end when null) (libevent {@code evbuffer_search_range}). An empty pattern matches
     * at {@code start}.
     *
     * @param what the bytes to find
     * @param start where the match may start, or null
     * @param end where the match must end by, or null
     * @return a pointer to the match, or one whose {@link BufferPtr#isFound()} is false
     */
    public BufferPtr searchRange(byte[] what, BufferPtr start, BufferPtr end) {
        long from = 0;
        long to = length;
        if (start != null) {
            checkPointer(start, "searchRange (start)");
            from = start.pos;
        }
        if (end != null) {
            checkPointer(end, "searchRange (end)");
            to = end.pos;
        }
        materialize(from, to);
        long at = Searcher.indexOf(this, what, from, to);
        return new BufferPtr(this, at);
    }

    /**
     * The first line terminator at or after {@code start} (the front when null) (libevent
     * {@code evbuffer_search_eol}).
     *
     * @param start where to start, or null
     * @param eol which terminator to find
     * @return the match, whose {@link EolMatch#isFound()} says whether there was one
     */
    public EolMatch searchEol(BufferPtr start, Eol eol) {
        long from = 0;
        if (start != null) {
            checkPointer(start, "searchEol");
            from = start.pos;
        }
        materialize(from, length);
        long at = Searcher.findEol(this, from, eol);
        return new EolMatch(new BufferPtr(this, at), at < 0 ? 0 : Searcher.eolLength(this, at, eol));
    }

    // ---------------------------------------------------------------- freezing and callbacks

    /**
     * Freezes one side: changes there throw {@link IllegalStateException} until {@link #unfreeze} (libevent
     * {@code evbuffer_freeze}, which fails silently instead). A user may freeze a buffer it hands to code that
     * must only append (or only consume) to catch a misuse at once.
     *
     * @param side the side to freeze
     */
    public void freeze(Side side) {
        BufferState st = state();
        if (side == Side.START) {
            st.frozenStart = true;
        } else {
            st.frozenEnd = true;
        }
    }

    /**
     * Lifts {@link #freeze}; unfreezing a side that is not frozen is a no-op.
     *
     * @param side the side to unfreeze
     */
    public void unfreeze(Side side) {
        if (state != null) {
            if (side == Side.START) {
                state.frozenStart = false;
            } else {
                state.frozenEnd = false;
            }
        }
    }

    /**
     * Refuses prepends ({@link IllegalStateException}) until {@link #allowPrepends()}, while the start may still be
     * drained. A BufferEvent on a completion engine does this while the output's front is lent to a write in flight:
     * it then drains exactly the bytes the kernel sent, less those the user removed meanwhile, and bytes put in
     * front of them would be drained in their place.
     */
    public void refusePrepends() {
        state().prependsRefused = true;
    }

    /** Lifts {@link #refusePrepends()}; a no-op when prepends are allowed. */
    public void allowPrepends() {
        if (state != null) {
            state.prependsRefused = false;
        }
    }

    private void checkPrependsAllowed(String op) {
        if (state != null && state.prependsRefused) {
            throw new IllegalStateException(op + ": bytes of this buffer's front are being written by a completion"
                    + " engine, which refuses prepends until that write completes; add them after it (the write"
                    + " callback), or at the end");
        }
    }

    /**
     * {@return whether {@code side} is frozen}
     *
     * @param side the side asked about
     */
    public boolean isFrozen(Side side) {
        return frozenAt(side);
    }

    /**
     * Sets the owner's change hook: called synchronously after every change, before the callbacks of
     * {@link #addCallback}, and never deferred. Meant for the one object that owns the buffer (a BufferEvent
     * watching its output); it costs no allocation, where {@link #addCallback} allocates the callback state.
     * Replaces the previous watcher; null removes it.
     *
     * @param watcher the hook, or null
     */
    public void setWatcher(BufferCallback watcher) {
        this.watcher = watcher;
    }

    /**
     * Registers a callback told after every change of the content (libevent {@code evbuffer_add_cb}).
     *
     * @param callback told of each change
     * @return the entry, to disable or remove it
     */
    public CallbackEntry addCallback(BufferCallback callback) {
        if (callback == null) {
            throw new NullPointerException("callback");
        }
        return state().addCallback(callback);
    }

    /**
     * Defers callbacks through {@code executor} (libevent {@code evbuffer_defer_callbacks}): a change schedules one
     * task, and further changes before it runs are summed into it. Pass the EventBase, whose {@code execute} runs
     * the task on the loop thread. Null calls callbacks at once again.
     *
     * @param executor runs the deferred task, or null
     */
    public void deferCallbacks(Executor executor) {
        state().deferTo = executor;
    }

    // ---------------------------------------------------------------- I/O

    /**
     * Reads from {@code handle} with one scattering {@link NetOps#read} into the last segment's free space, then
     * fresh pooled segments, up to {@code maxBytes} (libevent {@code evbuffer_read}). Segments left empty go back to
     * the pool. Allocation-free while the pool's thread cache holds segments. When direct memory runs out it reads
     * into the room it could get, and when it got none it reads nothing and throws
     * {@link DirectMemoryExhaustedException} (never an {@link OutOfMemoryError}): the caller retries later.
     *
     * @param handle the socket to read from
     * @param ops the socket operations of the handle's backend
     * @param maxBytes most bytes to read, {@code > 0}
     * @return bytes read ({@code > 0}), 0 at end of stream, or {@link NetOps#WOULD_BLOCK}
     * @throws DirectMemoryExhaustedException when there was no room at all to read into; nothing was read
     * @throws IOException from the read; the buffer is then unchanged
     */
    public long readFrom(Handle handle, NetOps ops, int maxBytes) throws IOException {
        return BufferIo.readFrom(this, handle, ops, maxBytes);
    }

    /**
     * Appends a copy of {@code src}'s remaining bytes as a read from a peer does ({@link #readFrom}): into the last
     * segment's free space, then into segments taken as a read takes them, so that running out of direct memory
     * neither throws an {@link OutOfMemoryError} nor waits for the JDK to give up: what fits is added, {@code src}'s
     * position moves past it, and the rest stays in {@code src}. For bytes a completion engine has read into memory
     * of its own, which must not be lost.
     *
     * @param src the bytes read
     * @return the bytes added: all that remained, or fewer when direct memory ran out
     */
    public int addRead(ByteBuffer src) {
        return BufferIo.addRead(this, src);
    }

    /**
     * {@link #readFrom(Handle, NetOps, int)} of up to four segments' worth (64 KiB by default).
     *
     * @param handle the socket to read from
     * @param ops the socket operations of the handle's backend
     * @return bytes read ({@code > 0}), 0 at end of stream, or {@link NetOps#WOULD_BLOCK}
     * @throws IOException as {@link #readFrom(Handle, NetOps, int)}
     */
    public long readFrom(Handle handle, NetOps ops) throws IOException {
        return BufferIo.readFrom(this, handle, ops, 4 * SegmentPool.SEGMENT_SIZE);
    }

    /**
     * Writes up to {@code maxBytes} from the front to {@code handle} and drains what was written (libevent
     * {@code evbuffer_write_atmost}): one gathering {@link NetOps#write} over the memory segments before the first
     * file segment, or, when a file segment is first, {@link FileChannel#transferTo} if the handle is a
     * {@link io.jevent.spi.ChannelHandle} over a writable channel, else one segment's worth of the file read into a
     * pooled segment and written. Allocation-free over memory segments.
     *
     * @param handle the socket to write to
     * @param ops the socket operations of the handle's backend
     * @param maxBytes most bytes to write, {@code >= 0}, or -1 for all
     * @return bytes written ({@code >= 0}), or {@link NetOps#WOULD_BLOCK}
     * @throws IOException from the write, or from reading a file segment
     */
    public long writeTo(Handle handle, NetOps ops, long maxBytes) throws IOException {
        return BufferIo.writeTo(this, handle, ops, maxBytes);
    }

    /**
     * {@link #writeTo(Handle, NetOps, long)} of as much as one call takes.
     *
     * @param handle the socket to write to
     * @param ops the socket operations of the handle's backend
     * @return bytes written ({@code >= 0}), or {@link NetOps#WOULD_BLOCK}
     * @throws IOException from the write
     */
    public long writeTo(Handle handle, NetOps ops) throws IOException {
        return BufferIo.writeTo(this, handle, ops, -1);
    }

    @Override
    public String toString() {
        int n = 0;
        for (Segment s = head; s != null; s = s.next) {
            n++;
        }
        return "EvBuffer[length=" + length + ", segments=" + n + "]";
    }
}
