package io.jevent.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.jevent.TlsHandshake}: a TLS BufferEvent's handshake, from its start to CONNECTED or to its
 * failure. Off unless a recording enables it.
 */
@Name("io.jevent.TlsHandshake")
@Label("TLS Handshake")
@Category({"jevent", "TLS"})
@Description("A TLS BufferEvent's handshake, from its start until it finished or failed")
@Enabled(false)
@StackTrace(false)
public final class TlsHandshake extends Event {
    /** Outcome: the handshake finished (CONNECTED). */
    public static final String OK = "ok";
    /** Outcome: the handshake failed (ERROR or end of stream). */
    public static final String FAILED = "failed";
    /** Outcome: the BufferEvent was closed before the handshake ended. */
    public static final String CLOSED = "closed";
    /**
     * Outcome: a read or write timeout (of the TLS BufferEvent or of the one below) fired during the handshake, which
     * then did not finish: the BufferEvent was closed first. {@link #failure} names the timeout.
     */
    public static final String TIMED_OUT = "timed out";

    /** The peer: its socket address when the layer below is a socket, else the host name the engine was given. */
    @Label("Peer")
    public String peer;

    /** Whether this end was the client. */
    @Label("Client")
    public boolean client;

    /** The negotiated protocol (TLSv1.3, ...), null unless the handshake finished. */
    @Label("Protocol")
    public String protocol;

    /** The negotiated cipher suite, null unless the handshake finished. */
    @Label("Cipher Suite")
    public String cipherSuite;

    /** {@link #OK}, {@link #FAILED}, {@link #CLOSED} or {@link #TIMED_OUT}. */
    @Label("Outcome")
    public String outcome;

    /** Why it failed (the exception's text) or which timeout fired before the close, null when it finished. */
    @Label("Failure")
    public String failure;
}
