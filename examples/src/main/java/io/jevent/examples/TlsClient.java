package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.filter.Filters;
import io.jevent.filter.TlsBufferEvent;
import io.jevent.filter.TlsContexts;
import io.jevent.filter.TlsOptions;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * A TLS client: {@link Filters#tls} over a {@link SocketBufferEvent}. It connects (the host name is resolved off
 * the loop), shakes hands, sends one request, and copies what the server sends to an output stream until the
 * server's close_notify.
 *
 * <ul>
 * <li>A clean end is the peer's close_notify (READING|EOF from the TLS layer); we answer with ours on close.</li>
 * <li>Everything else is a failure carrying its cause: a certificate the trust store rejects or a name that does
 * not match ({@code SSLHandshakeException}), a connection cut without close_notify ("truncated"), a refused
 * connection, or nothing arriving for the read timeout.</li>
 * <li>{@code --send TEXT} ends our side with close_notify once the text has gone (a TLS 1.3 half-close, which is
 * what tells an echo server we are done); {@code --get PATH} sends an HTTP/1.0 request and waits for the server
 * to close, as {@code openssl s_server -www} does after its status page.</li>
 * </ul>
 * Loop thread only; {@link #run(String[])} is the command.
 */
public final class TlsClient {
    /**
     * How it ended.
     *
     * @param clean whether the server ended with close_notify
     * @param failure what went wrong otherwise (null when clean)
     * @param received plaintext bytes received
     * @param protocol the TLS version negotiated, or null before the handshake finished
     * @param cipherSuite the cipher suite, or null
     * @param alpn the ALPN protocol chosen ("" for none), or null
     */
    public record Outcome(boolean clean, Throwable failure, long received, String protocol, String cipherSuite,
                          String alpn) {
    }

    private final SocketBufferEvent socket;
    private final TlsBufferEvent tls;
    private final OutputStream sink;
    private final Runnable onDone;
    private final byte[] request;
    private final boolean endAfterRequest;
    private final byte[] chunk = new byte[16 << 10];
    private long received;
    private boolean connected;
    private boolean closeNotifySent;
    private Outcome outcome;

    private TlsClient(EventBase base, SSLContext ctx, TlsOptions opts, byte[] request, boolean endAfterRequest,
                      Duration readTimeout, OutputStream sink, Runnable onDone) {
        this.sink = sink;
        this.onDone = onDone;
        this.request = request;
        this.endAfterRequest = endAfterRequest;
        socket = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        tls = Filters.tls(socket, ctx, opts, BevOption.CLOSE_ON_FREE);
        tls.setCallbacks(b -> onRead(), b -> onDrained(), (b, reasons, cause) -> onEvent(reasons, cause));
        if (readTimeout != null) {
            tls.setTimeouts(readTimeout, null); // covers the connect and the handshake too: nothing is read until then
        }
        tls.enable(Ev.READ);
    }

    /**
     * Connects to {@code host:port} and starts the exchange; {@code onDone} runs on the loop thread when it has
     * ended ({@link #outcome()} is then set). Loop thread, or before the loop runs.
     *
     * @param ctx what to trust (and our certificate, for client authentication)
     * @param opts client options: the server name to send and check, ALPN
     * @param request sent once the handshake is done (may be empty)
     * @param endAfterRequest send close_notify once the request has gone, instead of waiting for the server
     * @param readTimeout fail when nothing arrives for this long (null: wait for ever)
     * @param sink receives the plaintext the server sends
     */
    public static TlsClient start(EventBase base, String host, int port, SSLContext ctx, TlsOptions opts,
                                  byte[] request, boolean endAfterRequest, Duration readTimeout, OutputStream sink,
                                  Runnable onDone) {
        Objects.requireNonNull(host, "host");
        if (!opts.isClient()) {
            throw new IllegalArgumentException("expected client TlsOptions, got server ones");
        }
        TlsClient c = new TlsClient(base, ctx, opts, request.clone(), endAfterRequest, readTimeout,
                Objects.requireNonNull(sink, "sink"), Objects.requireNonNull(onDone, "onDone"));
        c.socket.connectHostname(host, port); // the handshake starts once the TCP connect completes
        return c;
    }

    private void onRead() {
        EvBuffer in = tls.input();
        try {
            while (in.length() > 0) {
                int n = in.remove(chunk, 0, chunk.length);
                sink.write(chunk, 0, n);
                received += n;
            }
            sink.flush();
        } catch (IOException e) {
            finish(false, new UncheckedIOException("writing the server's data failed", e));
        }
    }

    /** The output drained: the request has gone, so close_notify may follow it. */
    private void onDrained() {
        if (connected && endAfterRequest && !closeNotifySent && tls.output().length() == 0) {
            closeNotifySent = true;
            tls.flush(Ev.WRITE, FlushMode.FINISHED);
        }
    }

    private void onEvent(int reasons, Throwable cause) {
        if (reasons == BevEvent.CONNECTED) {
            connected = true; // handshake done
            if (request.length > 0) {
                tls.write(request);
            } else {
                onDrained();
            }
            return;
        }
        if ((reasons & BevEvent.EOF) != 0 && (reasons & BevEvent.READING) != 0) {
            finish(true, null); // the server's close_notify
        } else if ((reasons & BevEvent.TIMEOUT) != 0) {
            finish(false, new TimeoutException("nothing received for the read timeout (" + BevEvent.toString(reasons)
                    + (connected ? ")" : ", during the connect or handshake)")));
        } else {
            finish(false, cause != null ? cause : new IOException("connection ended: " + BevEvent.toString(reasons)));
        }
    }

    private void finish(boolean clean, Throwable failure) {
        if (outcome != null) {
            return;
        }
        outcome = new Outcome(clean, failure, received, connected ? tls.session().getProtocol() : null,
                connected ? tls.session().getCipherSuite() : null, connected ? tls.applicationProtocol() : null);
        tls.close(); // answers with our close_notify (after a failure: just closes)
        onDone.run();
    }

    /** How it ended, or null while it runs. */
    public Outcome outcome() {
        return outcome;
    }

    // ------------------------------------------------------------------------------------------------ command

    static final Usage USAGE = new Usage("tls-client", "--connect HOST:PORT [--ca FILE] [--sni NAME] [--alpn PROTO]"
            + " [--get PATH | --send TEXT] [--timeout SECONDS] [--backend NAME]",
            "TLS client: prints what the server sends until it closes")
            .describe("Connects to HOST:PORT over TLS, optionally sends a request, and prints the server's data on"
                    + " stdout and the session (protocol, cipher suite, ALPN) on stderr. Exits 0 when the server ends"
                    + " with close_notify, 1 with the cause on stderr otherwise (a rejected certificate, a truncated"
                    + " connection, a timeout).")
            .option("--connect HOST:PORT", "server to connect to (required; the host name is resolved on the loop)")
            .option("--ca FILE", "trust the PEM CA certificates in FILE (a self-signed server's own certificate"
                    + " works; default: the JDK's trust store)")
            .option("--sni NAME", "server name to send and to check the certificate against (default: HOST; an IP"
                    + " address is checked but not sent)")
            .option("--alpn PROTO", "offer this ALPN protocol; repeat for more, in preference order (default: none)")
            .option("--get PATH", "send 'GET PATH HTTP/1.0' and wait for the server to close (openssl s_server -www"
                    + " answers GET / with a status page; default: send nothing)")
            .option("--send TEXT", "send TEXT, then close_notify (a TLS 1.3 half-close), and print the reply until"
                    + " the server closes")
            .option("--timeout SECONDS", "fail when nothing arrives for this long (default 30)")
            .backendOption();

    /** The {@code tls-client} command. */
    static int run(String[] argv) {
        return run(argv, System.out, System.err);
    }

    /** The command with its streams given (for tests). */
    static int run(String[] argv, OutputStream out, PrintStream err) {
        PrintStream stdout = out instanceof PrintStream p ? p : new PrintStream(out, true, StandardCharsets.UTF_8);
        try {
            return Args.run(USAGE, argv, stdout, err, a -> command(a, out));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // command() reports its I/O failures itself
        }
    }

    private static int command(Args a, OutputStream out) {
        PrintStream err = a.err;
        String host = null;
        int port = -1;
        Path ca = null;
        String sni = null;
        java.util.List<String> alpn = new java.util.ArrayList<>();
        String get = null;
        String send = null;
        int timeout = 30;
        String backend = null;
        try {
            for (String o = a.next(); o != null; o = a.next()) {
                switch (o) {
                    case "--connect": {
                        Args.HostPort hp = a.hostPort(o);
                        host = hp.host();
                        port = hp.port();
                        break;
                    }
                    case "--ca": ca = Path.of(a.value(o)); break;
                    case "--sni": sni = a.value(o); break;
                    case "--alpn": alpn.add(a.value(o)); break;
                    case "--get": get = a.value(o); break;
                    case "--send": send = a.value(o); break;
                    case "--timeout": timeout = a.intValue(o, 1, 86_400); break;
                    case "--backend": backend = a.backend(o); break;
                    default: throw new IllegalArgumentException("unknown option " + o);
                }
            }
            if (host == null) {
                throw new IllegalArgumentException("--connect HOST:PORT is required");
            }
            if (get != null && send != null) {
                throw new IllegalArgumentException("give --get or --send, not both");
            }
        } catch (IllegalArgumentException e) {
            throw a.usageError(e.getMessage());
        }
        SSLContext ctx;
        try {
            ctx = ca != null ? TlsContexts.trusting(ca) : SSLContext.getDefault();
        } catch (IOException | GeneralSecurityException e) {
            err.println("tls-client: cannot load the CA certificates: " + e.getMessage());
            return 2;
        }
        TlsOptions opts = TlsOptions.client(sni != null ? sni : host);
        if (!alpn.isEmpty()) {
            opts = opts.alpn(alpn.toArray(new String[0]));
        }
        byte[] request = get != null
                ? ("GET " + get + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)
                : send != null ? send.getBytes(StandardCharsets.UTF_8) : new byte[0];
        Outcome o;
        try (EventBase base = a.base(backend)) {
            TlsClient c = start(base, host, port, ctx, opts, request, send != null, Duration.ofSeconds(timeout),
                    out, base::loopExit);
            base.dispatch();
            o = c.outcome();
        }
        if (o == null) {
            err.println("tls-client: the loop ended before the connection did");
            return 1;
        }
        if (o.protocol() != null) {
            err.printf(Locale.ROOT, "tls-client: %s:%d: %s, %s%s; %d bytes received%n", host, port, o.protocol(),
                    o.cipherSuite(), o.alpn() == null || o.alpn().isEmpty() ? "" : ", ALPN " + o.alpn(),
                    o.received());
        }
        if (!o.clean()) {
            err.println("tls-client: " + o.failure());
            return 1;
        }
        return 0;
    }
}
