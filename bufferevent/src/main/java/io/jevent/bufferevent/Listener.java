package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Objects;

/**
 * Accepts TCP connections and hands each to a callback (libevent's {@code evconnlistener}).
 *
 * <p>On readiness it accepts up to {@code jevent.listener.acceptsPerWakeup} connections (default 64) before
 * yielding to the rest of the loop. Running out of descriptors (EMFILE, ENFILE) or memory must not spin the loop:
 * accepting pauses, the error callback is told, and accepting resumes after a back-off that doubles from 10 ms to
 * 1 s while the condition lasts. Other accept errors (a connection reset before it was accepted) go to the error
 * callback and accepting goes on. An accept callback that throws never leaks the accepted handle: it is closed.
 *
 * <p>On a base with a {@link CompletionEngine} (io_uring) it posts one multishot accept instead, which completes once
 * per connection. A completion without {@link CompletionEngine#MORE} ends it: after an error such as EMFILE the
 * back-off above runs and the accept is posted again when it ends; {@link #disable()} and {@link #close()} cancel it.
 */
public final class Listener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);

    /** Listener option: set SO_REUSEADDR (rebinding a port in TIME_WAIT). */
    public static final int REUSEADDR = 0x01;
    /** Listener option: set SO_REUSEPORT (several listeners share a port). */
    public static final int REUSEPORT = 0x02;
    /** Listener option: start disabled; call {@link #enable()}. */
    public static final int DISABLED = 0x04;

    static final int ACCEPTS_PER_WAKEUP = Integer.getInteger("jevent.listener.acceptsPerWakeup", 64);
    private static final long MIN_BACKOFF_NANOS = Duration.ofMillis(10).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();

    /** Receives each accepted connection, a non-blocking handle of the base's kind, on the loop thread. */
    @FunctionalInterface
    public interface AcceptCallback {
        /**
         * The callback owns {@code handle}: wrap it ({@link SocketBufferEvent#create}) or close it. If it throws,
         * the listener closes the handle (the peer sees its end), passes the exception on to the base's callback
         * error handler, and goes on accepting; so a callback that has wrapped the handle must not throw.
         *
         * @param listener the listener that accepted the connection
         * @param handle the accepted connection, non-blocking
         */
        void onAccept(Listener listener, Handle handle);
    }

    /** Receives accept failures on the loop thread. */
    @FunctionalInterface
    public interface ErrorCallback {
        /**
         * {@code paused} is true when accepting was paused for a back-off (out of descriptors or memory).
         *
         * @param listener the listener whose accept failed
         * @param error what failed
         * @param paused true when accepting is paused for a back-off; it resumes by itself
         */
        void onError(Listener listener, IOException error, boolean paused);
    }

    private final EventBase base;
    private final NetOps ops;
    private final Handle handle;
    private final AcceptCallback acceptCallback;
    /** The base's completion engine, or null: then {@link #acceptEvent} watches for readiness. */
    private final CompletionEngine engine;
    /** Readiness only: the listening socket's READ event. */
    private final Event acceptEvent;
    /** Completions only: receives each accept (and the end of the multishot). */
    private final CompletionHandler onAccept;
    /** Completions only: a multishot accept is posted and has not ended. */
    private boolean acceptPosted;
    /**
     * Completions only: connections the kernel accepted after {@link #disable()}, before the cancel of the multishot
     * reached it; they wait here, as they would in the backlog, for {@link #enable()}. Null almost always.
     */
    private ArrayDeque<Handle> held;
    private final Event backoffTimer;
    private volatile ErrorCallback errorCallback;
    private boolean enabled;
    private boolean pausedForBackoff;
    private long backoffNanos = MIN_BACKOFF_NANOS;
    private boolean closed;

    private Listener(EventBase base, Handle handle, AcceptCallback cb) {
        this.base = base;
        this.ops = base.netOps();
        this.handle = handle;
        this.acceptCallback = cb;
        this.engine = base.completionEngine();
        if (engine == null) {
            this.acceptEvent = base.newEvent(handle, Ev.READ | Ev.PERSIST, new Accepting());
            this.onAccept = null;
        } else {
            this.acceptEvent = null;
            this.onAccept = (result, flags, data) -> {
                try {
                    acceptCompleted(result, flags);
                } catch (RuntimeException e) {
                    SocketDriver.relay(base, e); // the engine goes on delivering; the error handler is told
                }
            };
        }
        this.backoffTimer = base.newTimer((ev, what) -> endBackoff());
        this.errorCallback = (l, e, paused) -> log.warn("accept on {} failed{}", handle,
                paused ? "; pausing accepts" : "", e);
    }

    /**
     * {@link #bind(EventBase, SocketAddress, int, int, AcceptCallback)} with a backlog of 511.
     *
     * @param base the loop to accept on
     * @param address where to listen; port 0 picks a free port
     * @param options {@link #REUSEADDR}, {@link #REUSEPORT}, {@link #DISABLED}
     * @param callback receives each accepted connection
     * @return the listener, accepting unless {@link #DISABLED}
     * @throws IOException if the address cannot be bound (EADDRINUSE, ...)
     */
    public static Listener bind(EventBase base, SocketAddress address, int options, AcceptCallback callback)
            throws IOException {
        return bind(base, address, options, 511, callback);
    }

    /**
     * Binds, listens, and starts accepting (unless {@link #DISABLED}). Must be called on the loop thread (or
     * before the loop runs).
     *
     * @param base the loop to accept on
     * @param address where to listen; port 0 picks a free port ({@link #localAddress()} tells which)
     * @param options {@link #REUSEADDR}, {@link #REUSEPORT}, {@link #DISABLED}
     * @param backlog the accept queue length, {@code > 0}
     * @param callback receives each accepted connection
     * @return the listener, accepting unless {@link #DISABLED}
     * @throws IOException if the address cannot be bound (EADDRINUSE, ...)
     */
    public static Listener bind(EventBase base, SocketAddress address, int options, int backlog,
                                AcceptCallback callback) throws IOException {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(callback, "callback");
        if (backlog <= 0) {
            throw new IllegalArgumentException("expected a backlog > 0, got " + backlog);
        }
        if ((options & ~(REUSEADDR | REUSEPORT | DISABLED)) != 0) {
            throw new IllegalArgumentException("unknown listener options 0x"
                    + Integer.toHexString(options & ~(REUSEADDR | REUSEPORT | DISABLED))
                    + "; use Listener.REUSEADDR | REUSEPORT | DISABLED");
        }
        if (!base.inLoopThread()) {
            throw new IllegalStateException("Listener.bind must run on the base's loop thread; use base.execute()");
        }
        Handle h = base.netOps().listen(address, backlog, (options & REUSEADDR) != 0, (options & REUSEPORT) != 0);
        Listener l = new Listener(base, h, callback);
        if ((options & DISABLED) == 0) {
            l.enable();
        }
        return l;
    }

    /**
     * Sets where accept failures go (default: a warning in the log).
     *
     * @param callback receives accept failures; not null
     */
    public void setErrorCallback(ErrorCallback callback) {
        this.errorCallback = Objects.requireNonNull(callback, "callback");
    }

    /** Starts (or resumes) accepting. Loop thread. */
    public void enable() {
        requireLoop("enable");
        checkOpen();
        enabled = true;
        if (!pausedForBackoff) {
            startAccepting();
        }
        while (held != null && !held.isEmpty() && enabled && !closed) {
            try {
                handOver(held.poll());
            } catch (RuntimeException e) {
                base.reportCallbackError(e); // as from the accept event: the others are still handed over
            }
        }
    }

    /** Stops accepting; pending connections wait in the kernel's backlog. Loop thread. */
    public void disable() {
        requireLoop("disable");
        enabled = false;
        stopAccepting();
    }

    private void startAccepting() {
        if (engine == null) {
            acceptEvent.add();
        } else if (!acceptPosted) {
            acceptPosted = true;
            engine.accept(handle, onAccept);
        }
    }

    private void stopAccepting() {
        if (engine == null) {
            acceptEvent.remove();
        } else if (acceptPosted) {
            engine.cancel(handle, (result, flags, data) -> { }); // the multishot ends with -ECANCELED
        }
    }

    /**
     * Whether accepting is enabled (it may still be paused for a back-off).
     *
     * @return true between {@link #enable()} and {@link #disable()}
     */
    public boolean isEnabled() {
        return enabled;
    }

    /**
     * The bound address, with the port chosen when 0 was asked for.
     *
     * @return the bound address
     * @throws IOException if the listening socket cannot tell its address (closed, say)
     */
    public SocketAddress localAddress() throws IOException {
        return ops.localAddress(handle);
    }

    /**
     * The listening handle.
     *
     * @return the handle of the listening socket
     */
    public Handle handle() {
        return handle;
    }

    /**
     * The base.
     *
     * @return the base this listener accepts on
     */
    public EventBase base() {
        return base;
    }

    private void acceptSome() {
        for (int i = 0; i < ACCEPTS_PER_WAKEUP && enabled && !closed; i++) {
            Handle h;
            try {
                h = ops.accept(handle);
            } catch (IOException e) {
                boolean exhausted = isResourceExhaustion(e);
                if (exhausted) {
                    startBackoff();
                }
                errorCallback.onError(this, e, exhausted);
                return;
            }
            if (h == null) {
                backoffNanos = MIN_BACKOFF_NANOS;
                return;
            }
            handOver(h);
        }
    }

    /** One completion of the multishot accept. */
    private void acceptCompleted(int result, int flags) {
        boolean ended = (flags & CompletionEngine.MORE) == 0;
        if (ended) {
            acceptPosted = false;
        }
        if (result >= 0) {
            Handle h = engine.accepted(result);
            if (closed) {
                closeQuietly(h); // accepted while the cancel was on its way
                return;
            }
            backoffNanos = MIN_BACKOFF_NANOS;
            if (ended && enabled && !pausedForBackoff) {
                startAccepting(); // before the callback, which may throw
            }
            if (!enabled) { // accepted before the cancel of disable() reached the kernel: waits for enable()
                if (held == null) {
                    held = new ArrayDeque<>();
                }
                held.add(h);
                return;
            }
            handOver(h);
            return;
        }
        if (closed) {
            return;
        }
        IOException e = engine.failure("accept", result);
        if (e instanceof ErrnoException && "ECANCELED".equals(((ErrnoException) e).errnoName())) {
            if (enabled && !pausedForBackoff) {
                startAccepting(); // disabled, then enabled again before the cancel completed
            }
            return;
        }
        boolean exhausted = isResourceExhaustion(e);
        if (exhausted) {
            startBackoff();
        } else if (ended && enabled) {
            startAccepting();
        }
        errorCallback.onError(this, e, exhausted);
    }

    private void closeQuietly(Handle h) {
        try {
            ops.close(h);
        } catch (IOException e) {
            log.debug("closing {} failed", h, e);
        }
    }

    /** Gives {@code h} to the accept callback; if that throws, closes {@code h} (nobody else will) and rethrows. */
    private void handOver(Handle h) {
        try {
            acceptCallback.onAccept(this, h);
        } catch (Throwable t) {
            try {
                ops.close(h);
            } catch (IOException | RuntimeException e) {
                t.addSuppressed(e);
            }
            log.debug("the accept callback threw; closed the accepted {}", h);
            throw t; // to the base's callback error handler; the accept event stays, so accepting goes on
        }
    }

    private void startBackoff() {
        pausedForBackoff = true;
        stopAccepting();
        backoffTimer.add(backoffNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        log.debug("accepts on {} paused for {} ms", handle, backoffNanos / 1_000_000);
        backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
    }

    private void endBackoff() {
        pausedForBackoff = false;
        if (enabled && !closed) {
            startAccepting();
        }
    }

    static boolean isResourceExhaustion(IOException e) {
        if (e instanceof ErrnoException) {
            String n = ((ErrnoException) e).errnoName();
            return n.equals("EMFILE") || n.equals("ENFILE") || n.equals("ENOBUFS") || n.equals("ENOMEM");
        }
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("too many open files") || m.contains("no buffer space");
    }

    private void requireLoop(String what) {
        if (!base.inLoopThread()) {
            throw new IllegalStateException("Listener." + what + "() must run on the base's loop thread (called from "
                    + Thread.currentThread().getName() + "); hand it over with base.execute(listener::" + what + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the listener is closed");
        }
    }

    /** Stops accepting and closes the listening socket. Idempotent. Loop thread. */
    @Override
    public void close() {
        requireLoop("close");
        if (closed) {
            return;
        }
        closed = true;
        if (acceptEvent != null) {
            acceptEvent.close();
        } else if (acceptPosted && !base.isClosed()) {
            engine.cancel(handle, (result, flags, data) -> { });
        }
        backoffTimer.close();
        while (held != null && !held.isEmpty()) {
            closeQuietly(held.poll());
        }
        try {
            ops.close(handle);
        } catch (IOException e) {
            log.debug("closing listener {} failed", handle, e);
        }
    }

    @Override
    public String toString() {
        return "Listener[" + handle + (enabled ? "" : " disabled") + (pausedForBackoff ? " backing off" : "") + "]";
    }

    /** The listening socket's event: accepts; a slow run is reported under the accept callback's class. */
    private final class Accepting implements io.jevent.EventCallback, io.jevent.internal.AttributedCallback {
        @Override
        public void onEvent(io.jevent.Event ev, int what) {
            acceptSome();
        }

        @Override
        public Object userCallback() {
            return acceptCallback;
        }
    }
}
