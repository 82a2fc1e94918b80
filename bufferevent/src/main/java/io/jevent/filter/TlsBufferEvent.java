package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.InFlightWork;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.internal.TlsHandshake;
import io.jevent.spi.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * TLS over any BufferEvent with the JDK {@link SSLEngine} (libevent's {@code bufferevent_openssl} in filter mode).
 * Plaintext written here is encrypted into the underlying BufferEvent's output; ciphertext it reads is decrypted
 * into this one's input.
 *
 * <p>It is an engine of its own rather than a {@link io.jevent.bufferevent.Filter}, because TLS is not a pair of
 * independent byte transforms: reading may have to write (handshake, key update), the handshake decides when
 * CONNECTED is reported, and the close_notify exchange decides whether an EOF is clean.
 *
 * <ul>
 * <li><b>Handshake</b> starts at once (output written before it completes waits). Delegated tasks run on
 * {@link TlsOptions#taskExecutor()} as the base's {@link InFlightWork} and the handshake resumes on the loop
 * thread, so the loop never blocks on RSA or certificate checks, nor ends while a task is out. CONNECTED is
 * reported when it finishes; the underlying BufferEvent's own CONNECTED (a TCP connect) is not passed up.</li>
 * <li><b>Memory</b>: no buffer per record and none per connection beyond the pool's segments. A record is
 * encrypted into the loop thread's packet scratch and copied into the underlying output; ciphertext is decrypted
 * in place, or from the scratch when the record spans segments, into pooled segments of this input
 * ({@link TlsRecords} says why the engine needs the scratch).</li>
 * <li><b>Read high watermark</b>: the input never passes it. The engine decrypts whole records only, so when the
 * room left is smaller than a record, the record's plaintext is held back and delivered as the user drains;
 * reading resumes whenever the input drops below the watermark.</li>
 * <li><b>Closing</b>: {@code flush(Ev.WRITE, FlushMode.FINISHED)} and {@link #close()} send close_notify; with
 * {@link BevOption#CLOSE_ON_FREE} the underlying BufferEvent lingers until that alert (and anything still queued)
 * is sent, at most 10 s, then closes. {@link #abort()} closes without close_notify and without lingering: the
 * peer sees a truncated stream. A close_notify from the peer is READING|EOF; the underlying EOF without one
 * is READING|ERROR with an {@link SSLException} whose message starts "truncated", unless
 * {@link TlsOptions#allowDirtyShutdown(boolean)}.</li>
 * <li><b>Failures</b> (handshake, certificates, garbage, a bad MAC) are ERROR events carrying the
 * {@link SSLException}; the alert the engine produced is sent. Plaintext of the records that authenticated
 * before the failure (a request ahead of a forged record in the same read) reaches the read callback first;
 * nothing after the failure is decrypted.</li>
 * </ul>
 */
public final class TlsBufferEvent extends BufferEvent {
    private static final Logger log = LoggerFactory.getLogger(TlsBufferEvent.class);
    private static final Duration LINGER = Duration.ofSeconds(10);

    private final BufferEvent under;
    private final SSLEngine engine;
    private final TlsOptions tls;
    private final TlsRecords records;
    /**
     * Plaintext decrypted but not yet delivered because the read high watermark left less room than a record
     * holds (the engine decrypts whole records only). Delivered, up to the room left, before any further record is
     * decrypted, so the input never passes the watermark. null until first needed; empty (no memory) otherwise.
     */
    private EvBuffer held;
    private Event pumpTask;
    private boolean handshaken;
    private boolean taskRunning;
    private boolean failed;
    private boolean eofReported;
    /**
     * The layer below reported EOF while ciphertext was still waiting there because this layer could not read
     * (disabled, over its read watermark, out of rate tokens). The EOF is judged (clean or truncated) only once
     * that ciphertext has been decrypted, so the last data and the peer's close_notify are not mistaken for a
     * truncation.
     */
    private boolean pendingEof;
    private boolean finishing;
    /** {@link #abort()} is closing this: no close_notify, no lingering. */
    private boolean aborted;
    /**
     * Directions ({@code Ev} bits) the BufferEvent below stopped because its timeout fired: passed up as this layer's
     * TIMEOUT, which disables the direction here too; enabling it again here enables it below as well, so reading (or
     * writing) resumes as on a socket whose timeout fired. 0 otherwise.
     */
    private int underTimedOut;
    /** The Flight Recorder event of the handshake in progress, when a recording enabled it at its start; else null. */
    private TlsHandshake handshakeEvent;

    private TlsBufferEvent(BufferEvent under, SSLEngine engine, TlsOptions tls, int options) {
        super(under.base(), options);
        this.under = under;
        this.engine = engine;
        this.tls = tls;
        this.records = new TlsRecords(engine);
    }

    /**
     * TLS over {@code underlying} with an engine made from {@code context} and {@code tls}. The underlying
     * BufferEvent may be connected already (an accepted socket) or still connecting; it must not be used
     * directly afterwards.
     *
     * @param underlying the BufferEvent carrying the ciphertext; not closed
     * @param context makes the engine; a context shared by many connections also lets sessions resume
     * @param tls client or server mode and the engine settings
     * @param options {@link BevOption} bits for the TLS BufferEvent ({@link BevOption#CLOSE_ON_FREE} closes
     *        {@code underlying} with it)
     * @return the TLS BufferEvent; the handshake starts on the loop thread
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code underlying} is closed, or {@code tls} names protocols or cipher
     *         suites the provider does not know
     */
    public static TlsBufferEvent create(BufferEvent underlying, SSLContext context, TlsOptions tls, int options) {
        Objects.requireNonNull(context, "context");
        Objects.requireNonNull(tls, "tls");
        SSLEngine e = tls.isClient() && tls.serverName() != null
                ? context.createSSLEngine(tls.serverName(), portOf(underlying)) : context.createSSLEngine();
        configure(e, tls);
        return wrap(underlying, e, tls, options);
    }

    /**
     * TLS over {@code underlying} with a caller-made engine (its client mode and parameters are used as they are;
     * only {@code tls}'s executor and dirty-shutdown setting apply).
     *
     * @param underlying the BufferEvent carrying the ciphertext; not closed
     * @param engine the engine to run, not yet used for a handshake
     * @param tls supplies the delegated-task executor and the dirty-shutdown setting
     * @param options {@link BevOption} bits for the TLS BufferEvent ({@link BevOption#CLOSE_ON_FREE} closes
     *        {@code underlying} with it)
     * @return the TLS BufferEvent; the handshake starts on the loop thread
     * @throws NullPointerException if an argument is {@code null}
     * @throws IllegalArgumentException if {@code underlying} is closed
     */
    public static TlsBufferEvent create(BufferEvent underlying, SSLEngine engine, TlsOptions tls, int options) {
        return wrap(underlying, Objects.requireNonNull(engine, "engine"), Objects.requireNonNull(tls, "tls"), options);
    }

    private static TlsBufferEvent wrap(BufferEvent underlying, SSLEngine e, TlsOptions tls, int options) {
        Objects.requireNonNull(underlying, "underlying");
        if (underlying.isClosed()) {
            throw new IllegalArgumentException("the underlying BufferEvent is closed");
        }
        TlsBufferEvent t = new TlsBufferEvent(underlying, e, tls, options);
        t.onLoop(t::attach);
        return t;
    }

    private static int portOf(BufferEvent b) {
        return -1; // the session cache is keyed by host name alone (port unknown before connect)
    }

    private static void configure(SSLEngine e, TlsOptions tls) {
        e.setUseClientMode(tls.isClient());
        SSLParameters p = e.getSSLParameters();
        if (tls.isClient()) {
            if (tls.serverName() != null) {
                try {
                    p.setServerNames(List.of(new SNIHostName(tls.serverName())));
                } catch (IllegalArgumentException notAHostName) {
                    // an IP literal: no SNI, but still verified below
                }
            }
            if (tls.verifyHostname()) {
                p.setEndpointIdentificationAlgorithm("HTTPS");
            }
        } else {
            switch (tls.clientAuth()) {
                case NEED:
                    p.setNeedClientAuth(true);
                    break;
                case WANT:
                    p.setWantClientAuth(true);
                    break;
                default:
                    break;
            }
        }
        if (!tls.alpn().isEmpty()) {
            p.setApplicationProtocols(tls.alpn().toArray(new String[0]));
        }
        if (!tls.protocols().isEmpty()) {
            p.setProtocols(tls.protocols().toArray(new String[0]));
        }
        if (!tls.cipherSuites().isEmpty()) {
            p.setCipherSuites(tls.cipherSuites().toArray(new String[0]));
        }
        e.setSSLParameters(p);
    }

    private void attach() {
        layerOver(under);
        under.setCallbacks(b -> schedulePump(), b -> schedulePump(), this::underEvent);
        under.enable(Ev.READ | Ev.WRITE);
        handshakeEvent = HandshakeEvents.start(under, engine, tls.isClient());
        try {
            engine.beginHandshake();
        } catch (SSLException e) {
            fail(0, e);
            return;
        }
        schedulePump();
    }

    /**
     * The engine (for the session, peer certificates, the negotiated protocol and ALPN). Loop thread.
     *
     * @return the SSLEngine this BufferEvent runs
     */
    public SSLEngine engine() {
        return engine;
    }

    /**
     * The session (after CONNECTED).
     *
     * @return the engine's current session; before the handshake finished, a placeholder without peer or suite
     */
    public SSLSession session() {
        return engine.getSession();
    }

    /**
     * The ALPN protocol chosen.
     *
     * @return the negotiated protocol name, {@code ""} if none was agreed, {@code null} before the handshake
     *         finished
     */
    public String applicationProtocol() {
        return engine.getApplicationProtocol();
    }

    /**
     * Closes abortively: as {@link #close()}, but without close_notify (libevent's {@code bufferevent_free} of a
     * TLS BufferEvent, which does not shut the TLS session down). Unsent plaintext is dropped; with
     * {@link BevOption#CLOSE_ON_FREE} the layers below close at once, dropping the ciphertext still queued there,
     * instead of lingering until it is sent. The peer sees the stream end without close_notify: a truncation,
     * which a TLS peer reports as an error (ours: {@code READING|ERROR} with an {@link SSLException} starting
     * "truncated", unless it {@linkplain TlsOptions#allowDirtyShutdown allows dirty shutdown}). For a peer that
     * misbehaved, or to make sure a message cut short can never pass for a complete one. Idempotent; after
     * {@link #close()} it does nothing. Loop thread, or any thread with {@link BevOption#THREADSAFE}.
     */
    public void abort() {
        onLoop(() -> {
            if (!isClosed()) {
                aborted = true;
                close();
            }
        });
    }

    /**
     * The BufferEvent under this one.
     *
     * @return the BufferEvent carrying the ciphertext, as given to {@code create}
     */
    public BufferEvent underlying() {
        return under;
    }

    @Override
    public Handle handle() {
        return under.handle();
    }

    // ------------------------------------------------------------------------------------------- engine hooks

    @Override
    protected void readInterestChanged(boolean wanted) {
        if (wanted) {
            if (!under.isClosed()) {
                under.unsuspendRead(SUSPEND_FILTER);
                resumeBelow(Ev.READ);
            }
            schedulePump();
        } else if (handshaken && !under.isClosed()) {
            // backpressure reaches the socket: ciphertext stops arriving while nobody takes the plaintext.
            // (During the handshake the layer below must keep reading, whatever the user enabled.)
            under.suspendRead(SUSPEND_FILTER);
        }
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        if (wanted && !under.isClosed()) {
            resumeBelow(Ev.WRITE);
        }
        if (wanted && output.length() > 0) {
            schedulePump();
        }
    }

    /** Enables {@code dir} below again if its timeout stopped it there ({@link #underTimedOut}). */
    private void resumeBelow(int dir) {
        if ((underTimedOut & dir) != 0) {
            underTimedOut &= ~dir;
            under.enable(dir);
        }
    }

    @Override
    protected void outputReady() {
        schedulePump();
    }

    @Override
    protected void flushEngine(int what, FlushMode mode) {
        pump();
        if ((what & Ev.WRITE) != 0 && mode == FlushMode.FINISHED) {
            sendCloseNotify();
        }
        if ((what & Ev.WRITE) != 0 && !under.isClosed()) {
            under.flush(Ev.WRITE, mode == FlushMode.FINISHED ? FlushMode.FLUSH : mode);
        }
    }

    /**
     * The handshake in progress (if a recording wanted its event) ends unfinished: {@code failure} (an exception or a
     * text, made into text only then), or a close when null (timed out, if a timeout fired during it).
     */
    private void handshakeEnded(Object failure) {
        if (handshakeEvent != null) {
            if (failure == null) {
                HandshakeEvents.closed(handshakeEvent);
            } else {
                HandshakeEvents.failed(handshakeEvent, failure.toString());
            }
            handshakeEvent = null;
        }
    }

    /** A timeout of this layer itself: noted on the handshake in progress, which it does not end. */
    @Override
    protected void timeoutFired(int reasons) {
        HandshakeEvents.timedOut(handshakeEvent, BevEvent.toString(reasons) + " of the TLS BufferEvent");
    }

    @Override
    protected void closeEngine() {
        handshakeEnded(null);
        if (pumpTask != null) {
            pumpTask.close();
        }
        if (held != null) {
            held.drain(held.length()); // its segments back to the pool, as the input's are
        }
        // a closed base sends nothing: no close_notify, no linger
        boolean graceful = !failed && !aborted && !base.isClosed() && !under.isClosed();
        if (graceful) {
            sendCloseNotify();
            under.flush(Ev.WRITE, FlushMode.FINISHED); // a zlib layer below ends its stream cleanly too
        }
        if ((options & BevOption.CLOSE_ON_FREE) != 0) {
            if (graceful && outputPending(under)) {
                linger();
            } else {
                under.close();
            }
        } else if (!under.isClosed()) {
            under.setCallbacks(null, null, null);
        }
    }

    /**
     * Keeps the chain below open until close_notify (and whatever was queued) has left the bottom BufferEvent,
     * then closes it; at most {@link #LINGER}. Closing at once would drop those bytes, and the peer would see a
     * truncated connection. Checked every 5 ms, because a layer's drain is only visible to the layer above it. If
     * the base closes meanwhile, it forgets the timer: the linger is registered {@linkplain
     * io.jevent.EventBase#onClose to end there}, closing the chain below at once (what is still queued is dropped, as
     * on any BufferEvent closed with its base), so that its descriptor and this layer's close future are not left
     * waiting for a timer that will never fire.
     */
    private void linger() {
        long deadline = System.nanoTime() + LINGER.toNanos();
        Event[] timer = new Event[1];
        Runnable atBaseClose = under::close;
        under.setCallbacks(null, null, (b, r, c) -> {
            base.removeOnClose(atBaseClose);
            timer[0].close();
            b.close();
        });
        under.disable(Ev.READ);
        timer[0] = base.newTimer((ev, what) -> {
            if (under.isClosed() || !outputPending(under) || System.nanoTime() > deadline) {
                base.removeOnClose(atBaseClose);
                under.close();
                timer[0].close();
            } else {
                timer[0].add(Duration.ofMillis(5));
            }
        });
        timer[0].add(Duration.ofMillis(1));
        base.onClose(atBaseClose);
    }

    private void sendCloseNotify() {
        if (finishing || !handshaken || engine.isOutboundDone()) {
            return;
        }
        finishing = true;
        engine.closeOutbound();
        try {
            while (!engine.isOutboundDone()) {
                SSLEngineResult r = records.wrapControl(under.output());
                if (r.bytesProduced() == 0) {
                    break;
                }
            }
        } catch (SSLException e) {
            log.debug("sending close_notify failed on {}", this, e);
        }
    }

    // ------------------------------------------------------------------------------------------------- the pump

    private void schedulePump() {
        if (isClosed()) {
            return;
        }
        if (pumpTask == null) {
            pumpTask = base.newUserEvent(plumbing(this::pump)); // a slow run names the user callback
        }
        pumpTask.activate(Ev.WRITE);
    }

    /** Moves everything that can move now: handshake messages, then application data both ways. Loop thread. */
    private void pump() {
        if (isClosed() || failed || taskRunning) {
            return;
        }
        long plainIn = 0;
        long plainOut = 0;
        int dir = BevEvent.READING;
        try {
            boolean progress = true;
            while (progress && !failed && !isClosed()) {
                progress = false;
                SSLEngineResult.HandshakeStatus hs = engine.getHandshakeStatus();
                switch (hs) {
                    case NEED_TASK:
                        runTasks();
                        return;
                    case NEED_WRAP:
                        dir = BevEvent.WRITING;
                        progress = records.wrapControl(under.output()).bytesProduced() > 0
                                || engine.getHandshakeStatus() != hs;
                        under.flush(Ev.WRITE, FlushMode.FLUSH);
                        break;
                    case NEED_UNWRAP:
                    case NEED_UNWRAP_AGAIN:
                        dir = BevEvent.READING;
                        long got = readRecord();
                        if (got < 0) {
                            break; // need more ciphertext
                        }
                        plainIn += got;
                        progress = true;
                        break;
                    default:
                        if (!handshaken) {
                            handshaken = true;
                            HandshakeEvents.finished(handshakeEvent, engine);
                            handshakeEvent = null;
                            if (!readWanted()) {
                                under.suspendRead(SUSPEND_FILTER); // see readInterestChanged
                            }
                            fireEvent(BevEvent.CONNECTED, null);
                            progress = true;
                            break;
                        }
                        if (writeWanted() && output.length() > 0 && !engine.isOutboundDone() && underHasRoom()) {
                            dir = BevEvent.WRITING;
                            long took = wrapAppData();
                            plainOut += took;
                            progress = took > 0;
                        }
                        if (readWanted() && inputHasRoom()) {
                            dir = BevEvent.READING;
                            long plain = heldEmpty() ? (under.input().length() > 0 && !engine.isInboundDone()
                                    ? readRecord() : -1) : deliverHeld();
                            if (plain >= 0) {
                                plainIn += plain;
                                progress = true;
                            }
                        }
                        break;
                }
            }
        } catch (SSLException e) {
            fail(dir, e, plainIn);
            return;
        } catch (RuntimeException e) {
            fail(dir, new SSLException("TLS engine failed: " + e, e), plainIn);
            return;
        }
        if (plainOut > 0) {
            writeDone(plainOut);
        }
        if (plainIn > 0) {
            readDone(plainIn);
        }
        if (!isClosed() && engine.isInboundDone() && !eofReported && heldEmpty()) {
            eofReported = true; // the peer's close_notify, after the last plaintext before it
            handshakeEnded("the peer sent close_notify during the handshake");
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
        }
        if (pendingEof && !isClosed() && !failed && !eofReported && readWanted() && inputHasRoom() && heldEmpty()) {
            finishEof(); // everything decryptable was decrypted: what is left below is a cut-off record
        }
    }

    private boolean underHasRoom() {
        long high = under.writeHighWatermark();
        return high <= 0 || under.output().length() < high;
    }

    private boolean inputHasRoom() {
        long high = readHighWatermark();
        return high <= 0 || input.length() < high;
    }

    private boolean heldEmpty() {
        return held == null || held.length() == 0;
    }

    /** Encrypts up to one record of the output; returns the plaintext bytes consumed. */
    private long wrapAppData() throws SSLException {
        int used = records.wrap(output, under.output()).bytesConsumed();
        if (used > 0) {
            output.drain(used);
        }
        return used;
    }

    /**
     * Decrypts one record from the underlying input: into this input when the read high watermark leaves room
     * for a whole record and nothing is held back, else after {@link #held}, of which as much as fits is then
     * delivered. Returns the bytes
     * added to this input ({@code >= 0}), or -1 when no record was complete.
     */
    private long readRecord() throws SSLException {
        long high = readHighWatermark();
        int appSize = engine.getSession().getApplicationBufferSize();
        if (heldEmpty() && (high <= 0 || high - input.length() >= appSize)) {
            return records.unwrap(under.input(), input);
        }
        if (held == null) {
            held = new EvBuffer();
        }
        return records.unwrap(under.input(), held) < 0 ? -1 : deliverHeld();
    }

    /** Moves held plaintext into the input, up to the read high watermark; returns how much. */
    private long deliverHeld() {
        long high = readHighWatermark();
        long n = high > 0 ? Math.min(held.length(), Math.max(0, high - input.length())) : held.length();
        return held.removeBuffer(input, n);
    }

    private void runTasks() {
        taskRunning = true;
        Runnable task = engine.getDelegatedTask();
        if (task == null) {
            taskRunning = false;
            schedulePump();
            return;
        }
        InFlightWork work = base.beginWork("TLS delegated task");
        Runnable offLoop = () -> {
            Throwable failure = null;
            try {
                Runnable t = task;
                while (t != null) {
                    t.run();
                    t = engine.getDelegatedTask();
                }
            } catch (Throwable t) {
                failure = t;
            }
            Throwable f = failure;
            work.finish(() -> {
                taskRunning = false;
                if (f != null) {
                    fail(BevEvent.READING, f instanceof SSLException ? (SSLException) f
                            : new SSLException("TLS handshake task failed: " + f, f));
                } else {
                    pump();
                }
            });
        };
        try {
            tls.taskExecutor().execute(offLoop);
        } catch (RuntimeException rejected) {
            work.finish(() -> { }); // nothing went off the loop: stop counting it; pump() reports the failure
            throw rejected;
        }
    }

    private void underEvent(BufferEvent b, int reasons, Throwable cause) {
        if (reasons == BevEvent.CONNECTED) {
            HandshakeEvents.connected(handshakeEvent, under, engine); // its messages leave from now on
            schedulePump(); // our CONNECTED comes after the handshake
            return;
        }
        if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
            pump(); // deliver what arrived before the end
            if (failed || isClosed() || eofReported) {
                return;
            }
            if ((under.input().length() > 0 || !heldEmpty()) && (!readWanted() || !inputHasRoom() || taskRunning)) {
                pendingEof = true; // judged once the waiting bytes are delivered (pump ends with finishEof)
                return;
            }
            finishEof();
            return;
        }
        if ((reasons & BevEvent.ERROR) != 0) {
            failed = true; // the transport is gone: no close_notify, no lingering
            handshakeEnded(cause != null ? cause : BevEvent.toString(reasons));
        } else if ((reasons & BevEvent.TIMEOUT) != 0) {
            // the handshake goes on if the user enables the direction again (on this layer: see underTimedOut)
            HandshakeEvents.timedOut(handshakeEvent, BevEvent.toString(reasons) + " of the BufferEvent below");
            underTimedOut |= (reasons & BevEvent.READING) != 0 ? Ev.READ : Ev.WRITE;
        }
        fireEvent(reasons, cause);
    }

    /** The transport ended and everything readable was read: a clean end only if close_notify came. */
    private void finishEof() {
        pendingEof = false;
        handshakeEnded("the peer closed the connection during the handshake");
        try {
            engine.closeInbound();
            eofReported = true;
            fireEvent(BevEvent.READING | BevEvent.EOF, null);
        } catch (SSLException e) {
            eofReported = true;
            if (tls.allowDirtyShutdown()) {
                fireEvent(BevEvent.READING | BevEvent.EOF, null);
            } else {
                failed = true;
                fireEvent(BevEvent.READING | BevEvent.ERROR, new SSLException("truncated: the peer closed the"
                        + " connection without close_notify" + (handshaken ? "" : ", during the handshake")
                        + " (" + e.getMessage() + ")", e));
            }
        }
    }

    private void fail(int direction, SSLException e) {
        fail(direction, e, 0);
    }

    /**
     * Fails the connection: sends the alert, then reports ERROR. {@code plainIn} bytes were decrypted into the input
     * before the failure, from records that authenticated: they reach the read callback first, as they came first.
     */
    private void fail(int direction, SSLException e, long plainIn) {
        if (failed) {
            return;
        }
        failed = true;
        // send the alert the engine prepared, so the peer learns why
        try {
            engine.closeOutbound();
            for (int i = 0; i < 4 && !engine.isOutboundDone(); i++) {
                if (records.wrapControl(under.output()).bytesProduced() == 0) {
                    break;
                }
            }
            if (!under.isClosed()) {
                under.flush(Ev.WRITE, FlushMode.FLUSH);
            }
        } catch (SSLException | RuntimeException ignored) {
            // the alert is a courtesy
        }
        if (plainIn > 0) {
            readDone(plainIn); // the connection has failed: if the callback closes it, no close_notify is sent
        }
        handshakeEnded(e);
        fireEvent(direction | BevEvent.ERROR, e);
    }

    @Override
    public String toString() {
        return "TlsBufferEvent[" + (tls.isClient() ? "client" : "server") + (handshaken ? ", "
                + engine.getSession().getProtocol() : ", handshaking") + ", " + under + "]";
    }
}
