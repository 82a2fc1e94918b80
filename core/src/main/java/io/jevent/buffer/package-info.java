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
 * io.jevent.buffer.ReferenceCleanup} when every share is drained) and file regions (sent with {@code transferTo}).
 *
 * <h2>Invariants</h2>
 * No segment in the chain is ever empty: a drained segment leaves the chain and goes back to the pool at once, and
 * space taken ahead (expand, reserve) is kept in {@code BufferState}, outside the chain. An empty buffer therefore
 * holds no segment: measured on JDK 17 (compressed oops) at <b>40 bytes of heap</b> for an empty EvBuffer, and
 * about <b>238 bytes of heap plus one segment of direct memory</b> (16 KiB by default) for one holding 100 bytes.
 * Segments' ByteBuffer positions and limits are scratch state for I/O calls; everything else uses absolute indexes.
 *
 * <h2>Pool</h2>
 * {@code SegmentPool} is process-wide and bounded, with a per-thread cache in front, so the loop thread takes and
 * returns segments without contention. Tunables (system properties, read once, logged at debug):
 * {@code jevent.buffer.segmentSize} (default 16384: one TLS record, libevent's default single read/write size),
 * {@code jevent.buffer.poolMaxSegments} (default 256), {@code jevent.buffer.threadCacheSegments} (default 64).
 *
 * <h2>Differences from libevent</h2>
 * Errors that libevent reports with -1 (frozen side, bad pointer, oversized commit) throw, with a message that
 * states the expectation, and leave the buffer unchanged. {@code expand} promises capacity, not contiguity
 * ({@code reserve(int)} is the contiguous one). Pointers are positions plus the generation they were set in: any
 * change at the front (drain, remove, prepend, readLine, writeTo) makes older pointers stale, and using one throws.
 * Inspecting the bytes of a file segment (copyOut, search, readLine, peek, pullUp) reads the region into pooled
 * segments first; writeTo streams it with {@code transferTo} to channel handles, or one segment at a time otherwise.
 *
 * <h2>Threads</h2>
 * Not thread-safe, by design: a buffer is confined to its loop thread. Callbacks run on it, or through the
 * {@link java.util.concurrent.Executor} given to {@link io.jevent.buffer.EvBuffer#deferCallbacks} (the EventBase).
 */
package io.jevent.buffer;
