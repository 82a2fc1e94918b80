package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketAddress;
import java.time.Duration;

/**
 * How a {@link SocketBufferEvent} moves bytes between its socket and its buffers: the half of the socket engine that
 * depends on what the base's backend offers. {@link SocketBufferEvent#create} picks one by base:
 * <ul>
 * <li>{@link ReadinessDriver}: events on the socket (epoll, poll, NIO), reads and writes when it is ready;</li>
 * <li>{@link CompletionDriver}: operations posted to the base's {@link io.jevent.spi.CompletionEngine} (io_uring),
 * bytes moved when they complete.</li>
 * </ul>
 * The BufferEvent keeps the public API, the hooks of {@link BufferEvent} and what both share (a read into the input
 * with the pause for memory); a driver keeps the socket's state (handle, connect in progress, half-close waiting for
 * the output to drain) and answers the hooks. Loop thread only, like the hooks.
 */
abstract class SocketDriver {
    /** The BufferEvent this driver moves bytes for. */
    final SocketBufferEvent bev;
    /** The socket, or null before a connect. */
    Handle handle;
    /** A non-blocking connect is in progress. */
    boolean connecting;
    /** Where this driver's own connect went (for the failure's message), or null. */
    SocketAddress connectingTo;
    /** shutdownOutput() waits for the output to drain (or for a socket, before a connect). */
    boolean shutdownPending;
    /**
     * A connect failed at once (connect(2) itself refused) and its ERROR is still to be reported, from the loop (see
     * {@link #failConnectLater}); null otherwise. While it is set the BufferEvent refuses another connect, which would
     * otherwise have the first one's failure pinned on it.
     */
    IOException connectFailureToReport;

    SocketDriver(SocketBufferEvent bev) {
        this.bev = bev;
    }

    /**
     * A connect's failure, naming the address it was for. The failure of a non-blocking connect surfaces after the
     * call (SO_ERROR, a completion, the JDK's {@code finishConnect}), where the errno is known but the address is
     * not; a user reading "connect: ECONNREFUSED" cannot tell which address (of the several Happy Eyeballs tried)
     * refused. An {@link ErrnoException} gets the address ({@link ErrnoException#withAddress}); the JDK's
     * {@link ConnectException} and {@link NoRouteToHostException} are made again, of the same class, with the
     * address in the message and the original as the cause; anything else, or a message naming it already, is
     * returned as it is.
     */
    static IOException connectFailure(IOException e, SocketAddress address) {
        if (address == null) {
            return e;
        }
        if (e instanceof ErrnoException) {
            return ((ErrnoException) e).withAddress(address);
        }
        String where = ErrnoException.format(address);
        String message = e.getMessage();
        if (message != null && message.contains(where)) {
            return e;
        }
        IOException named;
        if (e.getClass() == ConnectException.class) {
            named = new ConnectException("connect " + where + ": " + message);
        } else if (e.getClass() == NoRouteToHostException.class) {
            named = new NoRouteToHostException("connect " + where + ": " + message);
        } else {
            return e;
        }
        named.initCause(e);
        return named;
    }

    /**
     * A connect failed before it could start ({@code failure} thrown by the connect call itself): reports the ERROR
     * like a late failure, from the loop in a later pass, never from inside {@code connect()}. Until then the
     * connect counts as pending ({@link #connectFailureToReport}).
     */
    final void failConnectLater(IOException failure) {
        connectFailureToReport = failure;
        bev.base().once(null, Ev.TIMEOUT, Duration.ZERO, (ev, w) -> {
            connectFailureToReport = null; // before the callback: it may connect elsewhere
            bev.fireEvent(BevEvent.ERROR, failure);
        });
    }

    /** Takes {@code h}, a connected socket, as this BufferEvent's. */
    abstract void attach(Handle h);

    /** Opens a socket and starts connecting it to {@code address}; reports CONNECTED or ERROR later. */
    abstract void connect(SocketAddress address);

    /**
     * Takes {@code h}, a socket whose connect just completed elsewhere (a Happy Eyeballs race), and goes on as when
     * this driver's own connect completes: reporting CONNECTED, starting to read and write.
     */
    abstract void connected(Handle h);

    /** Half-closes once the output has drained; the socket exists. */
    abstract void shutdownOutput();

    /** {@link BufferEvent#readInterestChanged}. */
    abstract void readInterestChanged(boolean wanted);

    /** {@link BufferEvent#writeInterestChanged}. */
    abstract void writeInterestChanged(boolean wanted);

    /** {@link BufferEvent#outputReady}. */
    abstract void outputReady();

    /** {@link BufferEvent#outputRemoved}: {@code n} bytes left the output's front. */
    void outputRemoved(long n) {
    }

    /** Bytes lent to a write the kernel has not completed (0 on readiness, which lends nothing). For tests. */
    long bytesInFlight() {
        return 0;
    }

    /**
     * Stops watching the socket for a move to another loop (reading and writing are suspended already), without
     * closing it: drops this driver's events and, once no operation is in flight, runs {@code whenIdle} (on the loop
     * thread). The driver is not used afterwards; the new loop makes its own.
     */
    abstract void detach(Runnable whenIdle);

    /**
     * {@link BufferEvent#closeEngine}: stops moving bytes, closes the socket when {@code closeHandle}. Runs before the
     * BufferEvent drains its buffers.
     */
    abstract void close(boolean closeHandle);

    /**
     * Hands an exception thrown by a user callback inside a completion handler to the base's callback error handler
     * at once, as from an event callback: the completion handler must return, so that the engine goes on delivering
     * the other completions of its batch (an {@link Error} is not caught, and ends the loop as it does from an event
     * callback).
     */
    static void relay(EventBase base, RuntimeException e) {
        base.reportCallbackError(e);
    }
}
