package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A TCP echo server on BufferEvents, with backpressure: what a connection sends comes back, moved from its
 * input to its output without copying. A client that sends but does not read cannot grow the server's memory
 * without bound: once a connection's output holds more than the high watermark (1 MiB by default) the BufferEvent
 * is no longer {@linkplain BufferEvent#isWritable() writable} and the server stops reading from it; it resumes when
 * the writability callback says the output has drained to the low watermark (256 KiB). So each connection holds at most {@code high + one read} bytes (a read is at most
 * {@code jevent.bufferevent.maxRead}, 128 KiB by default).
 *
 * <p>End of stream: when the client half-closes, the server sends what it still holds and then closes. Errors
 * close the connection and are logged (SLF4J, warn) with their cause: a zlib stream rejected by a decompression
 * limit says which limit and how to raise it.
 *
 * <p>Filters: with a {@link ChainSpec} every accepted connection becomes the chain
 * {@code rateLimit(zlib(tls(socket)))} (the layers asked for), and the server works on the top of it exactly as on a
 * plain socket. Backpressure goes through the chain: the top's write watermarks and writability say when to stop
 * and resume reading, and every layer below holds at most {@link Chain#LAYER_HIGH} bytes each way, so a connection
 * still costs a bounded amount of memory. The end of the stream is written (zlib trailer, TLS close_notify) once
 * everything before it has gone down the chain.
 *
 * <p>Timeouts: a connection is closed when the client has sent nothing for the {@linkplain #idleTimeout idle
 * timeout} while nothing waits to be sent to it, or when what waits for it has not moved for that long (60 s by
 * default); with TLS, also when its handshake has not finished within the {@linkplain #handshakeTimeout handshake
 * timeout} (10 s by default). So a peer that connects and says nothing, stops reading, or trickles a handshake no
 * longer holds a descriptor for ever. A client that has stopped sending but is still reading its echo is not idle.
 * A connection whose client stopped reading, or whose handshake timed out, is aborted ({@link Chain#abort()}: no
 * TLS close_notify that it would not read), which frees its descriptor and buffers at once.
 *
 * <p>All methods must be called on the base's loop thread (or before its loop runs).
 */
public final class EchoServer implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EchoServer.class);
    /** Default output size above which the server stops reading from a connection. */
    public static final long DEFAULT_HIGH_WATERMARK = 1 << 20;
    /** Default output size at which reading resumes. */
    public static final long DEFAULT_LOW_WATERMARK = 256 << 10;
    /** Default idle timeout (see {@link #idleTimeout(Duration)}). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    /** Default TLS handshake timeout (see {@link #handshakeTimeout(Duration)}). */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /** The listener, or null for a server fed by {@link #adopt} (one loop of {@link MultiLoopEchoServer}). */
    private final Listener listener;
    private final ChainSpec chain;
    private final long high;
    private final long low;
    private final Set<Conn> conns = new LinkedHashSet<>();
    private long accepted;
    private long echoed;
    private long peakConnectionBuffered;
    private long pauses;
    private long connectionErrors;
    /** Idle timeout of new connections, or null for none. */
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    /** TLS handshake timeout of new connections, or null for none. */
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private long idleClosed;
    private long handshakeTimeouts;

    /** One accepted connection. */
    private final class Conn {
        final Chain chain;
        /** The chain's top: the socket itself without filters. */
        final BufferEvent bev;
        /** Reading is disabled because the output is over the high watermark. */
        boolean paused;
        /** The client half-closed; close once the output is sent. */
        boolean eof;
        /** Closes the connection if its TLS handshake has not finished in time; null once it has (or without TLS). */
        Event handshakeTimer;

        Conn(Chain chain) {
            this.chain = chain;
            this.bev = chain.top();
        }
    }

    private final EventBase base;

    private EchoServer(EventBase base, SocketAddress address, long high, long low, ChainSpec chain)
            throws IOException {
        if (low < 0 || high <= low) {
            throw new IllegalArgumentException("expected 0 <= low < high, got low " + low + ", high " + high);
        }
        this.chain = java.util.Objects.requireNonNull(chain, "chain");
        this.high = high;
        this.low = low;
        this.base = base;
        this.listener = address == null ? null
                : Listener.bind(base, address, Listener.REUSEADDR, (l, h) -> accept(base, h));
    }

    /**
     * A server with no listener of its own, fed connections accepted elsewhere through {@link #adopt} (one per loop of
     * a {@link MultiLoopEchoServer}). Loop thread of {@code base}.
     */
    static EchoServer unbound(EventBase base, ChainSpec chain) throws IOException {
        return new EchoServer(base, null, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK, chain);
    }

    /** Serves {@code h}, a connection accepted for this server's base. Loop thread of that base. */
    void adopt(Handle h) {
        accept(base, h);
    }

    /** Starts an echo server on {@code address} with the default watermarks. */
    public static EchoServer start(EventBase base, SocketAddress address) throws IOException {
        return start(base, address, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK);
    }

    /**
     * Starts an echo server on {@code address}.
     *
     * @param high stop reading from a connection while its output holds more than this many bytes
     * @param low resume reading once its output has drained to this many bytes ({@code < high})
     */
    public static EchoServer start(EventBase base, SocketAddress address, long high, long low) throws IOException {
        return new EchoServer(base, address, high, low, ChainSpec.PLAIN);
    }

    /** Starts an echo server whose connections go through {@code chain}, with the default watermarks. */
    static EchoServer start(EventBase base, SocketAddress address, ChainSpec chain) throws IOException {
        return new EchoServer(base, address, DEFAULT_HIGH_WATERMARK, DEFAULT_LOW_WATERMARK, chain);
    }

    /** Starts an echo server whose connections go through {@code chain}. */
    static EchoServer start(EventBase base, SocketAddress address, long high, long low, ChainSpec chain)
            throws IOException {
        return new EchoServer(base, address, high, low, chain);
    }

    private void accept(EventBase base, Handle h) {
        Chain ch = chain.server(SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE));
        ch.limitLayersBelowTop();
        Conn c = new Conn(ch);
        conns.add(c);
        accepted++;
        // above high the top is unwritable: stop reading; at low it is writable again: resume
        c.bev.setWatermark(Ev.WRITE, low, high);
        c.bev.setWritabilityCallback((b, writable) -> onWritability(c, writable));
        c.bev.setCallbacks(b -> onRead(c), null, (b, reasons, cause) -> onEvent(c, reasons, cause));
        ch.setIdleTimeout(idleTimeout);
        if (ch.tls() && handshakeTimeout != null) {
            // a common timeout: thousands of pending handshakes cost one timer-heap entry
            c.handshakeTimer = base.newTimer((ev, what) -> {
                handshakeTimeouts++;
                closeConn(c, true);
            });
            c.handshakeTimer.add(base.commonTimeout(handshakeTimeout));
        }
        c.bev.enable(Ev.READ);
    }

    private void onRead(Conn c) {
        EvBuffer in = c.bev.input();
        EvBuffer out = c.bev.output();
        echoed += in.length();
        out.addBuffer(in); // relinks segments: no copy; may make the top unwritable (onWritability, at once)
        peakConnectionBuffered = Math.max(peakConnectionBuffered, out.length());
    }

    /** The top's output crossed the high watermark (false) or drained back to the low one (true). */
    private void onWritability(Conn c, boolean writable) {
        if (!writable && !c.paused) {
            c.paused = true;
            pauses++;
            c.bev.disable(Ev.READ);
        } else if (writable && c.paused) {
            c.paused = false;
            if (!c.eof) {
                c.bev.enable(Ev.READ);
            }
        }
    }

    private void onEvent(Conn c, int reasons, Throwable cause) {
        if ((reasons & BevEvent.CONNECTED) != 0) {
            stopHandshakeTimer(c); // the TLS handshake finished (the only CONNECTED a server's chain reports)
        }
        if (reasons == (BevEvent.READING | BevEvent.TIMEOUT) && !c.chain.drained() && !c.paused && !c.eof) {
            // silent, but still taking its echo: not idle (the socket's write timeout watches that output)
            c.bev.enable(Ev.READ); // re-arms the read timeout
            return;
        }
        if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
            c.eof = true; // echo what is left, end our stream, then close
            stopHandshakeTimer(c);
            c.chain.finishAndClose(() -> conns.remove(c));
        } else if ((reasons & (BevEvent.ERROR | BevEvent.EOF | BevEvent.TIMEOUT)) != 0) {
            if ((reasons & BevEvent.ERROR) != 0) {
                // a rejected zlib stream, a TLS failure, a reset: say why, the cause names the limit to raise
                connectionErrors++;
                log.warn("closing {} after {}: {}", c.chain.socket().handle(), BevEvent.toString(reasons),
                        String.valueOf(cause));
            }
            if ((reasons & BevEvent.TIMEOUT) != 0) {
                idleClosed++;
            }
            // a peer that stopped reading would only hold a TLS close_notify (and the descriptor) back: abort
            closeConn(c, (reasons & (BevEvent.WRITING | BevEvent.TIMEOUT)) == (BevEvent.WRITING | BevEvent.TIMEOUT));
        }
    }

    private static void stopHandshakeTimer(Conn c) {
        if (c.handshakeTimer != null) {
            c.handshakeTimer.close();
            c.handshakeTimer = null;
        }
    }

    private void closeConn(Conn c) {
        closeConn(c, false);
    }

    /** Closes {@code c}: with {@code abort}, without ending its stream ({@link Chain#abort()}). */
    private void closeConn(Conn c, boolean abort) {
        stopHandshakeTimer(c);
        conns.remove(c);
        if (abort) {
            c.chain.abort();
        } else {
            c.chain.close();
        }
    }

    /**
     * Sets the idle timeout of connections accepted from now on (default {@link #DEFAULT_IDLE_TIMEOUT}): a
     * connection is closed when the client has sent nothing for {@code idle} while nothing waits to be sent to
     * it, or when bytes waiting for it have not moved for {@code idle} (it stopped reading). Timeouts share the
     * base's common-timeout queues: O(1) per connection.
     *
     * @param idle a positive duration, or null for none
     * @return this
     */
    public EchoServer idleTimeout(Duration idle) {
        this.idleTimeout = positiveOrNull(idle, "idle");
        return this;
    }

    /**
     * Sets the TLS handshake timeout of connections accepted from now on (default
     * {@link #DEFAULT_HANDSHAKE_TIMEOUT}): a connection whose handshake has not finished within {@code handshake}
     * of its accept is closed, however slowly the client keeps sending. Without TLS it does nothing.
     *
     * @param handshake a positive duration, or null for none
     * @return this
     */
    public EchoServer handshakeTimeout(Duration handshake) {
        this.handshakeTimeout = positiveOrNull(handshake, "handshake");
        return this;
    }

    static Duration positiveOrNull(Duration d, String which) {
        if (d != null && (d.isZero() || d.isNegative())) {
            throw new IllegalArgumentException("expected a positive " + which + " timeout or null for none, got " + d);
        }
        return d;
    }

    /** Connections closed by the idle timeout so far. */
    public long idleClosed() {
        return idleClosed;
    }

    /** Connections closed because their TLS handshake took longer than the handshake timeout. */
    public long handshakeTimeouts() {
        return handshakeTimeouts;
    }

    /** Where the server listens (with the port chosen when 0 was asked for). */
    public SocketAddress localAddress() throws IOException {
        if (listener == null) {
            throw new IllegalStateException("this server has no listener of its own: ask the MultiLoopEchoServer");
        }
        return listener.localAddress();
    }

    /** Connections open now. */
    public int connections() {
        return conns.size();
    }

    /** Connections accepted so far. */
    public long accepted() {
        return accepted;
    }

    /** Bytes echoed so far (moved from an input to its output). */
    public long echoedBytes() {
        return echoed;
    }

    /** Bytes held in all open connections' buffers now (every layer of their chains). */
    public long bufferedBytes() {
        long n = 0;
        for (Conn c : conns) {
            n += c.chain.bufferedBytes();
        }
        return n;
    }

    /** The most bytes one connection's output has held (bounded by high watermark + one read). */
    public long peakConnectionBuffered() {
        return peakConnectionBuffered;
    }

    /** Connections closed because of an ERROR event (each is logged with its cause). */
    public long connectionErrors() {
        return connectionErrors;
    }

    /** How many times reading was paused for backpressure. */
    public long pauses() {
        return pauses;
    }

    /** Connections whose reading is paused now. */
    public int pausedConnections() {
        int n = 0;
        for (Conn c : conns) {
            if (c.paused) {
                n++;
            }
        }
        return n;
    }

    /** Stops listening and closes every connection (unsent output is dropped). Idempotent. */
    @Override
    public void close() {
        if (listener != null) {
            listener.close();
        }
        for (Conn c : new ArrayList<>(conns)) {
            closeConn(c);
        }
    }

    // ------------------------------------------------------------------------------------------------ command

    static final Usage USAGE = new Usage("echo-server", "[--port N] [--backend NAME] [--loops N [--reuseport]]"
            + " [--tls CERT KEY [--tls-ca FILE]] [--zlib] [--rate BYTES_PER_SEC] [--idle-timeout T]"
            + " [--handshake-timeout T] [--self-test CONNS BYTES]",
            "TCP echo server with watermark backpressure, optionally through TLS, zlib and a rate limit; --self-test"
                    + " streams bytes through it and checks them")
            .describe("Echoes every byte each client sends, moving it from the connection's input to its output without"
                    + " copying; a client that does not read stops being read once 1 MiB waits for it. Serves until"
                    + " SIGINT or SIGTERM, then prints what it did. With --self-test it starts its own clients instead"
                    + " and exits 0 only if every byte came back.")
            .option("--port N", "port to listen on (default 7000; 0 = any free port; the self-test uses a free port"
                    + " unless --port is given)")
            .backendOption()
            .option("--loops N", "serve on N loops, each on its own thread (an EventBaseGroup): one loop accepts and"
                    + " hands each connection to the next loop in turn (default: one loop, this thread)")
            .option("--reuseport", "with --loops: a listener on every loop, all on one port (SO_REUSEPORT), and the"
                    + " kernel spreads the connections (Linux; default off)")
            .option("--tls CERT KEY", "TLS with this PEM certificate chain and PEM PKCS#8 key (openssl req -x509"
                    + " -nodes ... writes both; default: no TLS)")
            .option("--tls-ca FILE", "self-test client: trust these PEM CA certificates (default: CERT itself, right"
                    + " for a self-signed one); the server name is not checked")
            .option("--zlib", "compress each direction with zlib, sync-flushed per write batch (default off)")
            .option("--rate BYTES_PER_SEC", "limit each connection to this many bytes per second each way (64k, 1m;"
                    + " burst: one 50 ms tick's worth; default: no limit). The filters are stacked on each connection"
                    + " as rateLimit(zlib(tls(socket))), leaving out those not asked for: zlib compresses before TLS"
                    + " encrypts, the limit meters plaintext. The self-test's clients use the same chain (their --rate"
                    + " limits only what they send: the server's limit paces the echo).")
            .option("--idle-timeout T", "close a connection whose client has sent nothing for T while nothing waits"
                    + " to be sent to it, or whose pending echo has not moved for T (it stopped reading); 500ms, 30s,"
                    + " 2m; 0 = never (default " + Durations.format(DEFAULT_IDLE_TIMEOUT) + ")")
            .option("--handshake-timeout T", "close a TLS connection whose handshake has not finished T after its"
                    + " accept, however slowly the client keeps sending (default "
                    + Durations.format(DEFAULT_HANDSHAKE_TIMEOUT) + "; 0 = never)")
            .option("--self-test CONNS BYTES", "start the server and CONNS clients on the same loop, stream BYTES"
                    + " (64k, 16m, 1g) through each with random write sizes, check every byte, print throughput;"
                    + " exit 0 only if all matched, 1 otherwise");

    /** The {@code echo-server} command. */
    static int run(String[] argv) throws IOException {
        return run(argv, System.out, System.err);
    }

    /** The {@code echo-server} command with its streams given. */
    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        return Args.run(USAGE, argv, out, err, EchoServer::command);
    }

    private static int command(Args a) throws IOException {
        Integer port = null;
        String backend = null;
        int conns = 0;
        long bytes = -1;
        Path cert = null;
        Path key = null;
        Path ca = null;
        boolean zlib = false;
        long rate = 0;
        Duration idle = DEFAULT_IDLE_TIMEOUT;
        Duration handshake = DEFAULT_HANDSHAKE_TIMEOUT;
        int loops = 0;
        boolean reusePort = false;
        try {
            for (String o = a.next(); o != null; o = a.next()) {
                switch (o) {
                    case "--port": port = a.intValue(o, 0, 65535); break;
                    case "--backend": backend = a.backend(o); break;
                    case "--loops": loops = a.intValue(o, 1, 1024); break;
                    case "--reuseport": reusePort = true; break;
                    case "--self-test":
                        conns = a.intValue(o, 1, 100_000);
                        bytes = Sizes.parse(a.value(o));
                        break;
                    case "--tls":
                        cert = Path.of(a.value(o));
                        key = Path.of(a.value(o));
                        break;
                    case "--tls-ca": ca = Path.of(a.value(o)); break;
                    case "--zlib": zlib = true; break;
                    case "--rate":
                        rate = Sizes.parse(a.value(o));
                        if (rate < 1) {
                            throw new IllegalArgumentException("--rate expects at least 1 byte per second, got "
                                    + rate);
                        }
                        break;
                    case "--idle-timeout": idle = Durations.parse(o, a.value(o)); break;
                    case "--handshake-timeout": handshake = Durations.parse(o, a.value(o)); break;
                    default: throw new IllegalArgumentException("unknown option " + o);
                }
            }
            if (reusePort && loops == 0) {
                throw new IllegalArgumentException("--reuseport needs --loops N");
            }
            if (ca != null && cert == null) {
                throw new IllegalArgumentException("--tls-ca needs --tls CERT KEY");
            }
        } catch (IllegalArgumentException e) {
            throw a.usageError(e.getMessage());
        }
        ChainSpec chain;
        try {
            chain = ChainSpec.of(cert, key, ca, zlib, rate);
        } catch (IOException | GeneralSecurityException e) {
            throw a.fail(2, "cannot load the TLS certificate or key: " + e.getMessage());
        }
        if (loops > 0) {
            return MultiLoopEchoServer.run(loops, reusePort, a.config(backend), port, chain, idle, handshake, conns,
                    bytes);
        }
        try (EventBase base = a.base(backend)) {
            if (bytes >= 0) {
                return selfTestCommand(base, port == null ? 0 : port, conns, bytes, chain);
            }
            return serve(base, port == null ? 7000 : port, chain, idle, handshake);
        }
    }

    private static int serve(EventBase base, int port, ChainSpec chain, Duration idle, Duration handshake)
            throws IOException {
        EchoServer server = start(base, new InetSocketAddress(port), chain).idleTimeout(idle)
                .handshakeTimeout(handshake);
        System.out.println("echo server on " + server.localAddress() + " (" + base.method() + ", " + chain
                + ", idle timeout " + Durations.format(idle) + (chain.tls() ? ", handshake timeout "
                + Durations.format(handshake) : "") + "); Ctrl-C to stop");
        List<Event> signals = new ArrayList<>();
        for (String sig : new String[] {"INT", "TERM"}) {
            Event ev = base.newSignal(sig, (e, what) -> {
                System.out.println("SIG" + sig + ": closing " + server.connections() + " connection(s); echoed "
                        + server.echoedBytes() + " bytes on " + server.accepted() + " connection(s); "
                        + server.idleClosed() + " closed idle, " + server.handshakeTimeouts()
                        + " handshake timeout(s)");
                server.close();
                for (Event s : signals) {
                    s.close();
                }
                base.loopExit();
            });
            ev.add();
            signals.add(ev);
        }
        base.dispatch();
        return 0;
    }

    private static int selfTestCommand(EventBase base, int port, int conns, long bytes, ChainSpec chain)
            throws IOException {
        System.out.printf(Locale.ROOT, "self-test on %s through %s: %d connection(s) x %s, random write sizes%n",
                base.method(), chain, conns, Sizes.format(bytes));
        EchoLoad.Result r = selfTest(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), conns,
                bytes, chain);
        System.out.println(r);
        return r.ok() ? 0 : 1;
    }

    /**
     * Starts an echo server on the loopback address (any port) and {@code conns} clients on {@code base}, runs
     * the loop until every client has finished, and returns what they saw. Must be called on the base's loop
     * thread, with the loop not running.
     */
    public static EchoLoad.Result selfTest(EventBase base, int conns, long bytes) throws IOException {
        return selfTest(base, conns, bytes, ChainSpec.PLAIN);
    }

    /** {@link #selfTest(EventBase, int, long)} with server and clients speaking {@code chain}. */
    static EchoLoad.Result selfTest(EventBase base, int conns, long bytes, ChainSpec chain) throws IOException {
        return selfTest(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), conns, bytes, chain);
    }

    private static EchoLoad.Result selfTest(EventBase base, SocketAddress at, int conns, long bytes, ChainSpec chain)
            throws IOException {
        EchoServer server = start(base, at, chain);
        EchoLoad load = EchoLoad.start(base, server.localAddress(), conns, bytes, chain, () -> {
            server.close();
            base.loopExit();
        });
        base.dispatch();
        server.close();
        return load.result();
    }
}
