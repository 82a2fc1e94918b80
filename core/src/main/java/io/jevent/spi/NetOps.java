package io.jevent.spi;

import java.io.IOException;
import java.net.InetSocketAddress;
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
 * <p><b>Datagrams.</b> {@link #openDatagram}, {@link #sendTo} and {@link #receiveFrom} are UDP: one call moves one
 * whole datagram, and a datagram handle is {@link #close closed}, {@link #localAddress addressed} and registered
 * for READ/WRITE readiness like any other. They are {@code default} methods throwing
 * {@link UnsupportedOperationException} (naming the implementation) so that a backend that has no UDP yet still
 * compiles; every backend shipped here implements them.
 *
 * <p>Methods may be called from any thread, but a handle is normally used by its loop thread only.
 */
public interface NetOps {
    /** Returned by {@link #read} and {@link #write} when the operation would block (EAGAIN). */
    long WOULD_BLOCK = -1;

    /**
     * Opens a connected pair of non-blocking stream sockets (socketpair(2), or a loopback TCP pair on NIO).
     *
     * @return the two ends, an array of length 2, owned by the caller
     * @throws IOException if the OS refuses (out of descriptors, ...)
     */
    Handle[] socketPair() throws IOException;

    /**
     * Opens a listening TCP socket.
     *
     * @param local where to bind; port 0 picks a free port
     * @param backlog the accept queue length, {@code > 0}
     * @param reuseAddress SO_REUSEADDR
     * @param reusePort SO_REUSEPORT (ignored with a debug log where the platform lacks it)
     * @return the listening socket's handle, owned by the caller
     * @throws IOException if the socket cannot be made, bound (EADDRINUSE, ...) or made to listen
     */
    Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort) throws IOException;

    /**
     * Accepts one pending connection, non-blocking.
     *
     * @param listener a handle from {@link #listen}
     * @return the new connection's handle, owned by the caller, or {@code null} if none is pending
     * @throws IOException if the accept fails for another reason than none pending
     */
    Handle accept(Handle listener) throws IOException;

    /**
     * Starts a non-blocking TCP connect. The handle becomes writable when the connect ends; then call
     * {@link #finishConnect}. A failure known at once (some stacks refuse a loopback connect synchronously) is
     * thrown here instead, and the handle is then already closed.
     *
     * @param remote the address to connect to
     * @return the new socket's handle, owned by the caller
     * @throws IOException if the socket cannot be made or the connect fails at once
     */
    Handle connect(SocketAddress remote) throws IOException;

    /**
     * Completes a connect started by {@link #connect}.
     *
     * @param handle a handle from {@link #connect}
     * @return {@code true} if connected, {@code false} if still in progress
     * @throws IOException the connect's failure (ECONNREFUSED, ...)
     */
    boolean finishConnect(Handle handle) throws IOException;

    /**
     * Scattering read into the buffers' remaining space, advancing their positions. The buffers must have space
     * left: with none, the OS returns 0 as it does at end of stream.
     *
     * @param handle a connected socket of this backend's kind
     * @param dsts the buffers to fill
     * @param offset index of the first buffer in {@code dsts}
     * @param length how many buffers to fill
     * @return bytes read ({@code > 0}), {@code 0} at end of stream, or {@link #WOULD_BLOCK}
     * @throws IOException if the read fails (ECONNRESET, ...)
     */
    long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException;

    /**
     * Gathering write from the buffers' remaining bytes, advancing their positions.
     *
     * @param handle a connected socket of this backend's kind
     * @param srcs the buffers to write from
     * @param offset index of the first buffer in {@code srcs}
     * @param length how many buffers to write from
     * @return bytes written ({@code >= 0}), or {@link #WOULD_BLOCK}
     * @throws IOException if the write fails (EPIPE, ECONNRESET, ...)
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

    /**
     * Half-closes the handle for writing (shutdown(SHUT_WR)); the peer reads end of stream.
     *
     * @param handle a connected socket of this backend's kind
     * @throws IOException if the shutdown fails (ENOTCONN, ...)
     */
    void shutdownOutput(Handle handle) throws IOException;

    /**
     * Closes the handle, which is dead from then on (see {@link Handle}). Closing a closed handle is a no-op. Remove
     * the handle's events first (libevent's rule): the backend forgets a closed handle's registration, and its
     * events would wait for ever.
     *
     * <p>On a native backend, a descriptor that was closed behind the handle's back (outside {@code NetOps})
     * throws {@link java.nio.channels.ClosedChannelException} with the EBADF {@link ErrnoException} as its cause.
     *
     * @param handle the handle to close
     * @throws IOException if the OS reports a failure to close
     */
    void close(Handle handle) throws IOException;

    /**
     * {@return the local address the handle is bound to}
     *
     * @param handle a socket of this backend's kind
     * @throws IOException if the OS cannot tell (the handle is closed, ...)
     */
    SocketAddress localAddress(Handle handle) throws IOException;

    /**
     * {@return the peer address, or {@code null} if not connected}
     *
     * @param handle a socket of this backend's kind
     * @throws IOException if the OS cannot tell for another reason (the handle is closed, ...)
     */
    SocketAddress remoteAddress(Handle handle) throws IOException;

    /**
     * Sets TCP_NODELAY on a TCP socket.
     *
     * @param handle a TCP socket of this backend's kind
     * @param on {@code true} to send small writes at once (Nagle's algorithm off)
     * @throws IOException if the option cannot be set
     */
    void setTcpNoDelay(Handle handle, boolean on) throws IOException;

    /**
     * Whether this backend's handles include datagram sockets ({@link #openDatagram}, {@link #sendTo},
     * {@link #receiveFrom}) that an {@code Event} can watch. The IOCP backend's sockets, for one, are for its
     * completion engine only.
     *
     * @return true if the datagram methods work here
     */
    default boolean supportsDatagrams() {
        return false;
    }

    /**
     * Opens a non-blocking UDP socket bound to {@code local}; its family is {@code local}'s address's (IPv4 or
     * IPv6). Port 0 binds a free port the OS picks at random, which is how a DNS client gets a fresh source port.
     *
     * @param local the address to bind, such as {@code 127.0.0.1:0} or {@code [::]:0}
     * @return the datagram handle
     * @throws IOException if the socket cannot be made or bound
     * @throws UnsupportedOperationException if this backend has no datagram support
     */
    default Handle openDatagram(InetSocketAddress local) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement datagrams (openDatagram)");
    }

    /**
     * Sends the buffer's remaining bytes as one datagram to {@code target} (sendto(2)), advancing the position past
     * them if it was sent.
     *
     * @param handle a handle from {@link #openDatagram}
     * @param src the datagram; all of its remaining bytes or none are sent
     * @param target where to, of the handle's family
     * @return bytes sent (the whole datagram), or {@link #WOULD_BLOCK} if the socket's send buffer is full
     * @throws IOException a failure such as EMSGSIZE or a network that is unreachable
     * @throws UnsupportedOperationException if this backend has no datagram support
     */
    default long sendTo(Handle handle, ByteBuffer src, InetSocketAddress target) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement datagrams (sendTo)");
    }

    /**
     * Receives one datagram into the buffer's remaining space (recvfrom(2)), advancing its position by the bytes
     * received. A datagram longer than the space is cut to it, and the rest is lost: offer 65,535 bytes to be sure.
     *
     * @param handle a handle from {@link #openDatagram}
     * @param dst where the datagram goes
     * @return the sender's address, or {@code null} if no datagram is waiting (would block). Native backends
     *     return the same object again while the sender stays the same, so a steady peer costs no allocation
     * @throws IOException a failure, such as ECONNREFUSED reported by an ICMP port-unreachable on Linux
     * @throws UnsupportedOperationException if this backend has no datagram support
     */
    default InetSocketAddress receiveFrom(Handle handle, ByteBuffer dst) throws IOException {
        throw new UnsupportedOperationException(getClass().getName() + " does not implement datagrams (receiveFrom)");
    }
}
