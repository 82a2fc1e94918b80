package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.DirectMemoryExhaustedException;
import io.jevent.dns.Resolver;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A BufferEvent on a socket (libevent's {@code bufferevent_socket}, and {@code bufferevent_async} on a completion
 * engine). Users write the same code whatever the base: {@link #create} picks how bytes move by what the base's
 * backend offers, a driver of readiness events (epoll, poll, NIO: see {@code ReadinessDriver}) or of operations posted
 * to the base's {@link io.jevent.spi.CompletionEngine} (io_uring: see {@code CompletionDriver}). This class keeps the
 * API and what both share.
 *
 * <p>Read sizes: up to {@code jevent.bufferevent.maxRead} bytes per read (default 128 KiB), never past the read
 * high watermark nor what a rate limit allows.
 *
 * <p><b>Out of direct memory.</b> A read that finds no memory to read into ({@link DirectMemoryExhaustedException})
 * reads nothing, so the bytes wait in the socket: reading is suspended ({@link #SUSPEND_MEMORY}) and resumes after
 * a back-off that doubles from 10 ms to 1 s while memory stays short, back to 10 ms after a read succeeds (the
 * Listener's shape for running out of descriptors). Memory held by a peer never ends the loop with an
 * {@link OutOfMemoryError}. The first pause after memory was available is logged once as a warning, the rest at
 * debug.
 */
public final class SocketBufferEvent extends BufferEvent {
    private static final Logger log = LoggerFactory.getLogger(SocketBufferEvent.class);
    /** Most bytes read by one read call. */
    static final int MAX_READ = Integer.getInteger("jevent.bufferevent.maxRead", 128 * 1024);

    private static final long MIN_BACKOFF_NANOS = Duration.ofMillis(10).toNanos();
    private static final long MAX_BACKOFF_NANOS = Duration.ofSeconds(1).toNanos();
    /** Some connection's reading is paused for memory and none has read since (one warning per episode). */
    private static volatile boolean memoryShort;

    static {
        log.debug("jevent.bufferevent.maxRead = {}", MAX_READ);
    }

    /** The base's socket operations (the new base's after a {@link #moveTo}). */
    private NetOps ops;
    /** Moves the bytes: by readiness or by completions, chosen by base (again after a {@link #moveTo}). */
    private SocketDriver driver;
    /** Ends a pause of reading for memory; made at the first pause. */
    private Event memoryTimer;
    /** The Happy Eyeballs race of a {@link #connectHostname} in progress, or null. */
    private HappyEyeballs eyeballs;
    /** Where the last connect went (an address, or "host:port"), for the message refusing another one; or null. */
    private Object connectTarget;
    /** The next pause of reading for memory; above the minimum while in a pause episode. */
    private long memoryBackoffNanos = MIN_BACKOFF_NANOS;

    // What the Flight Recorder's connection events report (see ConnectionEvents): counted whatever is recording, so
    // that a recording started mid-connection sees true totals; a plain add per read or write, no clock read.
    /** Bytes read from the socket so far. */
    long bytesRead;
    /** Bytes written to the socket so far. */
    long bytesWritten;
    /** System.nanoTime() when the socket was connected or handed over; meaningful once {@link #opened}. */
    long openedAt;
    /** A connected socket was handed over or connected (a ConnectionClose is due at the close). */
    boolean opened;
    /** The first EOF, ERROR or TIMEOUT reported since the open ({@link BevEvent} bits; 0: none yet), and its cause. */
    int endReasons;
    Throwable endCause;
    /** The socket's addresses as text, taken at the open only while a recording wanted them; else null. */
    String localText;
    String remoteText;

    private SocketBufferEvent(EventBase base, Handle handle, int options) {
        super(base, options);
        this.ops = base.netOps();
        this.driver = newDriver(base);
        if (handle != null) {
            driver.attach(handle);
            ConnectionEvents.opened(this, false);
        }
    }

    /**
     * A BufferEvent on a connected socket (an accepted one, say), or, with {@code handle == null}, one to
     * {@link #connect} later. Reading starts disabled and writing enabled, as in libevent:
     * {@code enable(Ev.READ)} to receive.
     *
     * @param base the loop to run on
     * @param handle a connected non-blocking socket of the base's kind, or null
     * @param options {@link BevOption} bits
     * @return the BufferEvent, reading disabled
     */
    public static SocketBufferEvent create(EventBase base, Handle handle, int options) {
        Objects.requireNonNull(base, "base");
        return new SocketBufferEvent(base, handle, options);
    }

    private SocketDriver newDriver(EventBase b) {
        CompletionEngine engine = b.completionEngine();
        return engine != null ? new CompletionDriver(this, engine) : new ReadinessDriver(this);
    }

    @Override
    protected void checkMovable() {
        if (driver.handle == null || driver.connecting || (readSuspendReasons() & SUSPEND_LOOKUP) != 0) {
            throw new IllegalStateException(this + " has no connected socket yet: move it once CONNECTED was reported");
        }
    }

    @Override
    protected void detachEngine(Runnable whenIdle) {
        if (memoryTimer != null) { // an event of the old base; the move's suspension holds reading back meanwhile
            memoryTimer.close();
            memoryTimer = null;
            unsuspendRead(SUSPEND_MEMORY);
        }
        driver.detach(whenIdle);
    }

    @Override
    protected void attachEngine() {
        SocketDriver old = driver;
        ops = base.netOps();
        SocketDriver d = newDriver(base);
        d.shutdownPending = old.shutdownPending;
        driver = d;
        d.attach(old.handle);
    }

    @Override
    public Handle handle() {
        return driver.handle;
    }

    /**
     * Connects to {@code address} without blocking; the event callback gets {@link BevEvent#CONNECTED} or
     * {@link BevEvent#ERROR} (with the cause, such as ECONNREFUSED). Output written before the connect finishes
     * is sent after it.
     *
     * <p>The returned future is one more listener, beside the event callback (which gets its events as ever): it
     * completes when the connect succeeds, and exceptionally with the cause the event callback got (the
     * {@link io.jevent.spi.ErrnoException} naming the address, say), with a {@link java.net.SocketTimeoutException}
     * when the write timeout ({@link #setTimeouts}) bounds the connect and fires, or with an {@link IOException}
     * when the BufferEvent is closed first. It completes on the loop thread, after the event callback for the
     * same outcome, from a task of the loop (or inside {@link #close()}); see {@link #outputDrained()} for what
     * that means for dependent stages. Ignore it if the callback is enough: it costs one small object.
     * Cancelling the future ({@code cancel(true)} included) only stops this listener: the connect goes on and the
     * event callback still gets its outcome; to give up on the connection, {@link #close()} the BufferEvent.
     *
     * @param address where to connect: a resolved address ({@code connectHostname} resolves names)
     * @return completes when connected; exceptionally when the connect fails, times out or is closed first
     * @throws IllegalStateException if this BufferEvent already has a socket, or a connect is pending: in progress,
     *     or failed at once with its ERROR still to be reported (from another thread on a THREADSAFE BufferEvent,
     *     the future fails with it instead, and the base's error handler is told)
     */
    public CompletableFuture<Void> connect(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address instanceof InetSocketAddress && ((InetSocketAddress) address).isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address + ": use connectHostname(host, port)");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        onLoop(() -> connectNow(address, f));
        return f;
    }

    /**
     * Resolves {@code host} with the base's default {@link Resolver} ({@link Resolver#forBase}) and connects to it by
     * every address it has (Happy Eyeballs, RFC 8305: IPv6 and IPv4 raced with a 250 ms stagger, the first connected
     * wins). The event callback gets {@link BevEvent#CONNECTED}, or {@link BevEvent#ERROR} once every address failed,
     * with the last connect failure, or the lookup's {@link io.jevent.dns.DnsException} if none was found.
     * The returned future completes as {@link #connect(SocketAddress)}'s does, failing with that same cause (and
     * cancelling it, as there, leaves the lookup and the connect going).
     *
     * @param host a host name or an IP literal
     * @param port the port, {@code 0..65535}
     * @return completes when connected; exceptionally when every address failed, none was found, the write
     *     timeout fired first or the BufferEvent was closed first
     * @throws IllegalArgumentException if the port is out of range or {@code host} cannot be a name
     */
    public CompletableFuture<Void> connectHostname(String host, int port) {
        return connectHostname(host, port, null);
    }

    /**
     * {@link #connectHostname(String, int)} with the given resolver (null: the base's default).
     *
     * @param host a host name or an IP literal
     * @param port the port, {@code 0..65535}
     * @param resolver the resolver, of this BufferEvent's base; null for {@link Resolver#forBase}
     * @return completes when connected; see {@link #connectHostname(String, int)}
     * @throws IllegalArgumentException if the port is out of range, {@code host} cannot be a name, or the resolver
     *     belongs to another base
     */
    public CompletableFuture<Void> connectHostname(String host, int port, Resolver resolver) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("expected 0 <= port <= 65535, got " + port);
        }
        if (resolver != null && resolver.base() != base) {
            throw new IllegalArgumentException("the resolver belongs to another EventBase (" + resolver.base()
                    + "): answers must reach this BufferEvent's loop thread");
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        onLoop(() -> {
            if (!startConnect(f, host + ":" + port)) {
                return;
            }
            suspendRead(SUSPEND_LOOKUP);
            suspendWrite(SUSPEND_LOOKUP);
            Resolver r = resolver != null ? resolver : Resolver.forBase(base);
            eyeballs = new HappyEyeballs(base, r, host, port, HappyEyeballs.STAGGER_NANOS,
                    new HappyEyeballs.Outcome() {
                        @Override
                        public void connected(Handle h, InetSocketAddress address) {
                            eyeballs = null;
                            unsuspendRead(SUSPEND_LOOKUP);
                            unsuspendWrite(SUSPEND_LOOKUP);
                            driver.connected(h);
                        }

                        @Override
                        public void failed(Exception cause) {
                            eyeballs = null;
                            unsuspendRead(SUSPEND_LOOKUP);
                            unsuspendWrite(SUSPEND_LOOKUP);
                            fireEvent(BevEvent.ERROR, cause);
                        }

                        @Override
                        public void timedOut() {
                            eyeballs = null;
                            unsuspendRead(SUSPEND_LOOKUP);
                            unsuspendWrite(SUSPEND_LOOKUP);
                            disable(Ev.WRITE); // as a write timeout does
                            fireEvent(BevEvent.WRITING | BevEvent.TIMEOUT, null);
                        }
                    });
            Duration connectTimeout = writeTimeoutDuration();
            if (connectTimeout != null) {
                eyeballs.deadline(connectTimeout);
            }
            eyeballs.start();
        });
        return f;
    }

    /**
     * Half-closes: once the output has drained, shuts the socket down for writing, so the peer reads end of
     * stream while this side can still read.
     */
    public void shutdownOutput() {
        onLoop(() -> {
            if (isClosed()) {
                return;
            }
            if (driver.handle == null) {
                driver.shutdownPending = true; // a connect or lookup is still to come; the connect honours it
                return;
            }
            driver.shutdownOutput();
        });
    }

    /**
     * Refuses a connect unless this BufferEvent has no socket and no connect pending: neither in progress nor failed
     * at once with its ERROR still to be reported (libevent refuses a connect on a connecting bufferevent too). A
     * second connect taken then would get the first one's outcome. After the ERROR, the event callback may connect
     * again.
     */
    private void checkNoSocket() {
        String pending = null;
        if (driver.connectFailureToReport != null) {
            pending = "its connect to " + connectTarget + " failed at once (" + driver.connectFailureToReport
                    + ") and that ERROR is still to be reported, from the loop; connect again once the event callback"
                    + " has it, or make a new BufferEvent";
        } else if (eyeballs != null || (driver.handle != null && driver.connecting)) {
            pending = "a connect to " + connectTarget + " is in progress; wait for its CONNECTED or ERROR, or make a"
                    + " new BufferEvent to connect elsewhere";
        } else if (driver.handle != null) {
            pending = "it already has a socket (" + driver.handle + "); make a new one to connect elsewhere";
        }
        if (pending != null) {
            throw new IllegalStateException("this BufferEvent cannot connect now: " + pending);
        }
    }

    private void connectNow(SocketAddress address, CompletableFuture<Void> f) {
        if (startConnect(f, address)) {
            driver.connect(address);
        }
    }

    /**
     * Checks that a connect may start now and makes {@code f} its future; false (with {@code f} failed) when the
     * BufferEvent closed before (a THREADSAFE call crossing close()). Loop thread.
     */
    private boolean startConnect(CompletableFuture<Void> f, Object target) {
        if (isClosed()) {
            f.completeExceptionally(new IOException(this + " was closed before its connect to " + target
                    + " could start"));
            return false;
        }
        try {
            checkNoSocket();
        } catch (IllegalStateException e) {
            f.completeExceptionally(e);
            throw e;
        }
        connectTarget = target;
        futures().connecting(f, target);
        return true;
    }

    @Override
    protected void readInterestChanged(boolean wanted) {
        driver.readInterestChanged(wanted);
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        driver.writeInterestChanged(wanted);
    }

    @Override
    protected void outputReady() {
        driver.outputReady();
    }

    @Override
    protected void outputRemoved(long n) {
        driver.outputRemoved(n);
    }

    /**
     * One scattering read from the socket into the input, up to what the watermark and rate limit allow, then the
     * usual progress (read callback), end of stream or error. Both drivers read this way: on readiness, and on a
     * completion engine that cannot pick read buffers itself, once it says the socket is readable.
     */
    void readSocket() {
        java.nio.ByteBuffer dst = fillTarget();
        if (dst != null) {
            readSocketInto(dst);
            return;
        }
        long allowed = readAllowance(MAX_READ);
        if (allowed <= 0) {
            return; // over the high watermark or out of tokens: the suspension stops reading
        }
        Handle handle = driver.handle;
        long n;
        try {
            n = input.readFrom(handle, ops, (int) allowed);
        } catch (DirectMemoryExhaustedException e) {
            pauseForMemory(e);
            return;
        } catch (IOException e) {
            fireEvent(BevEvent.READING | BevEvent.ERROR, e);
            return;
        }
        memoryFound();
        if (n == NetOps.WOULD_BLOCK) {
            return;
        }
        if (n == 0) {
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
            return;
        }
        readDone(n);
    }

    /**
     * One read from the socket straight into the caller's {@link #readInto} buffer, never past its limit nor past what
     * a rate limit allows: no copy, and bytes beyond it stay in the socket for the input.
     */
    private void readSocketInto(java.nio.ByteBuffer dst) {
        long quota = rateLimitReadQuota();
        if (quota <= 0) {
            return;
        }
        int limit = dst.limit();
        if (dst.remaining() > quota) {
            dst.limit(dst.position() + (int) quota);
        }
        long n;
        try {
            n = ops.read(driver.handle, fillVector(), 0, 1);
        } catch (IOException e) {
            fireEvent(BevEvent.READING | BevEvent.ERROR, e);
            return;
        } finally {
            dst.limit(limit);
        }
        if (n == NetOps.WOULD_BLOCK) {
            return;
        }
        if (n == 0) {
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
            return;
        }
        fillDone(n);
    }

    /** A read found direct memory: the next pause for memory starts a new episode at the shortest back-off. */
    void memoryFound() {
        if (memoryBackoffNanos != MIN_BACKOFF_NANOS) {
            memoryBackoffNanos = MIN_BACKOFF_NANOS;
            memoryShort = false;
            log.debug("reading from {} goes on: direct memory was found", driver.handle);
        }
    }

    /** Nothing could be read for want of direct memory: suspends reading until a back-off timer runs out. */
    void pauseForMemory(DirectMemoryExhaustedException e) {
        Event t = memoryTimer;
        if (t == null) {
            t = base.newTimer((ev, w) -> unsuspendRead(SUSPEND_MEMORY));
            memoryTimer = t;
        }
        if (!memoryShort) {
            memoryShort = true;
            log.warn("direct memory is exhausted: reading from {} (and any other connection short of memory) pauses"
                    + " and retries after a back-off of 10 ms to 1 s; no byte is lost ({})", driver.handle,
                    e.getMessage());
        } else {
            log.debug("reading from {} pauses {} ms for direct memory", driver.handle, memoryBackoffNanos / 1_000_000);
        }
        suspendRead(SUSPEND_MEMORY);
        t.add(memoryBackoffNanos, TimeUnit.NANOSECONDS);
        memoryBackoffNanos = Math.min(memoryBackoffNanos * 2, MAX_BACKOFF_NANOS);
    }

    @Override
    protected void readProgress(long n) {
        bytesRead += n;
        super.readProgress(n);
    }

    @Override
    protected void writeProgress(long n) {
        bytesWritten += n;
        super.writeProgress(n);
    }

    @Override
    void ended(int reasons, Throwable cause) {
        if (endReasons == 0) {
            endReasons = reasons;
            endCause = cause;
        }
    }

    /** The socket's connect completed (by a driver, just before it reports CONNECTED). Loop thread. */
    void connectedNow() {
        ConnectionEvents.opened(this, true);
    }

    /** The driver now moving bytes: "readiness" or "completion". */
    String driverName() {
        return driver instanceof CompletionDriver ? "completion" : "readiness";
    }

    /** The base's socket operations. */
    NetOps ops() {
        return ops;
    }

    @Override
    protected void closeEngine() {
        ConnectionEvents.closing(this);
        if (memoryTimer != null) {
            memoryTimer.close();
        }
        if (eyeballs != null) {
            eyeballs.cancel();
            eyeballs = null;
        }
        driver.close((options & BevOption.CLOSE_ON_FREE) != 0);
    }

    /**
     * Bytes of the output lent to a write the kernel has not completed yet (a completion engine's; 0 on readiness),
     * held even after {@link #close()} until that write completes. For tests.
     */
    long bytesInFlight() {
        return driver.bytesInFlight();
    }

    @Override
    public String toString() {
        return "SocketBufferEvent[" + driver.handle + (driver.connecting ? " connecting" : "")
                + (isClosed() ? " closed" : "") + ", in " + input.length() + ", out " + output.length() + "]";
    }
}
