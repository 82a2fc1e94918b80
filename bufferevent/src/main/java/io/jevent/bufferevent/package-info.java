/**
 * Buffered connections: {@link io.jevent.bufferevent.BufferEvent} and its engines, the
 * {@link io.jevent.bufferevent.Listener}, and the filter mechanism.
 *
 * <p>Design note. {@code BufferEvent} holds everything engines share — two {@link io.jevent.buffer.EvBuffer}s,
 * callbacks, enable and suspend state, watermarks, idle timeouts on common-timeout queues, deferred callbacks,
 * hand-off from other threads — and no readiness code. Engines implement five hooks (read interest, write
 * interest, output ready, flush, close) and report progress through {@code readDone}/{@code writeDone}/
 * {@code fireEvent}:
 * <ul>
 * <li>{@link io.jevent.bufferevent.SocketBufferEvent}: readiness on a socket of any backend;</li>
 * <li>the pair engine ({@link io.jevent.bufferevent.BufferEvent#pair}): memory to memory, by relinking segments;</li>
 * <li>{@link io.jevent.bufferevent.FilterBufferEvent}: through {@link io.jevent.bufferevent.Filter}s onto another
 * BufferEvent, so TLS, zlib and rate limits stack in any order;</li>
 * <li>completion engines (io_uring, IOCP), which post reads into reserved input space and freeze the output while
 * a write is in flight, plug in the same way.</li>
 * </ul>
 * Reasons for holding a direction back ({@code SUSPEND_*}) are kept apart from what the user enabled, as libevent
 * does, so a watermark, a rate limit and a name lookup never undo one another or the user's choice.
 */
package io.jevent.bufferevent;
