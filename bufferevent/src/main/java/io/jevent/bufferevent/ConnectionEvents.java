package io.jevent.bufferevent;

import io.jevent.internal.ConnectionClose;
import io.jevent.internal.ConnectionOpen;
import io.jevent.internal.FlightEvents;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;

import java.io.IOException;

/**
 * Emits the Flight Recorder's {@code io.jevent.ConnectionOpen} and {@code io.jevent.ConnectionClose} for a
 * {@link SocketBufferEvent}, from the two points every driver shares: a connected socket arrives (handed over at
 * creation, or a connect completed just before CONNECTED), and the BufferEvent closes. A move to another loop is
 * neither.
 *
 * <p>When no recording enables them, an open costs the two enabled checks and one clock read (the lifetime's start,
 * which a recording started later needs) and a close one check; the byte counts are plain adds in the BufferEvent.
 * Enabled, the addresses are asked of the socket at the open (getsockname/getpeername), since after a reset the peer's
 * is gone, and the events are allocated and committed.
 */
final class ConnectionEvents {
    private ConnectionEvents() {
    }

    /** {@code bev} has a connected socket now: {@code outbound} when its own connect completed. Loop thread. */
    static void opened(SocketBufferEvent bev, boolean outbound) {
        bev.opened = true;
        bev.openedAt = System.nanoTime();
        // an end reported before (a failed connect, then a fallback connected from the event callback) was not
        // this connection's
        bev.endReasons = 0;
        bev.endCause = null;
        boolean open = FlightEvents.connectionOpen();
        if (!open && !FlightEvents.connectionClose()) {
            return;
        }
        Handle h = bev.handle();
        bev.localText = local(bev, h);
        bev.remoteText = remote(bev, h);
        if (open) {
            ConnectionOpen e = new ConnectionOpen();
            e.localAddress = bev.localText;
            e.remoteAddress = bev.remoteText;
            e.backend = bev.base().method();
            e.driver = bev.driverName();
            e.outbound = outbound;
            e.commit();
        }
    }

    /** {@code bev} closes, its socket still open. Loop thread (or the closing thread after its base closed). */
    static void closing(SocketBufferEvent bev) {
        if (!bev.opened || !FlightEvents.connectionClose()) {
            return;
        }
        Handle h = bev.handle();
        ConnectionClose e = new ConnectionClose();
        e.localAddress = bev.localText != null ? bev.localText : local(bev, h);
        e.remoteAddress = bev.remoteText != null ? bev.remoteText : remote(bev, h);
        e.backend = bev.base().method();
        e.driver = bev.driverName();
        e.bytesRead = bev.bytesRead;
        e.bytesWritten = bev.bytesWritten;
        e.lifetime = System.nanoTime() - bev.openedAt;
        int r = bev.endReasons;
        e.reason = (r & BevEvent.ERROR) != 0 ? ConnectionClose.ERROR
                : (r & BevEvent.TIMEOUT) != 0 ? ConnectionClose.TIMEOUT
                : (r & BevEvent.EOF) != 0 ? ConnectionClose.EOF : ConnectionClose.CLOSED;
        Throwable cause = bev.endCause;
        if (cause != null) {
            e.message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
            Throwable c = cause;
            while (c != null && !(c instanceof ErrnoException)) {
                c = c.getCause();
            }
            e.errno = c != null ? ((ErrnoException) c).errno() : 0;
        }
        e.commit();
    }

    private static String local(SocketBufferEvent bev, Handle h) {
        try {
            return h == null ? null : FlightEvents.address(bev.ops().localAddress(h));
        } catch (IOException | RuntimeException gone) {
            return null; // closed or reset already: the event says what it knows
        }
    }

    private static String remote(SocketBufferEvent bev, Handle h) {
        try {
            return h == null ? null : FlightEvents.address(bev.ops().remoteAddress(h));
        } catch (IOException | RuntimeException gone) {
            return null;
        }
    }
}
