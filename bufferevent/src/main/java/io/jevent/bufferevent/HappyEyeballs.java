package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.dns.AddressFamily;
import io.jevent.dns.DnsException;
import io.jevent.dns.DnsResult;
import io.jevent.dns.Resolver;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Connecting to a host name by every address it has (Happy Eyeballs, RFC 8305), for
 * {@link SocketBufferEvent#connectHostname}: AAAA and A are looked up in parallel; addresses are tried as they
 * arrive, alternating families (IPv6 first when both are there); each attempt is a non-blocking connect watched by a
 * WRITE event, and the next one starts when an attempt fails or, while it is still pending, after the stagger
 * ({@code jevent.happyEyeballs.staggerMillis}, default 250 ms), so several may race. The first to connect wins and
 * the others are closed; the BufferEvent takes its socket. Only when every address failed (or none was found) is
 * the last error reported: the last connect failure, else the lookup's.
 *
 * <p>Each attempt's socket is a raw {@link NetOps} handle with an event of its own, whatever engine the BufferEvent
 * then runs on: the winner is handed over connected ({@code SocketDriver.connected}). Loop thread only.
 */
final class HappyEyeballs {
    private static final Logger log = LoggerFactory.getLogger(HappyEyeballs.class);
    /** The "connection attempt delay" of RFC 8305 section 5. */
    static final long STAGGER_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("jevent.happyEyeballs.staggerMillis",
            250));

    static {
        log.debug("jevent.happyEyeballs.staggerMillis = {}", STAGGER_NANOS / 1_000_000);
    }

    /** What the race ends with: a connected socket, or the failure to report. */
    interface Outcome {
        void connected(Handle h, InetSocketAddress address);

        void failed(Exception cause);

        /** The race outlived its deadline ({@link #deadline}): every attempt was closed. */
        void timedOut();
    }

    /** One connect in flight. */
    private final class Attempt {
        final InetSocketAddress address;
        final Handle handle;
        Event event;

        Attempt(InetSocketAddress address, Handle handle) {
            this.address = address;
            this.handle = handle;
        }
    }

    private final EventBase base;
    private final NetOps ops;
    private final Resolver resolver;
    private final String host;
    private final int port;
    private final long staggerNanos;
    private final Outcome outcome;
    private final ArrayDeque<InetAddress> v6 = new ArrayDeque<>();
    private final ArrayDeque<InetAddress> v4 = new ArrayDeque<>();
    private final List<Attempt> attempts = new ArrayList<>(2);
    private boolean preferV6 = true;
    private int lookupsLeft = 2;
    private DnsException lookupFailure;
    private Exception lastError;
    private Event stagger;
    /** Ends the race when the BufferEvent's write timeout passes; null without one. */
    private Event deadline;
    private boolean done;

    HappyEyeballs(EventBase base, Resolver resolver, String host, int port, long staggerNanos, Outcome outcome) {
        this.base = base;
        this.ops = base.netOps();
        this.resolver = resolver;
        this.host = host;
        this.port = port;
        this.staggerNanos = staggerNanos;
        this.outcome = outcome;
    }

    /**
     * Bounds the whole race, lookups included, by {@code timeout} (the BufferEvent's write timeout: connecting counts
     * as writing, as in libevent): when it passes first, every attempt is closed and the outcome is
     * {@link Outcome#timedOut}. Call before {@link #start}.
     *
     * @param timeout how long the race may take
     */
    void deadline(java.time.Duration timeout) {
        deadline = base.newTimer((ev, w) -> {
            if (!done) {
                done = true;
                log.debug("connect to {}: no connection within {}", host, timeout);
                closeRest();
                outcome.timedOut();
            }
        });
        deadline.add(timeout);
    }

    /** Starts both lookups. */
    void start() {
        resolver.lookup(host, AddressFamily.IPV6, (r, e) -> answered(r, e, true));
        resolver.lookup(host, AddressFamily.IPV4, (r, e) -> answered(r, e, false));
    }

    private void answered(DnsResult r, DnsException e, boolean isV6) {
        lookupsLeft--;
        if (done) {
            return;
        }
        if (e != null) {
            if (lookupFailure == null || !isV6) {
                lookupFailure = e; // the A lookup's failure says more than "no AAAA"
            }
            log.debug("connect to {}: {} lookup failed: {}", host, isV6 ? "AAAA" : "A", e.getMessage());
        } else {
            (isV6 ? v6 : v4).addAll(r.addresses());
            log.debug("connect to {}: {} gave {}", host, isV6 ? "AAAA" : "A", r.addresses());
        }
        if (stagger == null || !stagger.isPending()) {
            startNext();
        }
        checkAllFailed();
    }

    /** Starts a connect to the next address, alternating families; nothing if none is waiting. */
    private void startNext() {
        while (!done) {
            InetAddress a;
            if (preferV6 && !v6.isEmpty() || v4.isEmpty()) {
                a = v6.poll();
            } else {
                a = v4.poll();
            }
            if (a == null) {
                return;
            }
            preferV6 = !(a instanceof Inet6Address);
            InetSocketAddress to = new InetSocketAddress(a, port);
            Handle h;
            try {
                h = ops.connect(to);
            } catch (IOException refused) {
                lastError = SocketDriver.connectFailure(refused, to);
                log.debug("connect to {} ({}) failed at once: {}", host, to, refused.toString());
                continue;
            } catch (RuntimeException refused) {
                lastError = refused;
                log.debug("connect to {} ({}) failed at once: {}", host, to, refused.toString());
                continue;
            }
            Attempt at = new Attempt(to, h);
            at.event = base.newEvent(h, Ev.WRITE | Ev.PERSIST, (ev, w) -> onWritable(at));
            at.event.add();
            attempts.add(at);
            log.debug("connect to {}: trying {} ({} in flight)", host, to, attempts.size());
            if (stagger == null) {
                stagger = base.newTimer((ev, w) -> startNext());
            }
            stagger.add(staggerNanos, TimeUnit.NANOSECONDS);
            return;
        }
    }

    private void onWritable(Attempt at) {
        if (done) {
            return;
        }
        try {
            if (!ops.finishConnect(at.handle)) {
                return;
            }
        } catch (IOException e) {
            lastError = SocketDriver.connectFailure(e, at.address);
            log.debug("connect to {} ({}) failed: {}", host, at.address, e.toString());
            close(at);
            attempts.remove(at);
            if (stagger != null) {
                stagger.remove();
            }
            startNext(); // a failure starts the next attempt at once
            checkAllFailed();
            return;
        }
        done = true;
        at.event.close();
        attempts.remove(at);
        closeRest();
        log.debug("connect to {}: {} won", host, at.address);
        outcome.connected(at.handle, at.address);
    }

    private void checkAllFailed() {
        if (done || !attempts.isEmpty() || !v4.isEmpty() || !v6.isEmpty() || lookupsLeft > 0) {
            return;
        }
        done = true;
        closeRest();
        Exception cause = lastError != null ? lastError : lookupFailure;
        if (cause == null) {
            cause = new java.net.UnknownHostException(host + ": no address");
        }
        outcome.failed(cause);
    }

    /** The BufferEvent was closed: every attempt stops; lookups still out are ignored when they answer. */
    void cancel() {
        done = true;
        closeRest();
    }

    private void closeRest() {
        for (Attempt a : attempts) {
            close(a);
        }
        attempts.clear();
        if (stagger != null) {
            stagger.close();
        }
        if (deadline != null) {
            deadline.close();
        }
    }

    private void close(Attempt a) {
        a.event.close();
        try {
            ops.close(a.handle);
        } catch (IOException e) {
            log.debug("closing the losing attempt {} failed", a.address, e);
        }
    }
}
