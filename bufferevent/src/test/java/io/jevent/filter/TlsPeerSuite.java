package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.buffer.Eol;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our TLS against real peers: python3's ssl module and the openssl CLI. Interoperability does not depend on the
 * backend (TLS sits above it and {@link TlsConformance} runs on all of them), so this suite runs on epoll only to
 * keep CI time down.
 */
public abstract class TlsPeerSuite extends FilterTestSupport {

    /** Our echo server on the base; returns its port. Records the protocol each connection negotiated. */
    private int ourEchoServer(EventBase base, TlsOptions opts, List<String> protocols, List<String> problems)
            throws Exception {
        return ourEchoServer(base, opts, protocols, problems, Reply.ECHO);
    }

    /** What our server does with what it reads. */
    private enum Reply {
        /** Echo everything, close on EOF. */
        ECHO,
        /** Echo one line, then close (close_notify), as a request/response server. */
        LINE_THEN_CLOSE,
        /** Echo one line, then {@link TlsBufferEvent#abort()}: no close_notify. */
        LINE_THEN_ABORT
    }

    private int ourEchoServer(EventBase base, TlsOptions opts, List<String> protocols, List<String> problems,
                              Reply reply) throws Exception {
        TlsCerts certs = TlsCerts.get();
        javax.net.ssl.SSLContext ctx = certs.server();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            TlsBufferEvent t = Filters.tls(SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE), ctx, opts,
                    BevOption.CLOSE_ON_FREE);
            t.setCallbacks(b -> {
                if (reply == Reply.ECHO) {
                    b.write(b.input());
                    return;
                }
                String line = b.input().readLine(Eol.LF, StandardCharsets.US_ASCII);
                if (line != null) {
                    b.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
                    if (reply == Reply.LINE_THEN_CLOSE) {
                        b.flush(Ev.WRITE, io.jevent.bufferevent.FlushMode.FINISHED); // the reply, then close_notify
                        b.close(); // close_notify after the reply; the socket lingers until both are sent
                    } else {
                        // the reply is encrypted into the socket's output; once the socket has sent it (its write
                        // callback, taken over from TLS, which has nothing more to do), the connection is cut
                        b.flush(Ev.WRITE, io.jevent.bufferevent.FlushMode.FLUSH);
                        t.underlying().setCallbacks(null, u -> t.abort(), null);
                    }
                    li.close();
                    base.loopBreak();
                }
            }, null, (b, r, c) -> {
                if (r == BevEvent.CONNECTED) {
                    protocols.add(t.session().getProtocol() + " " + t.applicationProtocol());
                    return;
                }
                if ((r & BevEvent.EOF) == 0) {
                    problems.add(BevEvent.toString(r) + " " + c);
                }
                b.close();
                li.close();
                base.loopBreak();
            });
            t.enable(Ev.READ | Ev.WRITE);
        });
        return ((InetSocketAddress) l.localAddress()).getPort();
    }

    @Test
    void shouldEcho64MiBToPythonSslClientWithChecksum() throws Exception {
        Peers.assumePython();
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        List<String> protocols = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int port = ourEchoServer(base, TlsOptions.server().alpn("h2", "http/1.1"), protocols, problems);
        try (Peers.Running py = new Peers.Running(Peers.python("tls-client", "127.0.0.1", String.valueOf(port),
                certs.path("ca.pem").toString(), "localhost", "http/1.1", String.valueOf(64 << 20)))) {
            loopWithin(base, 0, Duration.ofSeconds(60)); // until the client's close_notify
            loopWithin(base, 0, Duration.ofSeconds(10)); // our close_notify lingers out
            String json = py.line("{", 30);
            assertEquals(List.of(), problems);
            assertEquals(64 << 20, Peers.num(json, "len"), json);
            assertEquals(Peers.num(json, "sent_crc"), Peers.num(json, "crc"), "echo checksum: " + json);
            assertEquals("http/1.1", Peers.str(json, "alpn"), json);
            assertEquals(List.of("TLSv1.3 http/1.1"), protocols);
        }
    }

    @Test
    void shouldReportTruncationWhenPythonClientDropsConnectionWithoutCloseNotify() throws Exception {
        Peers.assumePython();
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        List<String> protocols = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int port = ourEchoServer(base, TlsOptions.server(), protocols, problems);
        try (Peers.Running py = new Peers.Running(Peers.python("tls-client", "127.0.0.1", String.valueOf(port),
                certs.path("ca.pem").toString(), "localhost", "-", "1000", "--no-close-notify"))) {
            loopWithin(base, 0, Duration.ofSeconds(30));
            py.line("{", 30);
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).startsWith("READING|ERROR javax.net.ssl.SSLException: truncated"),
                    problems.get(0));
        }
    }

    private void opensslClient(String version, String expect) throws Exception {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        List<String> protocols = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int port = ourEchoServer(base, TlsOptions.server(), protocols, problems, Reply.LINE_THEN_CLOSE);
        List<String> cmd = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, version, "-CAfile",
                certs.path("ca.pem").toString(), "-servername", "localhost", "-verify_return_error", "-quiet");
        // s_client sends the line, prints the echo; the peer's EOF after stdin closes ends it
        Thread t = new Thread(() -> { });
        byte[][] out = new byte[1][];
        Throwable[] err = new Throwable[1];
        Thread runner = new Thread(() -> {
            try {
                out[0] = Peers.run(cmd, "hello from openssl\n".getBytes(StandardCharsets.US_ASCII));
            } catch (Throwable e) {
                err[0] = e;
            }
        }, "openssl-s_client");
        runner.start();
        loopWithin(base, 0, Duration.ofSeconds(30)); // until the reply is queued
        loopWithin(base, 0, Duration.ofSeconds(30)); // until the lingering close has sent it and close_notify
        runner.join(30_000);
        assertEquals(null, err[0]);
        assertTrue(new String(out[0], StandardCharsets.US_ASCII).contains("hello from openssl"),
                new String(out[0], StandardCharsets.US_ASCII));
        assertEquals(List.of(expect + " "), protocols);
        assertEquals(List.of(), problems);
        assertTrue(!t.isAlive());
    }

    @Test
    void shouldMakeOpensslClientFailWithUnexpectedEofWhenWeAbort() throws Exception {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        List<String> protocols = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int port = ourEchoServer(base, TlsOptions.server(), protocols, problems, Reply.LINE_THEN_ABORT);
        List<String> cmd = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port, "-CAfile",
                certs.path("ca.pem").toString(), "-servername", "localhost", "-verify_return_error", "-quiet");
        Peers.Finished[] end = new Peers.Finished[1];
        Throwable[] err = new Throwable[1];
        Thread runner = new Thread(() -> {
            try {
                end[0] = Peers.runToEnd(cmd, "cut me off\n".getBytes(StandardCharsets.US_ASCII));
            } catch (Throwable e) {
                err[0] = e;
            }
        }, "openssl-s_client");
        runner.start();
        loopWithin(base, 0, Duration.ofSeconds(30)); // until the reply is queued
        loopWithin(base, 0, Duration.ofSeconds(30)); // until it is sent and the connection cut
        runner.join(30_000);
        assertEquals(null, err[0]);
        assertEquals(List.of(), problems);
        String out = new String(end[0].out, StandardCharsets.US_ASCII);
        assertTrue(out.contains("cut me off"), "the reply arrived before the cut: " + out);
        assertEquals(1, end[0].exit, "s_client must fail on a stream cut without close_notify; stderr: " + end[0].err);
        assertTrue(end[0].err.contains("unexpected eof"), end[0].err);
    }

    /** Our client sends a line to python's echo server, reads it back, then closes (or aborts); python's JSON. */
    private String pythonServerSeesOurEnd(boolean abort) throws Exception {
        TlsCerts certs = TlsCerts.get();
        try (Peers.Running py = new Peers.Running(Peers.python("tls-server", certs.path("server.pem").toString(),
                certs.path("server.key").toString(), "--strict-eof"))) {
            String portLine = py.line("PORT", 20);
            int port = Integer.parseInt(portLine.substring(5).trim());
            EventBase base = newBase();
            SocketBufferEvent sock = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            TlsBufferEvent client = Filters.tls(sock, certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            StringBuilder got = new StringBuilder();
            List<String> events = new ArrayList<>();
            client.setCallbacks(b -> {
                got.append(new String(TlsFlowConformance.drainAll(b), StandardCharsets.US_ASCII));
                if (got.toString().equals("ping\n")) {
                    if (abort) {
                        client.abort();
                    } else {
                        client.close();
                    }
                }
            }, null, (b, r, c) -> {
                if (r != BevEvent.CONNECTED) {
                    events.add(BevEvent.toString(r) + " " + c);
                    b.close();
                }
            });
            client.enable(Ev.READ | Ev.WRITE);
            sock.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            client.write("ping\n".getBytes(StandardCharsets.US_ASCII));
            loopWithin(base, 0, Duration.ofSeconds(20));
            assertEquals("ping\n", got.toString());
            assertEquals(List.of(), events);
            return py.line("{", 30);
        }
    }

    @Test
    void shouldMakePythonSslServerSeeEofErrorWhenWeAbortButNotWhenWeClose() throws Exception {
        Peers.assumePython();
        String closed = pythonServerSeesOurEnd(false);
        assertEquals(null, Peers.str(closed, "error"), "close() sends close_notify: " + closed);
        assertEquals(5, Peers.num(closed, "echoed"), closed);
        String aborted = pythonServerSeesOurEnd(true);
        assertTrue(String.valueOf(Peers.str(aborted, "error")).contains("EOF"), "abort(): " + aborted);
        assertEquals(5, Peers.num(aborted, "echoed"), aborted);
    }

    @Test
    void shouldServeOpensslClientOverTls12() throws Exception {
        opensslClient("-tls1_2", "TLSv1.2");
    }

    @Test
    void shouldServeOpensslClientOverTls13() throws Exception {
        opensslClient("-tls1_3", "TLSv1.3");
    }

    @Test
    void shouldFetchFromOpensslServerAsClient() throws Exception {
        TlsCerts certs = TlsCerts.get();
        try (Peers.Running srv = new Peers.Running(List.of("openssl", "s_server", "-accept", "127.0.0.1:0", "-cert",
                certs.path("server.pem").toString(), "-key", certs.path("server.key").toString(), "-rev",
                "-naccept", "1"))) {
            String accept = srv.line("ACCEPT", 20);
            int port = Integer.parseInt(accept.substring(accept.lastIndexOf(':') + 1).trim());
            EventBase base = newBase();
            SocketBufferEvent sock = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            TlsBufferEvent client = Filters.tls(sock, certs.client(), TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            StringBuilder got = new StringBuilder();
            List<String> events = new ArrayList<>();
            client.setCallbacks(b -> {
                String line;
                while ((line = b.input().readLine(Eol.ANY, StandardCharsets.US_ASCII)) != null) {
                    got.append(line);
                    if (got.length() > 0) {
                        b.close();
                        base.loopBreak();
                        return;
                    }
                }
            }, null, (b, r, c) -> {
                events.add(BevEvent.toString(r) + (c == null ? "" : " " + c));
                if (r != BevEvent.CONNECTED) {
                    b.close();
                    base.loopBreak();
                }
            });
            client.enable(Ev.READ | Ev.WRITE);
            sock.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            client.write("jevent\n".getBytes(StandardCharsets.US_ASCII));
            loopWithin(base, 0, Duration.ofSeconds(20));
            assertEquals(List.of("CONNECTED"), events);
            assertEquals("tnevej", got.toString(), "s_server -rev reverses each line");
        }
    }

    @Test
    void shouldResumeSessionWithSharedClientContext() throws Exception {
        TlsCerts certs = TlsCerts.get();
        javax.net.ssl.SSLContext clientCtx = certs.client();
        javax.net.ssl.SSLContext serverCtx = certs.server();
        List<Boolean> resumed = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            EventBase base = newBase();
            SocketBufferEvent[] tcp = tcpPair(base);
            // TLS 1.2 shows resumption as an equal session id; 1.3 tickets are opaque to the application
            javax.net.ssl.SSLEngine se = serverCtx.createSSLEngine();
            se.setUseClientMode(false);
            se.setEnabledProtocols(new String[] {"TLSv1.2"});
            javax.net.ssl.SSLEngine ce = clientCtx.createSSLEngine("localhost", 443);
            ce.setUseClientMode(true);
            ce.setEnabledProtocols(new String[] {"TLSv1.2"});
            TlsBufferEvent server = TlsBufferEvent.create(tcp[1], se, TlsOptions.server(), BevOption.CLOSE_ON_FREE);
            TlsBufferEvent client = TlsBufferEvent.create(tcp[0], ce, TlsOptions.client("localhost"),
                    BevOption.CLOSE_ON_FREE);
            server.setCallbacks(null, null, (b, r, c) -> { });
            server.enable(Ev.READ);
            byte[][] ids = new byte[1][];
            client.setCallbacks(null, null, (b, r, c) -> {
                ids[0] = client.session().getId();
                b.close();
                base.loopBreak();
            });
            client.enable(Ev.READ);
            loopWithin(base, 0, Duration.ofSeconds(10));
            resumed.add(ids[0] != null);
            if (i == 0) {
                first = ids[0];
            } else {
                assertTrue(java.util.Arrays.equals(first, ids[0]), "the second connection resumed the session");
            }
            server.close();
        }
    }

    private byte[] first;

    static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }
}
