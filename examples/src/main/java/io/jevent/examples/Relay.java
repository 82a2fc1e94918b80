package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A TCP relay, the way a Tor relay moves cells: each accepted connection gets a second {@link SocketBufferEvent}
 * to the upstream, and bytes move between the two by relinking buffer segments
 * ({@code dst.output().addBuffer(src.input())}: no copy).
 *
 * <p><b>Backpressure.</b> When a destination's output holds more than the high watermark, reading from the source
 * stops; it resumes in the destination's write callback, which runs once that output has drained to the low
 * watermark. So however slow one side is, a session holds at most {@code high + one read} bytes per direction
 * (a read is at most {@code jevent.bufferevent.maxRead}, 128 KiB by default).
 *
 * <p><b>End of stream.</b> An EOF from one side becomes a half-close ({@code shutdownOutput()}) of the other once
 * everything read before it has been sent; the session closes both sockets when both directions are finished. An
 * error or timeout on either side closes both at once.
 *
 * <p><b>Idle sessions.</b> A session is closed when no bytes have arrived from either side for the
 * {@linkplain #idleTimeout idle timeout} while nothing waits to be sent, or when bytes waiting for one side have
 * not moved for that long (it stopped reading); 60 s by default. Each socket carries read and write timeouts of
 * that length (common timeouts: O(1) per connection); a read timeout on one side is ignored while the other
 * direction is still moving, so a download whose client says nothing is not idle. A silent session is therefore
 * closed between one and two timeouts after its last byte.
 *
 * <p>All methods must be called on the base's loop thread (or before its loop runs).
 */
public final class Relay implements AutoCloseable {
    /** Default output size above which the relay stops reading from the other side. */
    public static final long DEFAULT_HIGH_WATERMARK = 1 << 20;
    /** Default output size at which reading resumes. */
    public static final long DEFAULT_LOW_WATERMARK = 256 << 10;
    /** Default idle timeout (see {@link #idleTimeout(Duration)}). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    private final EventBase base;
    private final Listener listener;
    private final String upstreamHost;
    private final int upstreamPort;
    private final long high;
    private final long low;
    private final Consumer<String> log;
    private final Set<Session> sessions = new LinkedHashSet<>();
    private long accepted;
    private long relayed;
    private long pauses;
    private long peakSessionBuffered;
    /** Idle timeout of new sessions, or null for none. */
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private long idleClosed;

    /** One direction of a session: bytes read from {@code src} are sent on {@code dst}. */
    private final class Direction {
        final Session session;
        final SocketBufferEvent src;
        final SocketBufferEvent dst;
        final String name;
        /** Reading from src is disabled because dst's output is over the high watermark. */
        boolean paused;
        /** src reached end of stream. */
        boolean eof;
        /** eof was seen and everything before it was sent, then dst was half-closed. */
        boolean done;
        long bytes;
        /** {@link System#nanoTime()} of the last read from src (the session's start before the first). */
        long lastReadNanos;

        Direction(Session session, SocketBufferEvent src, SocketBufferEvent dst, String name) {
            this.session = session;
            this.src = src;
            this.dst = dst;
            this.name = name;
            this.lastReadNanos = System.nanoTime();
        }

        /** src's read callback. */
        void onRead() {
            long n = src.input().length();
            lastReadNanos = System.nanoTime();
            bytes += n;
            relayed += n;
            dst.output().addBuffer(src.input());
            peakSessionBuffered = Math.max(peakSessionBuffered, session.buffered());
            if (dst.output().length() > high && !paused) {
                paused = true;
                pauses++;
                src.disable(Ev.READ);
            }
        }

        /** dst's write callback: its output has drained to the low watermark. */
        void onDrained() {
            if (paused) {
                paused = false;
                if (!eof) {
                    src.enable(Ev.READ);
                }
            }
            if (eof && !done && dst.output().length() == 0 && !dst.isClosed()) {
                done = true;
                session.maybeFinish();
            }
        }

        /** src reached end of stream: pass it on as a half-close once dst's output is sent. */
        void onEof() {
            eof = true;
            if (src.input().length() > 0) {
                onRead();
            }
            if (dst == session.upstream && !session.upstreamConnected) {
                return; // half-closed when the connect completes
            }
            halfCloseDst();
        }

        void halfCloseDst() {
            dst.shutdownOutput(); // waits for the output to drain
            if (dst.output().length() == 0 && !done) {
                done = true;
                session.maybeFinish();
            }
        }
    }

    /** An accepted connection and its upstream connection. */
    private final class Session {
        final long id;
        final SocketBufferEvent client;
        final SocketBufferEvent upstream;
        final Direction toUpstream;
        final Direction toClient;
        boolean upstreamConnected;
        boolean closed;

        Session(long id, SocketBufferEvent client, SocketBufferEvent upstream) {
            this.id = id;
            this.client = client;
            this.upstream = upstream;
            this.toUpstream = new Direction(this, client, upstream, "client->upstream");
            this.toClient = new Direction(this, upstream, client, "upstream->client");
        }

        long buffered() {
            return client.input().length() + client.output().length() + upstream.input().length()
                    + upstream.output().length();
        }

        void onEvent(Direction readSide, int reasons, Throwable cause) {
            if (closed) {
                return;
            }
            if ((reasons & BevEvent.CONNECTED) != 0) {
                upstreamConnected = true;
                if (toUpstream.eof) {
                    toUpstream.halfCloseDst();
                }
                return;
            }
            if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
                readSide.onEof();
                return;
            }
            if (reasons == (BevEvent.READING | BevEvent.TIMEOUT) && stillMoving(readSide)) {
                if (!readSide.paused && !readSide.eof) {
                    readSide.src.enable(Ev.READ); // re-arms its read timeout
                }
                return;
            }
            if ((reasons & BevEvent.TIMEOUT) != 0) {
                idleClosed++;
            }
            close(BevEvent.toString(reasons) + " on " + (readSide.src == client ? "client" : "upstream")
                    + (cause == null ? "" : ": " + cause));
        }

        /**
         * Whether the session is busy although {@code silent}'s source has sent nothing for the idle timeout: bytes
         * still wait to be sent to that side (its write timeout watches them), or the other direction has read
         * within the timeout.
         */
        boolean stillMoving(Direction silent) {
            Direction other = silent == toUpstream ? toClient : toUpstream;
            return silent.src.output().length() > 0
                    || idleTimeout != null && System.nanoTime() - other.lastReadNanos < idleTimeout.toNanos();
        }

        void maybeFinish() {
            if (toUpstream.done && toClient.done) {
                close("done");
            }
        }

        void close(String why) {
            if (closed) {
                return;
            }
            closed = true;
            sessions.remove(this);
            client.close();
            upstream.close();
            log.accept("session " + id + " closed (" + why + "): " + toUpstream.bytes + " bytes to upstream, "
                    + toClient.bytes + " to client");
        }
    }

    private Relay(EventBase base, SocketAddress listen, String upstreamHost, int upstreamPort, long high, long low,
                  Consumer<String> log) throws IOException {
        if (low < 0 || high <= low) {
            throw new IllegalArgumentException("expected 0 <= low < high, got low " + low + ", high " + high);
        }
        if (upstreamPort < 1 || upstreamPort > 65535) {
            throw new IllegalArgumentException("expected an upstream port 1..65535, got " + upstreamPort);
        }
        this.base = base;
        this.upstreamHost = Objects.requireNonNull(upstreamHost, "upstreamHost");
        this.upstreamPort = upstreamPort;
        this.high = high;
        this.low = low;
        this.log = Objects.requireNonNull(log, "log");
        this.listener = Listener.bind(base, listen, Listener.REUSEADDR, (l, h) -> accept(h));
    }

    /** Starts a relay with the default watermarks that reports nothing. */
    public static Relay start(EventBase base, SocketAddress listen, String upstreamHost, int upstreamPort)
            throws IOException {
        return start(base, listen, upstreamHost, upstreamPort, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK,
                s -> { });
    }

    /**
     * Starts a relay listening on {@code listen} that forwards each connection to {@code upstreamHost:upstreamPort}
     * (resolved off the loop for every connection).
     *
     * @param high stop reading from a side while the other side's output holds more than this many bytes
     * @param low resume once it has drained to this many ({@code < high})
     * @param log told when sessions open and close (on the loop thread)
     */
    public static Relay start(EventBase base, SocketAddress listen, String upstreamHost, int upstreamPort, long high,
                              long low, Consumer<String> log) throws IOException {
        return new Relay(base, listen, upstreamHost, upstreamPort, high, low, log);
    }

    private void accept(Handle h) {
        SocketBufferEvent client = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        SocketBufferEvent upstream = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        Session s = new Session(++accepted, client, upstream);
        sessions.add(s);
        wire(s.toUpstream, s.toClient);
        wire(s.toClient, s.toUpstream);
        if (idleTimeout != null) {
            client.setTimeouts(idleTimeout, idleTimeout);
            upstream.setTimeouts(idleTimeout, idleTimeout);
        }
        client.enable(Ev.READ);
        upstream.enable(Ev.READ);
        upstream.connectHostname(upstreamHost, upstreamPort);
        log.accept("session " + s.id + " opened: client " + h + " -> " + upstreamHost + ":" + upstreamPort);
    }

    /** Wires {@code d.src}'s read and event callbacks to {@code d}, and its write callback to {@code back}. */
    private void wire(Direction d, Direction back) {
        d.src.setWatermark(Ev.WRITE, low, 0);
        d.src.setCallbacks(b -> d.onRead(), b -> back.onDrained(),
                (b, reasons, cause) -> d.session.onEvent(d, reasons, cause));
    }

    /**
     * Sets the idle timeout of sessions accepted from now on (default {@link #DEFAULT_IDLE_TIMEOUT}; see the class
     * comment).
     *
     * @param idle a positive duration, or null for none
     * @return this
     */
    public Relay idleTimeout(Duration idle) {
        this.idleTimeout = EchoServer.positiveOrNull(idle, "idle");
        return this;
    }

    /** Sessions closed by a timeout so far. */
    public long idleClosed() {
        return idleClosed;
    }

    /** Where the relay listens. */
    public SocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    /** Sessions open now. */
    public int sessions() {
        return sessions.size();
    }

    /** Sessions accepted so far. */
    public long accepted() {
        return accepted;
    }

    /** Bytes relayed so far, both directions. */
    public long relayedBytes() {
        return relayed;
    }

    /** Bytes held in the relay's buffers now, over all sessions. */
    public long bufferedBytes() {
        long n = 0;
        for (Session s : sessions) {
            n += s.buffered();
        }
        return n;
    }

    /** The most bytes one session has held, measured after every move. */
    public long peakSessionBuffered() {
        return peakSessionBuffered;
    }

    /** How many times a side's reading was paused for backpressure. */
    public long pauses() {
        return pauses;
    }

    /** Directions whose source is paused now. */
    public int pausedDirections() {
        int n = 0;
        for (Session s : sessions) {
            n += (s.toUpstream.paused ? 1 : 0) + (s.toClient.paused ? 1 : 0);
        }
        return n;
    }

    /** Stops listening and closes every session. Idempotent. */
    @Override
    public void close() {
        listener.close();
        for (Session s : new ArrayList<>(sessions)) {
            s.close("relay closed");
        }
    }

    // ------------------------------------------------------------------------------------------------ command

    static final Usage USAGE = new Usage("relay", "--listen PORT --upstream HOST:PORT [--idle-timeout T]"
            + " [--backend NAME]", "TCP relay with watermark backpressure and half-close")
            .describe("Accepts connections on PORT and joins each to a new connection to HOST:PORT, moving bytes both"
                    + " ways without copying; a side that does not read stops the other side being read once 1 MiB"
                    + " waits for it, and an end of stream is passed on as a half-close. Serves until SIGINT or"
                    + " SIGTERM.")
            .option("--listen PORT", "port to accept connections on (required; 0 = any free port)")
            .option("--upstream HOST:PORT", "where each connection is relayed to (required; the host name is"
                    + " resolved on the loop; an IPv6 address in brackets)")
            .option("--idle-timeout T", "close a session when nothing has arrived from either side for T while"
                    + " nothing waits to be sent, or when bytes waiting for one side have not moved for T; 500ms, 30s,"
                    + " 2m; 0 = never (default " + Durations.format(DEFAULT_IDLE_TIMEOUT) + ")")
            .backendOption();

    /** The {@code relay} command. */
    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        return Args.run(USAGE, argv, out, err, Relay::command);
    }

    private static int command(Args a) throws IOException {
        Integer port = null;
        Args.HostPort upstream = null;
        String backend = null;
        Duration idle = DEFAULT_IDLE_TIMEOUT;
        try {
            for (String o = a.next(); o != null; o = a.next()) {
                switch (o) {
                    case "--listen": port = a.intValue(o, 0, 65535); break;
                    case "--backend": backend = a.backend(o); break;
                    case "--idle-timeout": idle = Durations.parse(o, a.value(o)); break;
                    case "--upstream": upstream = a.hostPort(o); break;
                    default: throw new IllegalArgumentException("unknown option " + o);
                }
            }
            if (port == null || upstream == null) {
                throw new IllegalArgumentException("--listen and --upstream are required");
            }
        } catch (IllegalArgumentException e) {
            throw a.usageError(e.getMessage());
        }
        PrintStream out = a.out;
        try (EventBase base = a.base(backend)) {
            Relay relay = start(base, new InetSocketAddress(port), upstream.host(), upstream.port(),
                    DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK, out::println).idleTimeout(idle);
            out.println("relay on " + relay.localAddress() + " -> " + upstream + " ("
                    + base.method() + ", idle timeout " + Durations.format(idle) + "); Ctrl-C to stop");
            List<Event> signals = new ArrayList<>();
            for (String sig : new String[] {"INT", "TERM"}) {
                Event ev = base.newSignal(sig, (e, what) -> {
                    out.println("SIG" + sig + ": closing " + relay.sessions() + " session(s); relayed "
                            + relay.relayedBytes() + " bytes in " + relay.accepted() + " session(s); "
                            + relay.idleClosed() + " closed idle");
                    relay.close();
                    signals.forEach(Event::close);
                    base.loopExit();
                });
                ev.add();
                signals.add(ev);
            }
            base.dispatch();
        }
        return 0;
    }
}
