package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A TCP echo server on BufferEvents, with backpressure: what a connection sends comes back, moved from its
 * input to its output without copying. A client that sends but does not read cannot grow the server's memory
 * without bound: once a connection's output holds more than the high watermark (1 MiB by default), the server
 * stops reading from it, and resumes in the write callback, which runs when the output has drained to the low
 * watermark (256 KiB). So each connection holds at most {@code high + one read} bytes (a read is at most
 * {@code jevent.bufferevent.maxRead}, 128 KiB by default).
 *
 * <p>End of stream: when the client half-closes, the server sends what it still holds and then closes. Errors
 * close the connection.
 *
 * <p>All methods must be called on the base's loop thread (or before its loop runs).
 */
public final class EchoServer implements AutoCloseable {
    /** Default output size above which the server stops reading from a connection. */
    public static final long DEFAULT_HIGH_WATERMARK = 1 << 20;
    /** Default output size at which reading resumes. */
    public static final long DEFAULT_LOW_WATERMARK = 256 << 10;

    private final Listener listener;
    private final long high;
    private final long low;
    private final Set<Conn> conns = new LinkedHashSet<>();
    private long accepted;
    private long echoed;
    private long peakConnectionBuffered;
    private long pauses;

    /** One accepted connection. */
    private final class Conn {
        final SocketBufferEvent bev;
        /** Reading is disabled because the output is over the high watermark. */
        boolean paused;
        /** The client half-closed; close once the output is sent. */
        boolean eof;

        Conn(SocketBufferEvent bev) {
            this.bev = bev;
        }
    }

    private EchoServer(EventBase base, SocketAddress address, long high, long low) throws IOException {
        if (low < 0 || high <= low) {
            throw new IllegalArgumentException("expected 0 <= low < high, got low " + low + ", high " + high);
        }
        this.high = high;
        this.low = low;
        this.listener = Listener.bind(base, address, Listener.REUSEADDR, (l, h) -> accept(base, h));
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
        return new EchoServer(base, address, high, low);
    }

    private void accept(EventBase base, Handle h) {
        SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
        Conn c = new Conn(bev);
        conns.add(c);
        accepted++;
        bev.setWatermark(Ev.WRITE, low, 0);
        bev.setCallbacks(b -> onRead(c), b -> onWrite(c), (b, reasons, cause) -> onEvent(c, reasons));
        bev.enable(Ev.READ);
    }

    private void onRead(Conn c) {
        EvBuffer in = c.bev.input();
        EvBuffer out = c.bev.output();
        echoed += in.length();
        out.addBuffer(in); // relinks segments: no copy
        peakConnectionBuffered = Math.max(peakConnectionBuffered, out.length());
        if (out.length() > high && !c.paused) {
            c.paused = true;
            pauses++;
            c.bev.disable(Ev.READ);
        }
    }

    /** Runs when the output has drained to the low watermark (or below). */
    private void onWrite(Conn c) {
        if (c.paused) {
            c.paused = false;
            if (!c.eof) {
                c.bev.enable(Ev.READ);
            }
        }
        if (c.eof && c.bev.output().length() == 0) {
            closeConn(c);
        }
    }

