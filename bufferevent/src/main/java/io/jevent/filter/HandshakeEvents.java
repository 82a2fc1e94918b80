package io.jevent.filter;

import io.jevent.bufferevent.BufferEvent;
import io.jevent.internal.FlightEvents;
import io.jevent.internal.TlsHandshake;
import io.jevent.spi.Handle;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import java.io.IOException;

/**
 * The Flight Recorder's {@code io.jevent.TlsHandshake} for one {@link TlsBufferEvent}: begun when its handshake
 * starts, if a recording enables the event then (otherwise nothing is made and every later call is on null), begun
 * again when the socket below connects if it was still to connect (the wait for it is no part of the handshake), and
 * committed once with the outcome, when the handshake finishes, fails, or the BufferEvent closes first. A timeout
 * during the handshake ends nothing (the user may enable the direction again and the handshake go on): it is noted,
 * and names the outcome only if the BufferEvent then closes before the handshake finished. Loop thread.
 */
final class HandshakeEvents {
    private HandshakeEvents() {
    }

    /**
     * The handshake starts: {@return a begun event when a recording wants it, else null}
     *
     * @param under the BufferEvent below (its socket names the peer)
     * @param engine the engine (its peer host when the layer below has no socket)
     * @param client whether this end is the client
     */
    static TlsHandshake start(BufferEvent under, SSLEngine engine, boolean client) {
        if (!FlightEvents.tlsHandshakes()) {
            return null;
        }
        TlsHandshake e = new TlsHandshake();
        e.client = client;
        e.peer = peer(under, engine);
        e.begin();
        return e;
    }

    /**
     * The socket below connected only now (the layer was made over a socket still to connect, as a client usually
     * is): the handshake's messages start moving now, so its time starts over and the peer is the socket's. Null
     * {@code e}: nothing is recorded.
     *
     * @param e the event begun at the layer's start, or null
     * @param under the BufferEvent below, connected now
     * @param engine the engine
     */
    static void connected(TlsHandshake e, BufferEvent under, SSLEngine engine) {
        if (e == null) {
            return;
        }
        e.peer = peer(under, engine);
        e.begin();
    }

    /**
     * A read or write timeout fired during the handshake, which goes on: noted in the event's {@code failure} (the
     * latest one), which names the outcome only if the BufferEvent closes before the handshake finishes. Null
     * {@code e}: nothing is recorded.
     *
     * @param e the event of the handshake in progress, or null
     * @param which the timeout, in words ("READING|TIMEOUT of the TLS BufferEvent", ...)
     */
    static void timedOut(TlsHandshake e, String which) {
        if (e == null) {
            return;
        }
        e.outcome = TlsHandshake.TIMED_OUT; // provisional: only a close before the handshake finishes keeps it
        e.failure = which;
    }

    /**
     * The handshake finished: records the protocol and suite agreed (a timeout noted before it is no failure).
     * Null {@code e}: nothing is recorded.
     */
    static void finished(TlsHandshake e, SSLEngine engine) {
        if (e == null) {
            return;
        }
        SSLSession s = engine.getSession();
        e.protocol = s.getProtocol();
        e.cipherSuite = s.getCipherSuite();
        e.outcome = TlsHandshake.OK;
        e.failure = null;
        e.commit();
    }

    /**
     * The handshake failed: {@link TlsHandshake#FAILED} with {@code failure} (the exception's or the end's text), a
     * timeout noted before it notwithstanding. Null {@code e}: nothing is recorded.
     */
    static void failed(TlsHandshake e, String failure) {
        if (e == null) {
            return;
        }
        e.outcome = TlsHandshake.FAILED;
        e.failure = failure;
        e.commit();
    }

    /**
     * The BufferEvent closed before the handshake ended: {@link TlsHandshake#TIMED_OUT} naming the timeout if one
     * fired during it, else {@link TlsHandshake#CLOSED}. Null {@code e}: nothing is recorded.
     */
    static void closed(TlsHandshake e) {
        if (e == null) {
            return;
        }
        if (!TlsHandshake.TIMED_OUT.equals(e.outcome)) {
            e.outcome = TlsHandshake.CLOSED;
            e.failure = null;
        }
        e.commit();
    }

    private static String peer(BufferEvent under, SSLEngine engine) {
        Handle h = under.handle();
        if (h != null) {
            try {
                return FlightEvents.address(under.base().netOps().remoteAddress(h));
            } catch (IOException | RuntimeException notConnectedYet) {
                // a connect still in progress: the engine's peer host below
            }
        }
        String host = engine.getPeerHost();
        return host == null ? null : engine.getPeerPort() > 0 ? host + ":" + engine.getPeerPort() : host;
    }
}
