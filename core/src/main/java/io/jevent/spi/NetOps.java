package io.jevent.spi;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Socket operations on the handles of one backend's kind, so that the layers above (EvBuffer, BufferEvent,
 * Listener) never care whether they hold a file descriptor or a channel.
 *
 * <p>All handles returned are non-blocking. Would-block and end-of-stream are return values, never exceptions;
 * real failures are {@link IOException}s (native backends throw {@link ErrnoException}, carrying the errno).
 * Passing a handle of another backend's kind throws {@link IllegalArgumentException}.
 *
 * <p>Every operation on a handle closed by {@link #close} (except {@code close} itself) throws
 * {@link java.nio.channels.ClosedChannelException}, on every backend and even after another socket was given the
 * same descriptor number: a dead handle never reads, writes or closes someone else's socket.
 *
 * <p>Methods may be called from any thread, but a handle is normally used by its loop thread only.
 */
public interface NetOps {
    /** Returned by {@link #read} and {@link #write} when the operation would block (EAGAIN). */
    long WOULD_BLOCK = -1;

    /** Opens a connected pair of non-blocking stream sockets (socketpair(2), or a loopback TCP pair on NIO). */
    Handle[] socketPair() throws IOException;

    /**
     * Opens a listening TCP socket.
     *
     * @param local where to bind; port 0 picks a free port
     * @param backlog the accept queue length, {@code > 0}
     * @param reuseAddress SO_REUSEADDR
     * @param reusePort SO_REUSEPORT (ignored with a debug log where the platform lacks it)
     */
    Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort) throws IOException;

    /** Accepts one pending connection, or returns {@code null} if none is pending. */
    Handle accept(Handle listener) throws IOException;

    /**
     * Starts a non-blocking TCP connect. The handle becomes writable when the connect ends; then call
     * {@link #finishConnect}. A failure known at once (some stacks refuse a loopback connect synchronously) is
     * thrown here instead, and the handle is then already closed.
     */
    Handle connect(SocketAddress remote) throws IOException;

    /**
     * Completes a connect started by {@link #connect}.
     *
     * @return {@code true} if connected, {@code false} if still in progress
     * @throws IOException the connect's failure (ECONNREFUSED, ...)
     */
    boolean finishConnect(Handle handle) throws IOException;

    /**
     * Scattering read into the buffers' remaining space, advancing their positions. The buffers must have space
     * left: with none, the OS returns 0 as it does at end of stream.
     *
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link #WOULD_BLOCK}
     */
    long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException;

    /**
     * Gathering write from the buffers' remaining bytes, advancing their positions.
     *
     * @return bytes written ({@code >= 0}), or {@link #WOULD_BLOCK}
     */
    long write(Handle handle, ByteBuffer[] srcs, int offset, int length) throws IOException;

    /** Returned by {@link #sendFile} when this backend cannot send a file without copying it through memory. */
    long UNSUPPORTED = -2;

    /**
     * Sends up to {@code count} bytes of {@code file}, from {@code position}, to the socket without copying them
     * through user memory ({@code sendfile(2)} on Linux, {@link FileChannel#transferTo} on NIO). The file's own
     * position is not changed. The default answers {@link #UNSUPPORTED}; the caller then reads the file into memory
     * and writes that.
     *
     * @param handle a connected socket of this backend's kind
     * @param file the file to send from, open for reading
     * @param position where in the file to start, {@code >= 0}
     * @param count the most bytes to send, {@code > 0}
     * @return bytes sent ({@code > 0}); {@code 0} when the file holds no byte at {@code position} (it ends there,
     *     or was truncated); {@link #WOULD_BLOCK}; or {@link #UNSUPPORTED}
     * @throws IOException if the socket or the file fails
     */
    default long sendFile(Handle handle, FileChannel file, long position, long count) throws IOException {
        return UNSUPPORTED;
    }

    /** Half-closes the handle for writing (shutdown(SHUT_WR)); the peer reads end of stream. */
    void shutdownOutput(Handle handle) throws IOException;

    /**
     * Closes the handle, which is dead from then on (see {@link Handle}). Closing a closed handle is a no-op. Remove
     * the handle's events first (libevent's rule): the backend forgets a closed handle's registration, and its
     * events would wait for ever.
     *
     * <p>On a native backend, a descriptor that was closed behind the handle's back (outside {@code NetOps})
     * throws {@link java.nio.channels.ClosedChannelException} with the EBADF {@link ErrnoException} as its cause.
     */
    void close(Handle handle) throws IOException;

    /** The local address the handle is bound to. */
    SocketAddress localAddress(Handle handle) throws IOException;

    /** The peer address, or {@code null} if not connected. */
    SocketAddress remoteAddress(Handle handle) throws IOException;

    /** Sets TCP_NODELAY on a TCP socket. */
    void setTcpNoDelay(Handle handle, boolean on) throws IOException;
}
