package io.jevent.buffer;

import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Socket and file I/O for {@link EvBuffer}: one scattering read or gathering write per call, over the segments'
 * own direct buffers put into the thread's reusable vector ({@link SegmentPool.Local#iov}), so a call allocates
 * nothing. The segments' buffer positions and limits are scratch state set just before the call.
 *
 * <p>File segments: sent with {@link NetOps#sendFile} (sendfile(2) on the native backends on Linux,
 * {@link FileChannel#transferTo} on NIO), or with {@code transferTo} when the backend answers
 * {@link NetOps#UNSUPPORTED} and the handle is a {@link ChannelHandle} over a {@link WritableByteChannel};
 * otherwise one segment's worth is read into a pooled direct segment placed before the rest of the region and
 * written with the ordinary gathering write, so a large file never sits in memory and never on the heap. A file that
 * ends inside its region is an {@link EOFException}, never a short send that leaves the peer waiting.
 *
 * <p><b>Interrupts.</b> A {@link FileChannel} used by an interrupted thread closes itself
 * ({@link java.nio.channels.ClosedByInterruptException}). A loop thread keeps running when interrupted and keeps the
 * status for its callbacks, so the file calls here run with the status cleared and set it again afterwards: a
 * stray interrupt neither fails the send nor closes the caller's channel (one arriving during the call still can).
 */
final class BufferIo {
    private BufferIo() {
    }

    static long readFrom(EvBuffer b, Handle handle, NetOps ops, int maxBytes) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("expected maxBytes > 0, got " + maxBytes);
        }
        b.beforeEndChange();
        ByteBuffer[] iov = SegmentPool.local().iov;
        int n = 0;
        long want = maxBytes;
        Segment t = b.tail;
        int tailStart = -1;
        if (t != null && t.writableBytes() > 0) {
            int k = (int) Math.min(want, t.writableBytes());
            tailStart = t.limit;
            t.buf.limit(t.limit + k).position(t.limit);
            iov[n++] = t.buf;
            want -= k;
        }
        Segment fresh = null;
        Segment freshLast = null;
        while (want > 0 && n < iov.length) {
            Segment s = takeForRead(b);
            if (s == null) {
                if (n == 0) {
                    throw new DirectMemoryExhaustedException("no direct memory to read into: nothing was read");
                }
                break; // read into the room there is
            }
            int k = (int) Math.min(want, s.buf.capacity());
            s.buf.limit(k).position(0);
            iov[n++] = s.buf;
            want -= k;
            if (fresh == null) {
                fresh = s;
            } else {
                freshLast.next = s;
            }
            freshLast = s;
        }
        long r;
        try {
            r = ops.read(handle, iov, 0, n);
        } catch (IOException | RuntimeException | Error e) {
            release(iov, n);
            freeChain(fresh);
            throw e;
        }
        if (r <= 0) {
            release(iov, n);
            freeChain(fresh);
            return r;
        }
        long orig = b.length;
        if (tailStart >= 0) {
            t.limit = t.buf.position();
        }
        for (Segment s = fresh; s != null; s = s.next) {
            s.limit = s.buf.position();
        }
        release(iov, n); // before any segment can go back to the pool
        for (Segment s = fresh; s != null; ) {
            Segment next = s.next;
            s.next = null;
            if (s.limit > 0) {
                b.link(s);
            } else {
                s.free(); // nothing arrived in it: straight back to the pool
            }
            s = next;
        }
        b.length += r;
        b.changed(orig, r, 0);
        return r;
    }

    /** {@link EvBuffer#addRead}. */
    static int addRead(EvBuffer b, ByteBuffer src) {
        b.beforeEndChange();
        long orig = b.length;
        int index = src.position();
        int len = src.remaining();
        int done = 0;
        while (done < len) {
            Segment t = b.tail;
            boolean fresh = t == null || t.writableBytes() == 0;
            if (fresh) {
                t = takeForRead(b);
                if (t == null) {
                    break; // out of direct memory: the rest stays in src
                }
            }
            int n = Math.min(len - done, t.writableBytes());
            t.buf.put(t.limit, src, index + done, n);
            t.limit += n;
            done += n;
            if (fresh) {
                b.link(t); // linked once it holds bytes: no segment in the chain is empty
            }
        }
        src.position(index + done);
        if (done > 0) {
            b.length += done;
            b.changed(orig, done, 0);
        }
        return done;
    }

    /** A spare segment of {@code b}, else {@link SegmentPool#tryTake}: null when direct memory is exhausted. */
    private static Segment takeForRead(EvBuffer b) {
        BufferState st = b.state;
        return st != null && st.spare != null ? b.takeSegment() : SegmentPool.tryTake();
    }

    /**
     * Restores the buffers handed to an I/O call to position 0, limit = capacity (absolute reads and slices check
     * against the limit) and clears the vector so that it retains nothing.
     */
    private static void release(ByteBuffer[] iov, int n) {
        for (int i = 0; i < n; i++) {
            iov[i].clear();
            iov[i] = null;
        }
    }

    private static void freeChain(Segment s) {
        while (s != null) {
            Segment next = s.next;
            s.free();
            s = next;
        }
    }

    static long writeTo(EvBuffer b, Handle handle, NetOps ops, long maxBytes) throws IOException {
        if (maxBytes < -1) {
            throw new IllegalArgumentException("expected maxBytes >= 0 or -1 (all), got " + maxBytes);
        }
        b.checkNotFrozen(EvBuffer.Side.START, "writeTo");
        long max = maxBytes == -1 ? Long.MAX_VALUE : maxBytes;
        if (b.length == 0 || max == 0) {
            return 0;
        }
        Segment h = b.head;
        if (h.kind == Segment.FILE) {
            long r = sendFile(h, handle, ops, Math.min(h.size(), max));
            if (r != NetOps.UNSUPPORTED) {
                if (r > 0) {
                    drained(b, r);
                }
                return r;
            }
            Segment m = readFile(h, Math.min(h.size(), SegmentPool.SEGMENT_SIZE));
            if (m.limit == h.size()) {
                b.unlinkHead(); // the chunk is the whole rest of the region: no empty segment may stay
                h.free();
            } else {
                EvBuffer.advance(h, m.limit);
            }
            b.linkFirst(m); // same bytes, same positions: only the layout changed
        }
        ByteBuffer[] iov = SegmentPool.local().iov;
        int n = 0;
        long total = 0;
        for (Segment s = b.head; s != null && s.kind != Segment.FILE && n < iov.length && total < max; s = s.next) {
            int k = (int) Math.min(s.size(), max - total);
            s.buf.limit(s.pos + k).position(s.pos);
            iov[n++] = s.buf;
            total += k;
        }
        long r;
        try {
            r = ops.write(handle, iov, 0, n);
        } finally {
            release(iov, n);
        }
        if (r > 0) {
            drained(b, r);
        }
        return r;
    }

    /**
     * Up to {@code n} bytes of FILE segment {@code h} sent without a copy: {@link NetOps#sendFile}, else
     * {@link FileChannel#transferTo} when the handle is a channel. A file that ends before the region does is an
     * {@link EOFException} (never a silent short send, never a socket waiting for bytes that will not come).
     *
     * @return bytes sent, {@link NetOps#WOULD_BLOCK}, or {@link NetOps#UNSUPPORTED}: copy through memory instead
     */
    private static long sendFile(Segment h, Handle handle, NetOps ops, long n) throws IOException {
        FileChannel file = h.release.channel;
        boolean interrupted = Thread.interrupted(); // see the class comment
        long r;
        try {
            r = ops.sendFile(handle, file, h.fileOffset, n);
            if (r == NetOps.UNSUPPORTED && handle instanceof ChannelHandle
                    && ((ChannelHandle) handle).channel() instanceof WritableByteChannel) {
                r = file.transferTo(h.fileOffset, n, (WritableByteChannel) ((ChannelHandle) handle).channel());
                if (r == 0 && h.fileOffset < file.size()) {
                    r = NetOps.WOULD_BLOCK; // transferTo's 0 also means "the socket is full"
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (r == 0) {
            throw new EOFException("file region [" + h.fileOffset + ", " + h.fileEnd + ") lies past the end of the"
                    + " file (" + fileSize(file) + " bytes): it was truncated while being sent");
        }
        return r;
    }

    private static void drained(EvBuffer b, long r) {
        long orig = b.length;
        b.dropFront(r);
        b.generation++;
        b.changed(orig, 0, r);
    }

    /**
     * Bytes {@code [from, from + size)} of FILE segment {@code f}'s region read into fresh pooled segments (linked),
     * for operations that inspect bytes.
     *
     * @throws UncheckedIOException if the file cannot be read or is shorter than the region
     */
    static Segment readFileRegion(Segment f, long from, long size) {
        Segment first = null;
        Segment last = null;
        long done = 0;
        try {
            while (done < size) {
                Segment s = readFileAt(f, f.fileOffset + from + done, Math.min(size - done, SegmentPool.SEGMENT_SIZE));
                if (first == null) {
                    first = s;
                } else {
                    last.next = s;
                }
                last = s;
                done += s.limit;
            }
        } catch (IOException e) {
            freeChain(first);
            throw new UncheckedIOException("reading file region [" + f.fileOffset + ", " + f.fileEnd + ")", e);
        }
        return first;
    }

    /** A buffer with no room, for asking a channel whether it can be read at all. */
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    /**
     * Refuses a file channel that cannot be read: every later send of its region would fail (a
     * {@link java.nio.channels.NonReadableChannelException}, a runtime exception, out of a write), far from the call
     * that made the mistake. A read of no bytes asks the channel without moving anything.
     *
     * @throws IllegalArgumentException if {@code file} was not opened for reading
     * @throws IOException if the channel is closed or fails
     */
    static void requireReadable(FileChannel file) throws IOException {
        boolean interrupted = Thread.interrupted(); // see the class comment
        try {
            file.read(NOTHING, 0);
        } catch (java.nio.channels.NonReadableChannelException e) {
            throw new IllegalArgumentException("expected a file channel open for reading, got " + file
                    + ": open it with StandardOpenOption.READ", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code file.size()}, with the interrupt status cleared for the call (see the class comment). */
    static long fileSize(FileChannel file) throws IOException {
        boolean interrupted = Thread.interrupted();
        try {
            return file.size();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Up to one segment of FILE segment {@code f}, from its start, in a fresh pooled segment. */
    private static Segment readFile(Segment f, long n) throws IOException {
        return readFileAt(f, f.fileOffset, n);
    }

    private static Segment readFileAt(Segment f, long position, long n) throws IOException {
        Segment s = SegmentPool.take();
        int k = (int) n;
        s.buf.limit(k).position(0);
        boolean interrupted = Thread.interrupted(); // see the class comment
        try {
            while (s.buf.hasRemaining()) {
                int r = f.release.channel.read(s.buf, position + s.buf.position());
                if (r < 0) {
                    throw new EOFException("file ends at " + (position + s.buf.position()) + ", inside the region ["
                            + f.fileOffset + ", " + f.fileEnd + ")");
                }
            }
        } catch (IOException | RuntimeException e) {
            s.free();
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        s.buf.clear();
        s.limit = k;
        return s;
    }
}
