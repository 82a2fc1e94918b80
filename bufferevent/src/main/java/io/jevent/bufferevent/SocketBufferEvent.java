package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.DirectMemoryExhaustedException;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A BufferEvent on a socket, driven by readiness (libevent's {@code bufferevent_socket}).
 *
 * <p><b>System calls.</b> Reading is one persistent READ registration and one scattering read per readiness,
 * never read-until-EAGAIN: a short read already says the socket is drained. Writing does not wait for the
 * backend: when bytes are added to the output, the write handler is <em>activated</em> (no system call) and runs
 * in the same loop pass, so an echo costs epoll_wait, read and write. Only when the kernel refuses bytes (EAGAIN
 * or a partial write) is WRITE interest registered, and it is dropped again once the output is empty. A write
 * callback that refills the output activates the write handler again, and the base runs one event at most
 * {@code jevent.eventRunsPerPass} times (16) per loop pass: a connection streaming from its write callback yields
 * to a poll after that many writes, so it cannot hold the loop while the kernel keeps taking bytes.
 *
 * <p>Read sizes: up to {@code jevent.bufferevent.maxRead} bytes per read (default 128 KiB), never past the read
 * high watermark.
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

    private final NetOps ops;
    private Handle handle;
    private Event readEvent;
    private Event writeEvent;
    /** WRITE interest is registered with the backend (we wait for writability). */
    private boolean writeRegistered;
    /** A non-blocking connect is in progress. */
    private boolean connecting;
    /** shutdownOutput() waits for the output to drain. */
    private boolean shutdownPending;
    /** Ends a pause of reading for memory; made at the first pause. */
    private Event memoryTimer;
    /** The next pause of reading for memory; above the minimum while in a pause episode. */
    private long memoryBackoffNanos = MIN_BACKOFF_NANOS;

    private SocketBufferEvent(EventBase base, Handle handle, int options) {
        super(base, options);
        this.ops = base.netOps();
        if (handle != null) {
            attach(handle);
        }
    }

    /**
     * A BufferEvent on a connected socket (an accepted one, say), or, with {@code handle == null}, one to
     * {@link #connect} later. Reading starts disabled and writing enabled, as in libevent:
     * {@code enable(Ev.READ)} to receive.
     *
     * @param handle a connected non-blocking socket of the base's kind, or null
     * @param options {@link BevOption} bits
     */
    public static SocketBufferEvent create(EventBase base, Handle handle, int options) {
        Objects.requireNonNull(base, "base");
        return new SocketBufferEvent(base, handle, options);
    }

    @Override
    public Handle handle() {
        return handle;
    }

    /**
     * Connects to {@code address} without blocking; the event callback gets {@link BevEvent#CONNECTED} or
     * {@link BevEvent#ERROR} (with the cause, such as ECONNREFUSED). Output written before the connect finishes
     * is sent after it.
     *
     * @throws IllegalStateException if this BufferEvent already has a socket
     */
    public void connect(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address instanceof InetSocketAddress && ((InetSocketAddress) address).isUnresolved()) {
            throw new IllegalArgumentException("unresolved address " + address + ": use connectHostname(host, port)");
        }
        onLoop(() -> connectNow(address));
    }

    /**
     * Resolves {@code host} on a helper thread (the loop never blocks), then connects to its first address; the
     * answer comes back on the loop thread. A failed lookup is an ERROR event carrying the
     * {@link java.net.UnknownHostException}.
     */
    public void connectHostname(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("expected 0 <= port <= 65535, got " + port);
        }
        onLoop(() -> {
            checkNoSocket();
            suspendRead(SUSPEND_LOOKUP);
            suspendWrite(SUSPEND_LOOKUP);
            HostResolver.resolve(base, host, port, (addr, failure) -> {
                if (isClosed()) {
                    return;
                }
                unsuspendRead(SUSPEND_LOOKUP);
                unsuspendWrite(SUSPEND_LOOKUP);
                if (failure != null) {
                    fireEvent(BevEvent.ERROR, failure);
                } else {
                    connectNow(addr);
                }
            });
        });
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
            if (handle == null) {
                shutdownPending = true; // a connect or lookup is still to come; finishConnect honours it
                return;
            }
            if (output.length() == 0 && !connecting) {
                doShutdown();
            } else {
                shutdownPending = true;
                activateWrite();
            }
        });
    }

    private void checkNoSocket() {
        if (handle != null) {
            throw new IllegalStateException("this BufferEvent already has a socket (" + handle + "); make a new one"
                    + " to connect elsewhere");
        }
    }

    private void attach(Handle h) {
        this.handle = h;
        this.readEvent = base.newEvent(h, Ev.READ | Ev.PERSIST, this::onIo);
        // the write event is made on first use: an idle connection that never had to wait for the kernel to take
        // bytes, or never wrote, costs one event object less (RAM per idle connection is a goal, as for Tor)
    }

    /** One callback object serves both events. */
    private void onIo(Event ev, int what) {
        if (ev == readEvent) {
            onReadable(ev, what);
        } else {
            onWritable(ev, what);
        }
    }

    private Event writeEvent() {
        Event w = writeEvent;
        if (w == null) {
            w = base.newEvent(handle, Ev.WRITE | Ev.PERSIST, readEvent.callback());
            writeEvent = w;
        }
        return w;
    }

    private void connectNow(SocketAddress address) {
        if (isClosed()) {
            return;
        }
        checkNoSocket();
        Handle h;
        try {
            h = ops.connect(address);
        } catch (IOException e) {
            // reported like a late failure, from the loop, never from inside connect()
            base.once(null, Ev.TIMEOUT, Duration.ZERO, (ev, w) -> fireEvent(BevEvent.ERROR, e));
            return;
        }
        attach(h);
        connecting = true;
        registerWrite();
    }

    private void registerWrite() {
        if (!writeRegistered) {
            writeRegistered = true;
            writeEvent().add();
        }
    }

    private void unregisterWrite() {
        if (writeRegistered) {
            writeRegistered = false;
            writeEvent.remove();
        }
    }

    private void activateWrite() {
        if (handle != null && !writeRegistered && !connecting) {
            writeEvent().activate(Ev.WRITE);
        }
    }

    @Override
    protected void readInterestChanged(boolean wanted) {
        if (readEvent == null || connecting) {
            return;
        }
        if (wanted) {
            readEvent.add();
        } else {
            readEvent.remove();
        }
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        if (handle == null || connecting) {
            return;
        }
        if (wanted) {
            if (output.length() > 0 || shutdownPending) {
                activateWrite();
            }
        } else {
            unregisterWrite();
            if (writeEvent != null) {
                writeEvent.remove(); // also drops a pending activation
            }
        }
    }

    @Override
    protected void outputReady() {
        activateWrite();
    }

    private void onReadable(Event ev, int what) {
        long allowed = readAllowance(MAX_READ);
        if (allowed <= 0) {
            return; // over the high watermark or out of tokens: the suspension removes this event
        }
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
        if (memoryBackoffNanos != MIN_BACKOFF_NANOS) {
            memoryBackoffNanos = MIN_BACKOFF_NANOS;
            memoryShort = false;
            log.debug("reading from {} goes on: direct memory was found", handle);
        }
        if (n == NetOps.WOULD_BLOCK) {
            return;
        }
        if (n == 0) {
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
            return;
        }
        readDone(n);
    }

    /** Nothing could be read for want of direct memory: suspends reading until a back-off timer runs out. */
    private void pauseForMemory(DirectMemoryExhaustedException e) {
        Event t = memoryTimer;
        if (t == null) {
            t = base.newTimer((ev, w) -> unsuspendRead(SUSPEND_MEMORY));
            memoryTimer = t;
        }
        if (!memoryShort) {
            memoryShort = true;
            log.warn("direct memory is exhausted: reading from {} (and any other connection short of memory) pauses"
                    + " and retries after a back-off of 10 ms to 1 s; no byte is lost ({})", handle, e.getMessage());
        } else {
            log.debug("reading from {} pauses {} ms for direct memory", handle, memoryBackoffNanos / 1_000_000);
        }
        suspendRead(SUSPEND_MEMORY);
        t.add(memoryBackoffNanos, TimeUnit.NANOSECONDS);
        memoryBackoffNanos = Math.min(memoryBackoffNanos * 2, MAX_BACKOFF_NANOS);
    }

    private void onWritable(Event ev, int what) {
        if (connecting) {
            if (!finishConnect()) {
                return;
            }
        }
        if (!writeWanted() && !shutdownPending) {
            unregisterWrite();
            return;
        }
        if (output.length() == 0) {
            unregisterWrite();
            if (shutdownPending) {
                doShutdown();
            }
            return;
        }
        if (!writeWanted()) {
            unregisterWrite();
            return;
        }
        long quota = rateLimitWriteQuota();
        if (quota <= 0) {
            unregisterWrite();
            return;
        }
        long n;
        try {
            n = output.writeTo(handle, ops, quota == Long.MAX_VALUE ? -1 : quota);
        } catch (IOException e) {
            unregisterWrite();
            fireEvent(BevEvent.WRITING | BevEvent.ERROR, e);
            return;
        }
        if (n == NetOps.WOULD_BLOCK) {
            registerWrite();
            return;
        }
        if (output.length() > 0) {
            registerWrite();
        } else {
            unregisterWrite();
            if (shutdownPending) {
                doShutdown();
            }
        }
        writeDone(n);
    }

    /** Returns true when connected and writing may go on. */
    private boolean finishConnect() {
        try {
            if (!ops.finishConnect(handle)) {
                return false;
            }
        } catch (IOException e) {
            connecting = false;
            unregisterWrite();
            fireEvent(BevEvent.ERROR, e);
            return false;
        }
        connecting = false;
        if (readWanted()) {
            readEvent.add();
        }
        boolean more = (writeWanted() && output.length() > 0) || shutdownPending;
        if (!more) {
            unregisterWrite();
        }
        fireEvent(BevEvent.CONNECTED, null);
        return more && !isClosed();
    }

    private void doShutdown() {
        shutdownPending = false;
        try {
            ops.shutdownOutput(handle);
        } catch (IOException e) {
            fireEvent(BevEvent.WRITING | BevEvent.ERROR, e);
        }
    }

    @Override
    protected void closeEngine() {
        if (memoryTimer != null) {
            memoryTimer.close();
        }
        if (readEvent != null) {
            readEvent.close();
        }
        if (writeEvent != null) {
            writeEvent.close();
        }
        if ((options & BevOption.CLOSE_ON_FREE) != 0 && handle != null) {
            try {
                ops.close(handle);
            } catch (IOException e) {
                log.debug("closing {} failed", handle, e);
            }
        }
    }

    @Override
    public String toString() {
        return "SocketBufferEvent[" + handle + (connecting ? " connecting" : "") + (isClosed() ? " closed" : "")
                + ", in " + input.length() + ", out " + output.length() + "]";
    }
}
