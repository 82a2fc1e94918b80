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
 * <li>{@link io.jevent.bufferevent.SocketBufferEvent}: a socket, moved by one of two drivers chosen by base
 * ({@code SocketDriver}): {@code ReadinessDriver} on readiness backends (epoll, poll, NIO), {@code CompletionDriver}
 * when the base has a {@link io.jevent.spi.CompletionEngine} (io_uring, IOCP). The completion driver keeps one read
 * posted while reading is wanted (a read whose buffer the engine picks when bytes arrive, or a wait for readability
 * then a read, so an idle connection lends no memory), capped at post time by the watermark and the rate limit; and
 * one write at a time of the output's front, lent to the kernel through a {@link io.jevent.buffer.Loan} until the write
 * completes (past a close too), the bytes leaving the output only then, as on readiness once the kernel took them.
 * Close cancels what is posted and never blocks; the engine closes the descriptor when the last operation on it has
 * completed (in a later loop pass), and memory lent to the kernel goes back to the pool only in the completions;</li>
 * <li>the pair engine ({@link io.jevent.bufferevent.BufferEvent#pair}): memory to memory, by relinking segments;</li>
 * <li>{@link io.jevent.bufferevent.FilterBufferEvent}: through {@link io.jevent.bufferevent.Filter}s onto another
 * BufferEvent, so TLS, zlib and rate limits stack in any order;</li>
 * <li>{@link io.jevent.bufferevent.FileBufferEvent}: a file or blocking stream, read one chunk at a time on helper
 * threads into pooled segments that are moved into the input on the loop thread (work in flight keeps the loop
 * running), so a local file looks like a connection whose peer sends it and closes;</li>
 * </ul>
 * The {@link io.jevent.bufferevent.Listener} posts one multishot accept on a completion engine (connections the
 * kernel accepted after {@code disable()} wait for {@code enable()}); it watches for readiness elsewhere.
 * {@link io.jevent.bufferevent.BufferEvent#readInto} fills a caller's buffer: engines that can read into it
 * directly ({@code fillTarget}/{@code fillDone}: the socket engine on readiness, and after a readability wait on a
 * completion engine) do so; otherwise the bytes pass through the input as usual and are moved into it.
 * Reasons for holding a direction back ({@code SUSPEND_*}) are kept apart from what the user enabled, as libevent
 * does, so a watermark, a rate limit and a name lookup never undo one another or the user's choice.
 *
 * <p>Futures. {@code connect}/{@code connectHostname}, {@link io.jevent.bufferevent.BufferEvent#outputDrained()} and
 * {@link io.jevent.bufferevent.BufferEvent#closeFuture()} return {@code CompletableFuture}s kept by
 * {@code BevFutures}, made at the first request and held in the BufferEvent's extras: without one, a connection pays a
 * null check where bytes leave its output, where an event is reported and at close. What happens is recorded on the
 * spot (bytes removed from the output counted, an event's outcome kept) and the futures are completed from a task of
 * the loop after the callbacks (or last in the deferred-callback run with {@code DEFER_CALLBACKS}), never inside an
 * engine's handler; a close completes them at once. A layer's drain completes when the layer below has drained what
 * it held when the layer's bytes had been handed down to it, so it follows the bytes to the socket.
 *
 * <p>Many cores. {@link io.jevent.bufferevent.GroupListener} spreads accepted connections over an
 * {@link io.jevent.EventBaseGroup}: one accepting loop handing each handle to the next loop as a task, or an
 * {@code SO_REUSEPORT} listener per loop. {@link io.jevent.bufferevent.BufferEvent#moveTo} moves a live socket
 * BufferEvent between loops: both directions are suspended ({@code SUSPEND_MOVE}), the old base's events are
 * closed, the driver detaches (a completion driver cancels and waits for its operations), a task on the old loop
 * switches the base, and a task on the new loop makes a new driver there and lifts the suspension; the buffers move
 * as they are. Other threads' calls on a {@code THREADSAFE} BufferEvent wait in one queue per BufferEvent
 * ({@code StrangerCalls}) whose drain follows it to its new loop; a call that acts at once (the running loop's, or
 * the holder's) first runs the calls queued before it, so no thread's calls are reordered by a move.
 */
package io.jevent.bufferevent;
