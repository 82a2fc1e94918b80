package io.jevent.backend.iocp;

import io.jevent.spi.Handle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;

/**
 * A Winsock {@code SOCKET} (64 bits), the handle kind of the iocp backend's {@link IocpNetOps} and completion engine.
 * Made only by them: overlapped ({@code WSA_FLAG_OVERLAPPED}), and non-blocking ({@code FIONBIO}) for the synchronous
 * calls.
 *
 * <p><b>Lifetime</b> follows {@link io.jevent.spi.FdHandle}'s rules: a closed handle is dead and no call ever gets
 * its value again on its behalf; calls in flight ({@link #acquire()}/{@link #release()}, and every overlapped operation
 * from its post to its completion) keep the socket open, so {@code closesocket} happens at the last {@link #release()}.
 * Because a pending receive would otherwise wait for the peer for ever, the close cancels the socket's requests
 * ({@code CancelIoEx}) while it holds the socket.
 *
 * <p><b>Port.</b> A socket is associated with one completion port, under one key, for its whole life (Windows
 * cannot undo it): the engine that posts on it first. Thread-safe: the state is one int changed by compare-and-set.
 */
public final class SocketHandle implements Handle {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SocketHandle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int CLOSED = 0x8000_0000;
    private static final int IN_FLIGHT = 0x7fff_ffff;

    private final long socket;
    /** {@link #CLOSED} once closed, plus the calls in flight. */
    private volatile int state;
    /** The completion port it is associated with, or 0. Set once, by the owning engine's loop thread. */
    volatile long port;
    /** The completion key it was associated under (its engine's). */
    volatile long key;
    /** The address family it was made with ({@code AF_INET}, {@code AF_INET6}), or 0 when not known (accepted). */
    volatile int family;
    /** Whether a request that completes at once skips the port ({@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}). */
    volatile boolean skipOnSuccess;

    SocketHandle(long socket) {
        if (socket == 0 || socket == -1L) {
            throw new IllegalArgumentException("expected a valid SOCKET, got " + socket);
        }
        this.socket = socket;
    }

    /**
     * The SOCKET value; pass it to a call only between {@link #acquire()} and {@link #release()}.
     *
     * @return the Winsock {@code SOCKET} this handle owns, as a 64-bit value (never 0 nor {@code INVALID_SOCKET})
     */
    public long socket() {
        return socket;
    }

    @Override
    public boolean isOpen() {
        return state >= 0;
    }

    /**
     * Begins a call on the socket.
     *
     * @throws ClosedChannelException if the handle is closed
     */
    long acquire() throws ClosedChannelException {
        for (;;) {
            int s = state;
            if (s < 0) {
                throw new ClosedChannelException();
            }
            if ((s & IN_FLIGHT) == IN_FLIGHT) {
                throw new IllegalStateException("too many calls in flight on " + this);
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return socket;
            }
        }
    }

    /**
     * Ends a call.
     *
     * @return {@code true} if the handle was closed meanwhile and this was the last call: the caller closes the socket
     */
    boolean release() {
        for (;;) {
            int s = state;
            if ((s & IN_FLIGHT) == 0) {
                throw new IllegalStateException("release() without acquire() on " + this);
            }
            if (STATE.compareAndSet(this, s, s - 1)) {
                return s - 1 == CLOSED;
            }
        }
    }

    /**
     * Marks the handle closed and holds it as a call in flight would (the caller cancels its requests, then calls
     * {@link #release()}).
     *
     * @return {@code false} if it was closed already (nothing held)
     */
    boolean markClosedAndHold() {
        for (;;) {
            int s = state;
            if (s < 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, (s | CLOSED) + 1)) {
                return true;
            }
        }
    }

    /** Operations and calls in flight (for tests). */
    int inFlight() {
        return state & IN_FLIGHT;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SocketHandle && ((SocketHandle) o).socket == socket;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(socket);
    }

    @Override
    public String toString() {
        return isOpen() ? "SOCKET " + socket : "SOCKET " + socket + " (closed)";
    }
}
