package io.jevent.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;

/**
 * Completion-based I/O (io_uring, IOCP): the OS performs a read or a write and reports it done, instead of saying
 * that a socket is ready. A {@link Readiness} that is also a completion engine returns itself from
 * {@link Readiness#completions()}; its {@link Readiness#poll} submits what was posted, waits, and delivers both
 * readiness and completions, so that one system call may do all three.
 *
 * <p><b>Threading.</b> Every method must be called on the loop thread that owns the base. Completions are delivered
 * on that thread, from inside {@link Readiness#poll}, to the {@link CompletionHandler} given when the operation was
 * posted.
 *
 * <p><b>Lifetime of memory.</b> Memory handed to an operation (a read's destination, a write's sources) belongs to
 * the kernel from the post until the completion is delivered, whatever happens meanwhile (a cancel, a close of the
 * handle, of the connection above it): the caller must neither free, recycle, move nor write it before then. The
 * engine keeps a reference to each buffer until then, so the garbage collector cannot free it either.
 *
 * <p><b>Lifetime of handles.</b> An operation holds its {@link FdHandle} ({@code acquire}) from its post to its
 * completion: a {@link NetOps#close} meanwhile marks the handle dead at once, but the descriptor number is released
 * only after the last completion, so no operation can reach a socket that took the number. Cancel first
 * ({@link #cancel}), then close, as libevent's asynchronous bufferevent does.
 *
 * <p><b>Late completions.</b> Each posted operation is named in the kernel by 64 bits holding a slot and a
 * generation ({@link OperationTable}); the slot is reused only under a new generation, so the completion of a
 * cancelled or finished operation can never reach the handler that took its slot.
 */
public interface CompletionEngine {
    /** {@link CompletionHandler#completed} flag: the operation stays posted and will complete again. */
    int MORE = 1;
    /** {@link CompletionHandler#completed} flag: {@code data} holds the bytes read ({@link #readAny}). */
    int BUFFER = 2;

    /**
     * Reads into {@code dst} between its position and limit; the completion's result is the byte count. The
     * position is not moved: the caller advances it by the result.
     *
     * @param handle the socket to read from, of the backend's kind
     * @param dst a direct buffer, lent to the kernel until the completion (see the class comment)
     * @param handler called once with the byte count, {@code 0} at end of stream, or the negated errno
     * @throws IllegalArgumentException if {@code dst} is not direct or has no room
     */
    void read(Handle handle, ByteBuffer dst, CompletionHandler handler);

    /**
     * Whether {@link #readAny} picks the buffer only when bytes arrive (io_uring's provided buffers), so that a
     * connection waiting to read holds no buffer. Without it, wait with {@link #awaitReadable} and then read.
     *
     * @return {@code true} if {@link #readAny} is supported
     */
    boolean selectsReadBuffers();

    /**
     * Reads at most {@code maxBytes} into a buffer the engine picks when bytes arrive, and hands it to the handler
     * ({@link CompletionHandler#completed}'s {@code data}, with {@link #BUFFER}).
     *
     * @param handle the socket to read from, of the backend's kind
     * @param maxBytes the most bytes to read, {@code > 0}
     * @param handler called once with the byte count and the buffer, {@code 0} at end of stream, or the negated
     *     errno
     * @throws UnsupportedOperationException unless {@link #selectsReadBuffers()}
     */
    void readAny(Handle handle, int maxBytes, CompletionHandler handler);

    /**
     * Completes (with result {@code 0}) once the handle has bytes to read, end of stream or an error, without
     * reading: io_uring's poll, IOCP's zero-byte receive. An idle connection waits this way without lending memory.
     *
     * @param handle the socket to watch, of the backend's kind
     * @param handler called once with {@code 0}, or with the negated errno
     */
    void awaitReadable(Handle handle, CompletionHandler handler);

    /**
     * Gathering write of the remaining bytes of {@code srcs[offset .. offset+count)}; the result is the byte count,
     * which may be short. Positions are not moved.
     *
     * @param handle the socket to write to, of the backend's kind
     * @param srcs direct buffers, lent to the kernel until the completion
     * @param offset index of the first buffer in {@code srcs}
     * @param count how many buffers to write from
     * @param handler called once with the byte count or the negated errno
     */
    void write(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler);

    /**
     * Opens a non-blocking TCP socket and posts its connect to {@code remote}; the completion's result is
     * {@code 0} or the negated errno (ECONNREFUSED, ...).
     *
     * @param remote the address to connect to
     * @param handler called once when the connect ends
     * @return the new socket's handle, of the backend's kind
     * @throws IOException if the socket cannot be made
     */
    Handle connect(SocketAddress remote, CompletionHandler handler) throws IOException;

    /**
     * Posts a multishot accept: each accepted connection completes with its new descriptor as the result and
     * {@link #MORE} set, until a completion without {@code MORE} ends it: an error, a cancel, or (when the kernel
     * stops the multishot, as io_uring does when its completion queue overflows) one more accepted connection, so a
     * result {@code >= 0} is a descriptor with or without {@code MORE}. Post again after the last one to go on
     * accepting. Wrap a result with {@link #accepted(int)}.
     *
     * @param listener a listening socket of the backend's kind
     * @param handler called once per accepted connection, and a last time without {@link #MORE}
     */
    void accept(Handle listener, CompletionHandler handler);

    /**
     * {@return the handle of a descriptor delivered by an {@link #accept} completion} The caller owns it from then on.
     *
     * @param descriptor a non-negative {@link #accept} result
     */
    Handle accepted(int descriptor);

    /**
     * Posts {@code shutdown(SHUT_WR)}; completes with {@code 0} or the negated errno.
     *
     * @param handle a connected socket of the backend's kind
     * @param handler called once with the result
     */
    void shutdownOutput(Handle handle, CompletionHandler handler);

    /**
     * Cancels every operation posted on {@code handle}; each completes with {@code -ECANCELED} (or its own result,
     * if it finished first). The cancel itself completes on {@code handler} with the number of operations found,
     * or {@code -ENOENT} for none. Calling it with nothing posted is harmless.
     *
     * @param handle the handle whose operations to cancel
     * @param handler called once with the cancel's own result
     */
    void cancel(Handle handle, CompletionHandler handler);

    /**
     * Cancels only the reads posted on {@code handle} ({@link #read}, {@link #readAny}, {@link #awaitReadable}),
     * leaving its writes, connect and shutdown alone: what a connection does when it stops reading while output is
     * still leaving. A write must not be cancelled for that: on Windows a cancelled send may abort the connection,
     * and anywhere it would make the write start over. Completes on {@code handler} as {@link #cancel} does.
     *
     * @param handle the handle whose reads to cancel
     * @param handler called once with the cancel's own result
     */
    void cancelReads(Handle handle, CompletionHandler handler);

    /** {@return the number of operations posted and not yet completed} For tests and leak checks. */
    int inFlight();

    /**
     * The exception for a negative completion result, naming the operation and the errno as the OS does
     * ({@code "recv: ECONNRESET (104)"}).
     *
     * @param op the operation, such as {@code "recv"}
     * @param result a negated errno
     * @return the exception, to throw or to hand to a callback; never null
     */
    IOException failure(String op, int result);
}
