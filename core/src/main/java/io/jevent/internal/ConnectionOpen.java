package io.jevent.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event {@code io.jevent.ConnectionOpen}: a socket BufferEvent got a connected socket (an accepted one handed to
 * it, or its own connect completed). Off unless a recording enables it.
 */
@Name("io.jevent.ConnectionOpen")
@Label("Connection Open")
@Category({"jevent", "Connection"})
@Description("A socket BufferEvent got a connected socket: accepted and handed to it, or its connect completed")
@Enabled(false)
@StackTrace(false)
public final class ConnectionOpen extends Event {
    /** The socket's local address, as {@code host:port}. */
    @Label("Local Address")
    public String localAddress;

    /** The peer's address, as {@code host:port}. */
    @Label("Remote Address")
    public String remoteAddress;

    /** The base's backend (epoll, poll, nio, io_uring, kqueue, iocp). */
    @Label("Backend")
    public String backend;

    /** How bytes move: "readiness" or "completion". */
    @Label("Driver")
    @Description("readiness: reads and writes when the socket is ready; completion: operations posted to an engine")
    public String driver;

    /** Whether the BufferEvent connected it (false: it was handed a connected socket, an accepted one say). */
    @Label("Connected Here")
    @Description("true: this BufferEvent's connect; false: a socket handed to it (accepted)")
    public boolean outbound;
}