    private void onEvent(Conn c, int reasons) {
        if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
            c.eof = true;
            if (c.bev.output().length() == 0) {
                closeConn(c);
            }
        } else if ((reasons & (BevEvent.ERROR | BevEvent.EOF | BevEvent.TIMEOUT)) != 0) {
            closeConn(c);
        }
    }

    private void closeConn(Conn c) {
        conns.remove(c);
        c.bev.close();
    }

    /** Where the server listens (with the port chosen when 0 was asked for). */
    public SocketAddress localAddress() throws IOException {
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

    /** Bytes held in all open connections' buffers now. */
    public long bufferedBytes() {
        long n = 0;
        for (Conn c : conns) {
            n += c.bev.input().length() + c.bev.output().length();
        }
        return n;
    }

    /** The most bytes one connection's output has held (bounded by high watermark + one read). */
    public long peakConnectionBuffered() {
        return peakConnectionBuffered;
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
        listener.close();
        for (Conn c : new ArrayList<>(conns)) {
            closeConn(c);
        }
    }

    // ------------------------------------------------------------------------------------------------ command

    static final String HELP = "TCP echo server with watermark backpressure (--port N, default 7000; --backend NAME;"
            + " --self-test CONNS BYTES streams BYTES through each of CONNS connections and checks them)";

    private static void usage() {
        System.err.println("usage: echo-server [--port N] [--backend NAME] [--self-test CONNS BYTES]");
        System.err.println("  --port N              port to listen on (default 7000; 0 = any free port; the self-test"
                + " uses a free port unless --port is given)");
        System.err.println("  --backend NAME        epoll, poll or nio (default: the best this machine has)");
        System.err.println("  --self-test CONNS BYTES  start the server and CONNS clients on the same loop, stream"
                + " BYTES (64k, 16m, 1g) through each with random write sizes, check every byte, print throughput;"
                + " exit 0 only if all matched");
    }

    /** The {@code echo-server} command. */
    static int run(String[] argv) throws IOException {
        Integer port = null;
        String backend = null;
        int conns = 0;
        long bytes = -1;
        Args a = new Args(argv);
        try {
            for (String o = a.next(); o != null; o = a.next()) {
                switch (o) {
                    case "--port": port = a.intValue(o, 0, 65535); break;
                    case "--backend": backend = a.value(o); break;
                    case "--self-test":
                        conns = a.intValue(o, 1, 100_000);
                        bytes = Sizes.parse(a.value(o));
                        break;
                    case "--help": case "-h": usage(); return 0;
                    default: throw new IllegalArgumentException("unknown option " + o);
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println("echo-server: " + e.getMessage());
            usage();
            return 2;
        }
        try (EventBase base = EventBase.create(Args.config(backend))) {
            if (bytes >= 0) {
                return selfTestCommand(base, port == null ? 0 : port, conns, bytes);
            }
            return serve(base, port == null ? 7000 : port);
        }
    }

    private static int serve(EventBase base, int port) throws IOException {
        EchoServer server = start(base, new InetSocketAddress(port));
        System.out.println("echo server on " + server.localAddress() + " (" + base.method() + "); Ctrl-C to stop");
        List<Event> signals = new ArrayList<>();
        for (String sig : new String[] {"INT", "TERM"}) {
            Event ev = base.newSignal(sig, (e, what) -> {
                System.out.println("SIG" + sig + ": closing " + server.connections() + " connection(s); echoed "
                        + server.echoedBytes() + " bytes on " + server.accepted() + " connection(s)");
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

    private static int selfTestCommand(EventBase base, int port, int conns, long bytes) throws IOException {
        System.out.printf(Locale.ROOT, "self-test on %s: %d connection(s) x %s, random write sizes%n", base.method(),
                conns, Sizes.format(bytes));
        EchoLoad.Result r = selfTest(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), conns,
                bytes);
        System.out.println(r);
        return r.ok() ? 0 : 1;
    }

    /**
     * Starts an echo server on the loopback address (any port) and {@code conns} clients on {@code base}, runs
     * the loop until every client has finished, and returns what they saw. Must be called on the base's loop
     * thread, with the loop not running.
     */
    public static EchoLoad.Result selfTest(EventBase base, int conns, long bytes) throws IOException {
        return selfTest(base, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), conns, bytes);
    }

    private static EchoLoad.Result selfTest(EventBase base, SocketAddress at, int conns, long bytes)
            throws IOException {
        EchoServer server = start(base, at);
        EchoLoad load = EchoLoad.start(base, server.localAddress(), conns, bytes, () -> {
            server.close();
            base.loopExit();
        });
        base.dispatch();
        server.close();
        return load.result();
    }
}
