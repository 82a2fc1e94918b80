/**
 * EvBuffer: libevent's {@code evbuffer} on the JVM. This note is the package's design record.
 *
 * <h2>Shape</h2>
 * {@link io.jevent.buffer.EvBuffer} is the public façade (okio's {@code Buffer}); under it a package-private
 * {@code SegmentChain} holds a singly linked chain of {@code Segment}s with head, tail, length, a generation
 * counter and a lazily made {@code BufferState} (freeze flags, callbacks, reservation, spare segments). Searching
 * ({@code Searcher}), reserve/commit ({@code Reservations}) and socket/file I/O ({@code BufferIo}) are separate
 * classes along those seams. Segments are of four kinds: pooled direct buffers, owned direct buffers (a large
 * pullUp or contiguous reservation), references to caller memory (released through {@link
 * io.jevent.buffer.ReferenceCleanup} when every share is drained) and file regions (sent with
 * {@link io.jevent.spi.NetOps#sendFile}).
 * {@link io.jevent.buffer.Loan} carries views lent until the caller closes it.
 *
 * <h2>Invariants</h2>
 * No segment in the chain is ever empty: a drained segment leaves the chain at once (back to the pool unless a view
 * shares it, see below), and space taken ahead (expand, reserve) is kept in {@code BufferState}, outside the chain. An
 * empty buffer therefore holds no segment: measured on JDK 17 (compressed oops) at <b>40 bytes of heap</b> for an empty
 * EvBuffer, and about <b>246 bytes of heap plus one segment of direct memory</b> (16 KiB by default) for one holding
 * 100 bytes. Segments' ByteBuffer positions and limits are scratch state for I/O calls; everything else uses absolute
 * indexes. So every segment has a ByteBuffer object of its own, even two that share memory (the halves of a reference
 * cut by a partial {@code removeBuffer}): one gathering write holding one object twice would send one half twice.
 *
 * <h2>Memory follows bytes</h2>
 * Whatever the pattern of writes, a buffer holds about as much memory as bytes: at most about twice, plus a segment.
 * Appends and reads fill the last segment's free space before taking a new one; and moving segments in
 * ({@code addBuffer}, {@code removeBuffer}) copies a moved segment into the tail's free space when its bytes fit there,
 * and recycles it, instead of linking it (okio's {@code Segment.compact}). Without the second rule, a peer sending one
 * byte per packet to an echo server (each read one fresh segment, moved to the output) cost one 16 KiB segment per
 * byte. Full segments never fit, so bulk transfers still move without copying.
 * {@link io.jevent.buffer.EvBuffer#memoryHeld()} tells what a buffer holds.
 *
 * <h2>Lifetime of views: the sharing rule</h2>
 * {@code peek}, {@code pullUp} and {@code reserve} hand out views of segment memory. A segment whose memory a view
 * can see is <em>shared</em> (okio's {@code Segment.shared}, with a count), and while it is shared the buffer never
 * writes where the view can look (no prepends into the room in front of its bytes, no appends below the end of what
 * was lent) and never returns it to the pool, so neither later bytes of this buffer nor another connection's bytes
 * can appear in a view, and nothing written through a stale view reaches anyone's bytes. A share ends in one of two
 * ways:
 * <ul>
 *   <li>at a known point: a {@link io.jevent.buffer.Loan} closed by its caller ({@code peek} and {@code pullUp} into
 *       a Loan, as the TLS and zlib filters do once per record), or a reservation's {@code commit}. The segment is
 *       <em>pinned</em> until then: if its bytes leave the buffer meanwhile it is kept out of the pool, and recycled
 *       (or its caller's cleanup run) when the last share ends;</li>
 *   <li>never: a plain {@code peek} or {@code pullUp}, whose views may live as long as the caller keeps them, and a
 *       reservation cancelled by a change at the end before its caller committed (the caller may still write through
 *       it). Such a segment is never written there again and never recycled: when its bytes leave the buffer, its
 *       memory is left to the GC, which frees it with the last view. Safe whatever the caller does, at the price of
 *       that segment's reuse.</li>
 * </ul>
 * A loan made with {@link io.jevent.buffer.Loan#forIo} allocates nothing per fill: a segment that nobody else holds
 * is shown through its own view object, moved onto the lent bytes, and handed out again by its next such loan. That
 * suits a write posted to a completion engine, which lets go of the views when the write completes, before the loan
 * closes; it does not suit an object that keeps its input (a {@code Deflater}), which would see the view move.
 * Views of caller memory ({@code addReference}) show the caller's memory, which is the caller's again once its
 * cleanup has run (a Loan delays the cleanup until it closes). The counting lives in {@code Segment} and is the
 * one place that decides whether memory may be written, moved to another use or recycled.
 *
 * <h2>Pool</h2>
 * {@code SegmentPool} is process-wide and bounded, with a per-thread cache in front, so the loop thread takes and
 * returns segments without contention; a shared segment never reaches it (it refuses one). Tunables (system
 * properties, read once, logged at debug): {@code jevent.buffer.segmentSize} (default 16384: one TLS record,
 * libevent's default single read/write size), {@code jevent.buffer.poolMaxSegments} (default 1024),
 * {@code jevent.buffer.threadCacheSegments} (default 64).
 *
 * <h2>Out of direct memory</h2>
 * A read on a peer's behalf ({@code readFrom}) never dies of an {@code OutOfMemoryError}: it reads into the room it
 * can get, and with none it reads nothing and throws {@link io.jevent.buffer.DirectMemoryExhaustedException}, a
 * back-pressure signal on which the socket BufferEvent pauses reading and retries. After a failed allocation such
 * reads stop asking the JDK for memory for a pause (10 ms, doubling to 1 s), since each refused reservation first
 * runs a GC and sleeps; recycled segments are handed out meanwhile. Other operations ({@code add}, ...) still throw
 * the {@code OutOfMemoryError}.
 *
 * <h2>Differences from libevent</h2>
 * Errors that libevent reports with -1 (frozen side, bad pointer, oversized commit) throw, with a message that
 * states the expectation, and leave the buffer unchanged. {@code expand} promises capacity, not contiguity
 * ({@code reserve(int)} is the contiguous one). Pointers are positions plus the generation they were set in: any
 * change at the front (drain, remove, prepend, readLine, writeTo) makes older pointers stale, and using one throws.
 * Inspecting the bytes of a file segment (copyOut, search, readLine, peek, pullUp) reads the part of the region it
 * looks at into pooled segments first (the rest stays a file segment, so a small peek never reads a large file);
 * writeTo sends it with {@code NetOps.sendFile} (sendfile(2), {@code transferTo}) without a copy, else with
 * {@code transferTo} to channel handles, else one segment at a time. A file that ends inside its region is an
 * {@link java.io.EOFException}: never a silent short send.
 *
 * <h2>Threads</h2>
 * Not thread-safe, by design: a buffer is confined to its loop thread. Callbacks run on it, or through the
 * {@link java.util.concurrent.Executor} given to {@link io.jevent.buffer.EvBuffer#deferCallbacks} (the EventBase).
 */
package io.jevent.buffer;
