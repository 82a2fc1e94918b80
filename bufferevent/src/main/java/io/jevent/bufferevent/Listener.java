package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
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
         */
        void onAccept(Listener listener, Handle handle);
    }

    /** Receives accept failures on the loop thread. */
    @FunctionalInterface
    public interface ErrorCallback {
        /** {@code paused} is true when accepting was paused for a back-off (out of descriptors or memory). */
        void onError(Listener listener, IOException error, boolean paused);
    }

    private final EventBase base;
    private final NetOps ops;
    private final Handle handle;
    private final AcceptCallback acceptCallback;
    private final Event acceptEvent;
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
        this.acceptEvent = base.newEvent(handle, Ev.READ | Ev.PERSIST, (ev, what) -> acceptSome());
        this.backoffTimer = base.newTimer((ev, what) -> endBackoff());
        this.errorCallback = (l, e, paused) -> log.warn("accept on {} failed{}", handle,
                paused ? "; pausing accepts" : "", e);
    }

    /** {@link #bind(EventBase, SocketAddress, int, int, AcceptCallback)} with a backlog of 511. */
    public static Listener bind(EventBase base, SocketAddress address, int options, AcceptCallback callback)
            throws IOException {
        return bind(base, address, options, 511, callback);
    }

    /**
     * Binds, listens, and starts accepting (unless {@link #DISABLED}). Must be called on the loop thread (or
     * before the loop runs).
     *
     * @param address where to listen; port 0 picks a free port ({@link #localAddress()} tells which)
     * @param options {@link #REUSEADDR}, {@link #REUSEPORT}, {@link #DISABLED}
     * @param backlog the accept queue length, {@code > 0}
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

    /** Sets where accept failures go (default: a warning in the log). */
    public void setErrorCallback(ErrorCallback callback) {
        this.errorCallback = Objects.requireNonNull(callback, "callback");
    }

    /** Starts (or resumes) accepting. Loop thread. */
    public void enable() {
        requireLoop("enable");
        checkOpen();
        enabled = true;
        if (!pausedForBackoff) {
            acceptEvent.add();
        }
    }

    /** Stops accepting; pending connections wait in the kernel's backlog. Loop thread. */
    public void disable() {
        requireLoop("disable");
        enabled = false;
        acceptEvent.remove();
    }

    /** Whether accepting is enabled (it may still be paused for a back-off). */
    public boolean isEnabled() {
        return enabled;
    }

    /** The bound address, with the port chosen when 0 was asked for. */
    public SocketAddress localAddress() throws IOException {
        return ops.localAddress(handle);
    }

    /** The listening handle. */
    public Handle handle() {
        return handle;
    }

    /** The base. */
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
        acceptEvent.remove();
        backoffTimer.add(backoffNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        log.debug("accepts on {} paused for {} ms", handle, backoffNanos / 1_000_000);
        backoffNanos = Math.min(backoffNanos * 2, MAX_BACKOFF_NANOS);
    }

    private void endBackoff() {
        pausedForBackoff = false;
        if (enabled && !closed) {
            acceptEvent.add();
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
        acceptEvent.close();
        backoffTimer.close();
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
}
