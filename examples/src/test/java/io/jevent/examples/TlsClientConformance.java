package io.jevent.examples;

import io.jevent.EventBase;
import io.jevent.filter.TlsContexts;
import io.jevent.filter.TlsOptions;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tls-client example against a real {@code openssl s_server -www}, on the backend under test. */
public abstract class TlsClientConformance extends ExamplesTestSupport {

    /** A running {@code openssl s_server -www} on a free loopback port. */
    private static final class SServer implements AutoCloseable {
        final Process process;
        final int port;
        final StringBuilder log = new StringBuilder();

        private SServer(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        /** Starts it and waits (bounded) for its "ACCEPT" line; retries on another port if that one was taken. */
        static SServer start(Path cert, Path key) throws IOException, InterruptedException {
            String last = "";
            for (int attempt = 0; attempt < 3; attempt++) {
                int port;
                try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    port = probe.getLocalPort();
                }
                Process p = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                        cert.toString(), "-key", key.toString(), "-www").redirectErrorStream(true).start();
                SServer s = new SServer(p, port);
                CompletableFuture<Boolean> accepting = CompletableFuture.supplyAsync(() -> s.readUntilAccept());
                try {
                    if (accepting.get(20, TimeUnit.SECONDS)) {
                        return s;
                    }
                } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
                    s.log.append("\n(").append(e).append(")");
                }
                last = s.log.toString();
                s.close();
            }
            throw new AssertionError("openssl s_server did not start accepting:\n" + last);
        }

        /** Reads its output until "ACCEPT" (true) or its end (false); then keeps draining it in the background. */
        private boolean readUntilAccept() {
            BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            try {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    if (line.equals("ACCEPT")) {
                        Thread drain = new Thread(() -> {
                            try {
                                r.transferTo(java.io.Writer.nullWriter());
                            } catch (IOException ignored) {
                                // the process was killed
                            }
                        }, "s_server-output");
                        drain.setDaemon(true);
                        drain.start();
                        return true;
                    }
                }
            } catch (IOException e) {
                log.append(e);
            }
            return false;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private TlsClient.Outcome fetch(int port, SSLContext ctx, ByteArrayOutputStream body) {
        EventBase base = newBase();
        byte[] get = "GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        TlsClient c = TlsClient.start(base, "localhost", port, ctx, TlsOptions.client("localhost"), get, false,
                Duration.ofSeconds(20), body, base::loopExit);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertNotNull(c.outcome(), "the client finished");
        return c.outcome();
    }

    @Test
    void shouldRejectSelfSignedServerUnlessTrusted() throws Exception {
        Path d = ExternalTools.selfSignedCert();
        try (SServer server = SServer.start(d.resolve("cert.pem"), d.resolve("key.pem"))) {
            ByteArrayOutputStream untrusted = new ByteArrayOutputStream();
            TlsClient.Outcome no = fetch(server.port, SSLContext.getDefault(), untrusted);
            assertTrue(!no.clean(), "a self-signed certificate is rejected by the default trust store");
            assertInstanceOf(SSLHandshakeException.class, no.failure(), String.valueOf(no.failure()));
            assertEquals(0, untrusted.size(), "nothing was delivered from a rejected server");

            ByteArrayOutputStream body = new ByteArrayOutputStream();
            TlsClient.Outcome yes = fetch(server.port, TlsContexts.trusting(d.resolve("cert.pem")), body);
            String page = body.toString(StandardCharsets.ISO_8859_1);
            System.out.println("[" + backendName() + "] s_server -www: " + yes.protocol() + " " + yes.cipherSuite()
                    + ", " + yes.received() + " bytes");
            assertTrue(yes.clean(), "the server's close_notify ended it cleanly, not " + yes.failure());
            assertTrue(page.startsWith("HTTP/1.0 200 ok"), page);
            assertTrue(page.trim().endsWith("</HTML>"), "the whole page arrived before close_notify:\n" + page);
            assertEquals(body.size(), yes.received());
        }
    }

    @Test
    void shouldExitNonZeroWithTheCauseFromTheCommandWhenCertificateRejected() throws Exception {
        Path d = ExternalTools.selfSignedCert();
        try (SServer server = SServer.start(d.resolve("cert.pem"), d.resolve("key.pem"))) {
            String target = "127.0.0.1:" + server.port;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rejected = TlsClient.run(new String[] {"--backend", backendName(), "--connect", target, "--get", "/",
                "--timeout", "20"}, out, new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(1, rejected, err.toString(StandardCharsets.UTF_8));
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("SSLHandshakeException"), err.toString());

            out.reset();
            err.reset();
            int ok = TlsClient.run(new String[] {"--backend", backendName(), "--connect", target, "--ca",
                d.resolve("cert.pem").toString(), "--get", "/", "--timeout", "20"}, out,
                new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            assertEquals(0, ok, err.toString(StandardCharsets.UTF_8));
            assertTrue(out.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.0 200 ok"), out.toString());
        }
    }
}
