package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketAddress;

/**
 * Moves a {@link SocketBufferEvent}'s bytes when its socket is ready (libevent's {@code bufferevent_sock.c}): one
 * persistent READ event, and a WRITE event registered only while the kernel refuses bytes.
 *
 * <p><b>System calls.</b> Reading is one persistent READ registration and one scattering read per readiness,
 * never read-until-EAGAIN: a short read already says the socket is drained. Writing does not wait for the
 * backend: when bytes are added to the output, the write handler is <em>activated</em> (no system call) and runs
 * in the same loop pass, so an echo costs epoll_wait, read and write. Only when the kernel refuses bytes (EAGAIN
 * or a partial write) is WRITE interest registered, and it is dropped again once the output is empty. A write
 * callback that refills the output activates the write handler again, and the base runs one event at most
 * {@code jevent.eventRunsPerPass} times (16) per loop pass: a connection streaming from its write callback yields
 * to a poll after that many writes, so it cannot hold the loop while the kernel keeps taking bytes.
 */
final class ReadinessDriver extends SocketDriver {
    private static final Logger log = LoggerFactory.getLogger(ReadinessDriver.class);

    private final NetOps ops;
    private Event readEvent;
    private Event writeEvent;
    /** WRITE interest is registered with the backend (we wait for writability). */
    private boolean writeRegistered;

    ReadinessDriver(SocketBufferEvent bev) {
        super(bev);
        this.ops = bev.base().netOps();
    }

    @Override
    void attach(Handle h) {
        this.handle = h;
        this.readEvent = bev.base().newEvent(h, Ev.READ | Ev.PERSIST, new BufferEvent.Plumbing(bev, null) {
            @Override
            public void onEvent(Event ev, int what) {
                bev.lastCallback = null;
                onIo(ev);
            }
        });
        // the write event is made on first use: an idle connection that never had to wait for the kernel to take
        // bytes, or never wrote, costs one event object less (RAM per idle connection is a goal, as for Tor)
    }

    /** One callback object serves both events. */
    private void onIo(Event ev) {
        if (ev == readEvent) {
            bev.readSocket();
        } else {
            onWritable();
        }
    }

    private Event writeEvent() {
        Event w = writeEvent;
        if (w == null) {
            w = bev.base().newEvent(handle, Ev.WRITE | Ev.PERSIST, readEvent.callback());
            writeEvent = w;
        }
        return w;
    }

    @Override
    void connect(SocketAddress address) {
        Handle h;
        try {
            h = ops.connect(address);
        } catch (IOException e) {
            failConnectLater(connectFailure(e, address));
            return;
        }
        attach(h);
        connectingTo = address;
        connecting = true;
        registerWrite();
    }

    @Override
    void connected(Handle h) {
        attach(h);
        connecting = true; // the WRITE event fires at once; finishConnect() then reports CONNECTED as usual
        registerWrite();
    }

    @Override
    void shutdownOutput() {
        if (bev.output().length() == 0 && !connecting) {
            doShutdown();
        } else {
            shutdownPending = true;
            activateWrite();
        }
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
    void readInterestChanged(boolean wanted) {
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
    void writeInterestChanged(boolean wanted) {
        if (handle == null || connecting) {
            return;
        }
        if (wanted) {
            if (bev.output().length() > 0 || shutdownPending) {
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
    void outputReady() {
        activateWrite();
    }

    private void onWritable() {
        if (connecting) {
            if (!finishConnect()) {
                return;
            }
        }
        if (!bev.writeWanted() && !shutdownPending) {
            unregisterWrite();
            return;
        }
        if (bev.output().length() == 0) {
            unregisterWrite();
            if (shutdownPending) {
                doShutdown();
            }
            return;
        }
        if (!bev.writeWanted()) {
            unregisterWrite();
            return;
        }
        long quota = bev.rateLimitWriteQuota();
        if (quota <= 0) {
            unregisterWrite();
            return;
        }
        long n;
        try {
            n = bev.output().writeTo(handle, ops, quota == Long.MAX_VALUE ? -1 : quota);
        } catch (IOException e) {
            unregisterWrite();
            bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, e);
            return;
        }
        if (n == NetOps.WOULD_BLOCK) {
            registerWrite();
            return;
        }
        if (bev.output().length() > 0) {
            registerWrite();
        } else {
            unregisterWrite();
            if (shutdownPending) {
                doShutdown();
            }
        }
        bev.writeDone(n);
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
            bev.fireEvent(BevEvent.ERROR, connectFailure(e, connectingTo));
            return false;
        }
        connecting = false;
        if (bev.readWanted()) {
            readEvent.add();
        }
        boolean more = (bev.writeWanted() && bev.output().length() > 0) || shutdownPending;
        if (!more) {
            unregisterWrite();
        }
        bev.connectedNow();
        bev.fireEvent(BevEvent.CONNECTED, null);
        return more && !bev.isClosed();
    }

    private void doShutdown() {
        shutdownPending = false;
        try {
            ops.shutdownOutput(handle);
        } catch (IOException e) {
            bev.fireEvent(BevEvent.WRITING | BevEvent.ERROR, e);
        }
    }

    @Override
    void detach(Runnable whenIdle) {
        // closing the events deregisters the socket from this base's backend at once (an eager removal), so the
        // new base may register it with its own
        if (readEvent != null) {
            readEvent.close();
        }
        if (writeEvent != null) {
            writeEvent.close();
        }
        writeRegistered = false;
        whenIdle.run();
    }

    @Override
    void close(boolean closeHandle) {
        if (readEvent != null) {
            readEvent.close();
        }
        if (writeEvent != null) {
            writeEvent.close();
        }
        if (closeHandle && handle != null) {
            try {
                ops.close(handle);
            } catch (IOException e) {
                log.debug("closing {} failed", handle, e);
            }
        }
    }
}
