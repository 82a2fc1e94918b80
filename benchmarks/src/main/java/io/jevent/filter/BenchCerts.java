package io.jevent.filter;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed EC P-256 certificate for localhost/127.0.0.1, made with the {@code openssl} CLI in a temp dir at
 * set-up, and the one protocol and cipher suite both TLS stacks are pinned to, so jevent and Netty encrypt
 * alike. The key type only affects the handshake, which is outside the measured ops.
 */
final class BenchCerts {
    /** The only protocol enabled on either side. */
    static final String PROTOCOL = "TLSv1.3";
    /** The only cipher suite enabled on either side: AES-128-GCM (AES-NI and CLMUL intrinsics in HotSpot). */
    static final String CIPHER = "TLS_AES_128_GCM_SHA256";
    /** The name the client asks for and verifies (the certificate's SAN). */
    static final String HOST = "localhost";

    final Path dir;
    final Path cert;
    final Path key;

    private BenchCerts(Path dir) {
        this.dir = dir;
        this.cert = dir.resolve("cert.pem");
        this.key = dir.resolve("key.pem");
    }

    /** Makes the certificate and its PKCS#8 key ({@code openssl req -nodes} writes PKCS#8). */
    static BenchCerts make() throws IOException, InterruptedException {
        BenchCerts c = new BenchCerts(Files.createTempDirectory("jevent-bench-tls-"));
        c.openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=" + HOST,
                "-addext", "subjectAltName=DNS:" + HOST + ",IP:127.0.0.1");
        return c;
    }

    /** The server's context (our key and certificate) through jevent's helper. */
    SSLContext serverContext() throws IOException, java.security.GeneralSecurityException {
        return TlsContexts.fromPem(cert, key, null);
    }

    /** The client's context, trusting the self-signed certificate. */
    SSLContext clientContext() throws IOException, java.security.GeneralSecurityException {
        return TlsContexts.trusting(cert);
    }

    /**
     * An engine pinned to {@link #PROTOCOL} and {@link #CIPHER}; a client one verifies {@link #HOST} as Netty's
     * 4.2 client does by default (endpoint identification HTTPS).
     */
    static SSLEngine engine(SSLContext ctx, boolean client) {
        SSLEngine e = client ? ctx.createSSLEngine(HOST, -1) : ctx.createSSLEngine();
        e.setUseClientMode(client);
        SSLParameters p = e.getSSLParameters();
        p.setProtocols(new String[] {PROTOCOL});
        p.setCipherSuites(new String[] {CIPHER});
        if (client) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        e.setSSLParameters(p);
        return e;
    }

    /** Deletes the temp dir. */
    void delete() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
        }
        Files.deleteIfExists(dir);
    }

    private void openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }
}
