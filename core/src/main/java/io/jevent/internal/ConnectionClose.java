package io.jevent.internal;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * JFR event {@code io.jevent.ConnectionClose}: a socket BufferEvent that had a connected socket was closed. Carries
 * what it moved, how long it lived and why it ended. Off unless a recording enables it.
 */
@Name("io.jevent.ConnectionClose")
@Label("Connection Close")
@Category({"jevent", "Connection"})
@Description("A socket BufferEvent with a connected socket was closed: bytes moved, lifetime and why it ended")
@Enabled(false)
@StackTrace(false)
public final class ConnectionClose extends Event {
    /** Reason: closed by the user with nothing reported before. */
    public static final String CLOSED = "close";
    /** Reason: the peer ended the stream (EOF reported) before the close. */
    public static final String EOF = "eof";
    /** Reason: an error was reported before the close. */
    public static final String ERROR = "error";
    /** Reason: a read or write timeout was reported before the close. */
    public static final String TIMEOUT = "timeout";

    /** The socket's local address, as {@code host:port}. */
    @Label("Local Address")
    public String localAddress;

    /** The peer's address, as {@code host:port}. */
    @Label("Remote Address")
    public String remoteAddress;

    /** The base's backend. */
    @Label("Backend")
    public String backend;

    /** How bytes moved: "readiness" or "completion". */
    @Label("Driver")
    public String driver;

    /** Bytes read from the socket over the connection's life. */
    @Label("Bytes Read")
    @DataAmount
    public long bytesRead;

    /** Bytes written to the socket over the connection's life. */
    @Label("Bytes Written")
    @DataAmount
    public long bytesWritten;

    /** From the socket's open (accepted or connected) to the close. */
    @Label("Lifetime")
    @Timespan(Timespan.NANOSECONDS)
    public long lifetime;

    /** {@link #CLOSED}, {@link #EOF}, {@link #ERROR} or {@link #TIMEOUT}: the first end reported, if any. */
    @Label("Reason")
    @Description("close: closed by the user; eof: the peer ended the stream; error; timeout")
    public String reason;

    /** The errno of an error from a system call, 0 otherwise (the NIO backend gives no errno). */
    @Label("Errno")
    public int errno;

    /** The error's message, or null. */
    @Label("Message")
    public String message;
}
