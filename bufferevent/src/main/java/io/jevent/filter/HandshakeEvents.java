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
 * committed once with the outcome, when the handshake finishes, fails, or the BufferEvent closes first. Loop thread.
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

    /** The handshake finished: records the protocol and suite agreed. Null {@code e}: nothing is recorded. */
    static void finished(TlsHandshake e, SSLEngine engine) {
        if (e == null) {
            return;
        }
        SSLSession s = engine.getSession();
        e.protocol = s.getProtocol();
        e.cipherSuite = s.getCipherSuite();
        e.outcome = TlsHandshake.OK;
        e.commit();
    }

    /**
     * The handshake ended without finishing: {@code outcome} {@link TlsHandshake#FAILED} with {@code failure}, or
     * {@link TlsHandshake#CLOSED}. Null {@code e}: nothing is recorded.
     */
    static void ended(TlsHandshake e, String outcome, String failure) {
        if (e == null) {
            return;
        }
        e.outcome = outcome;
        e.failure = failure;
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
