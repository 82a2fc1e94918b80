package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.spi.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Accepts connections for an {@link EventBaseGroup} and spreads them over its loops, in one of two ways:
 * <ul>
 * <li>{@link #distributing}: one {@link Listener} on one loop accepts every connection and hands each accepted handle
 * to {@link EventBaseGroup#next()}, round-robin. The handle is only a descriptor (or, on NIO, a channel registered
 * with no selector yet): the chosen loop's backend registers it when a BufferEvent is made on it. Works everywhere;
 * the accepting loop does the accepts for all.</li>
 * <li>{@link #perLoop}: a listener on every loop, all bound to one port with {@code SO_REUSEPORT}, and the kernel
 * spreads the connections (Linux hashes each connection's addresses to one of the sockets). No hand-off between
 * threads and no single accepting loop; needs a platform with {@code SO_REUSEPORT} (where it is missing, binding the
 * second listener fails with the address in use).</li>
 * </ul>
 * Either way the {@link AcceptCallback} runs on the thread of the loop the connection belongs to, with that loop's
 * base, and the listeners are registered with {@link EventBaseGroup#closeOnShutdown}: a graceful shutdown stops
 * accepting first.
 */
public final class GroupListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GroupListener.class);

    /** Receives each accepted connection on the thread of the loop it was given to. */
    @FunctionalInterface
    public interface AcceptCallback {
        /**
         * The callback owns {@code handle}: wrap it ({@code SocketBufferEvent.create(base, handle, ...)}) or close it.
         * If it throws, the handle is closed and the exception goes to {@code base}'s callback error handler.
         *
         * @param base the loop the connection belongs to; the callback runs on its thread
         * @param handle the accepted connection, of the group's backend
         */
        void onAccept(EventBase base, Handle handle);
    }

    private final EventBaseGroup group;
    private final List<Listener> listeners;
    private final SocketAddress local;

    private GroupListener(EventBaseGroup group, List<Listener> listeners, SocketAddress local) {
        this.group = group;
        this.listeners = Collections.unmodifiableList(listeners);
        this.local = local;
    }

    /**
     * One listener, on the group's first loop, handing each accepted connection to the next loop round-robin.
     * Any thread but a loop thread of the group other than the first (it waits for the bind on the first loop).
     *
     * @param group the loops to spread connections over
     * @param address where to listen; port 0 picks a free port ({@link #localAddress()})
     * @param options {@link Listener#REUSEADDR}, {@link Listener#REUSEPORT}
     * @param callback runs on the chosen loop's thread for each connection
     * @return the running listener
     * @throws IOException if the address cannot be bound
     */
    public static GroupListener distributing(EventBaseGroup group, SocketAddress address, int options,
                                             AcceptCallback callback) throws IOException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(callback, "callback");
        EventBase acceptor = group.get(0);
        Listener l = onLoop(acceptor, () -> Listener.bind(acceptor, address, options, 1024,
                (li, h) -> handOver(group, acceptor, h, callback)));
        group.closeOnShutdown(acceptor, l);
        return new GroupListener(group, new ArrayList<>(List.of(l)), onLoop(acceptor, l::localAddress));
    }

    /** On the accepting loop: gives {@code h} to the next loop, or keeps it if that is this one. */
    private static void handOver(EventBaseGroup group, EventBase acceptor, Handle h, AcceptCallback callback) {
        EventBase target = group.next();
        if (target == acceptor) {
            deliver(target, h, callback);
            return;
        }
        // runAsOwner, not execute: a plain task still queued when the target's drain stops its loop is dropped by
        // its close(), and the accepted descriptor with it (the client would wait for ever); an owner action runs
        // at that close (or at once if the base is closed already), and then closes the connection
        target.runAsOwner(() -> {
            if (target.isClosed()) {
                log.debug("connection {} dropped: its loop closed (the group is shutting down)", h);
                closeQuietly(target, h);
            } else {
                deliver(target, h, callback);
            }
        });
    }

    private static void deliver(EventBase base, Handle h, AcceptCallback callback) {
        try {
            callback.onAccept(base, h);
        } catch (RuntimeException e) {
            closeQuietly(base, h);
            throw e; // to the base's callback error handler
        }
    }

    private static void closeQuietly(EventBase base, Handle h) {
        try {
            base.netOps().close(h);
        } catch (IOException e) {
            log.debug("closing {} failed", h, e);
        }
    }

    /**
     * A listener on every loop of the group, all on one port with {@code SO_REUSEPORT}: the kernel spreads the
     * connections. Any thread but one of the group's loop threads (it waits for each loop's bind).
     *
     * @param group the loops
     * @param address where to listen; with port 0 the first bind picks a free port and the others take the same
     * @param options {@link Listener#REUSEADDR} ({@link Listener#REUSEPORT} is always set)
     * @param callback runs on the accepting loop's thread for each connection
     * @return the running listeners
     * @throws IOException if an address cannot be bound (on a platform without {@code SO_REUSEPORT}, the second)
     */
    public static GroupListener perLoop(EventBaseGroup group, SocketAddress address, int options,
                                        AcceptCallback callback) throws IOException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(callback, "callback");
        if (group.current() != null) {
            throw new IllegalStateException("perLoop waits for every loop of the group to bind, so it cannot run on"
                    + " one of them; call it from another thread");
        }
        List<Listener> made = new ArrayList<>();
        SocketAddress at = address;
        try {
            for (EventBase b : group) {
                SocketAddress where = at;
                Listener l = onLoop(b, () -> Listener.bind(b, where, options | Listener.REUSEPORT, 1024,
                        (li, h) -> deliver(b, h, callback)));
                made.add(l);
                group.closeOnShutdown(b, l);
                if (made.size() == 1) {
                    at = onLoop(b, l::localAddress); // port 0: the others bind the port the first one got
                }
            }
        } catch (IOException | RuntimeException e) {
            closeAll(made);
            throw e;
        }
        return new GroupListener(group, made, at);
    }

    /**
     * The address the listeners are bound to.
     *
     * @return the bound address, with the port chosen when 0 was asked for
     */
    public SocketAddress localAddress() {
        return local;
    }

    /**
     * The listeners: one for {@link #distributing}, one per loop (loop 1 first) for {@link #perLoop}.
     *
     * @return the listeners, never empty
     */
    public List<Listener> listeners() {
        return listeners;
    }

    /**
     * The group the connections go to.
     *
     * @return the group given when binding
     */
    public EventBaseGroup group() {
        return group;
    }

    /** Closes every listener, each on its own loop (queued there; any thread). Idempotent. */
    @Override
    public void close() {
        closeAll(listeners);
    }

    private static void closeAll(List<Listener> ls) {
        for (Listener l : ls) {
            l.base().runAsOwner(l::close);
        }
    }

    @Override
    public String toString() {
        return "GroupListener[" + local + ", " + listeners.size() + " listener(s), " + group + "]";
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    /** Runs {@code c} on {@code base}'s loop thread (at once if the caller may act on it) and waits for its result. */
    private static <T> T onLoop(EventBase base, IoCall<T> c) throws IOException {
        if (base.inRunningLoop()) {
            return c.call();
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        base.execute(() -> {
            try {
                f.complete(c.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the loop to bind", e);
        } catch (TimeoutException e) {
            throw new IOException("the loop " + base + " did not run the bind within 30 s: is it running?", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new UncheckedIOException(new IOException(cause));
        }
    }
}
