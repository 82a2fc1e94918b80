package io.jevent.filter;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates made with the openssl CLI at test time, once per JVM, in a temp dir: a CA, a server certificate
 * for localhost/127.0.0.1 signed by it, the same key with an expired certificate ({@code -days -1}), a
 * self-signed server certificate, and a client certificate signed by the CA. EC P-256 keys: fast to make.
 */
final class TlsCerts {
    final Path dir;

    private static TlsCerts instance;

    private TlsCerts(Path dir) {
        this.dir = dir;
    }

    /** The certificates (skipping the test, visibly, without openssl). */
    static synchronized TlsCerts get() {
        Peers.assumeOpenssl();
        if (instance == null) {
            try {
                Path d = Files.createTempDirectory("jevent-tls-");
                d.toFile().deleteOnExit();
                TlsCerts c = new TlsCerts(d);
                c.make();
                instance = c;
            } catch (IOException e) {
                throw new AssertionError("making test certificates failed", e);
            }
        }
        return instance;
    }

    private void make() {
        String ec = "ec_paramgen_curve:prime256v1";
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
                "-days", "30", "-subj", "/CN=jevent test CA");
        write("server.ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
        openssl("req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "server.key", "-out", "server.csr",
                "-subj", "/CN=localhost");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "server.pem", "-days", "30", "-extfile", "server.ext");
        openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "expired.pem", "-days", "-1", "-extfile", "server.ext");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "self.key", "-out",
                "self.pem", "-days", "30", "-subj", "/CN=localhost", "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1");
        openssl("req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "client.key", "-out", "client.csr",
                "-subj", "/CN=jevent test client");
        openssl("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", "client.pem", "-days", "30");
        openssl("pkcs12", "-export", "-in", "server.pem", "-inkey", "server.key", "-out", "server.p12",
                "-passout", "pass:secret");
    }

    private void write(String name, String text) {
        try {
            Files.writeString(dir.resolve(name), text);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void openssl(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(cmd + " failed: " + out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    SSLContext server() {
        return ctx(() -> TlsContexts.fromPem(path("server.pem"), path("server.key"), path("ca.pem")));
    }

    SSLContext serverPkcs12() {
        return ctx(() -> TlsContexts.fromPkcs12(path("server.p12"), "secret".toCharArray(), path("ca.pem")));
    }

    SSLContext expiredServer() {
        return ctx(() -> TlsContexts.fromPem(path("expired.pem"), path("server.key"), null));
    }

    SSLContext selfSignedServer() {
        return ctx(() -> TlsContexts.fromPem(path("self.pem"), path("self.key"), null));
    }

    SSLContext client() {
        return ctx(() -> TlsContexts.trusting(path("ca.pem")));
    }

    SSLContext clientWithCert() {
        return ctx(() -> TlsContexts.fromPem(path("client.pem"), path("client.key"), path("ca.pem")));
    }

    SSLContext clientTrustingSelfSigned() {
        return ctx(() -> TlsContexts.trusting(path("self.pem")));
    }

    interface Maker {
        SSLContext make() throws Exception;
    }

    private static SSLContext ctx(Maker m) {
        try {
            return m.make();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
