package io.jevent.examples;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The openssl CLI for the filter examples' tests: a self-signed certificate for localhost/127.0.0.1 made once per
 * JVM in a temp dir (EC P-256: fast), and a check that skips a test visibly when openssl is missing (CI installs
 * it).
 */
final class ExternalTools {
    private ExternalTools() {
    }

    private static Boolean openssl;
    private static Path certDir;

    /** Skips the test, visibly, when the openssl CLI is not installed. */
    static synchronized void assumeOpenssl() {
        if (openssl == null) {
            try {
                Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                openssl = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
            } catch (IOException e) {
                openssl = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                openssl = false;
            }
        }
        Assumptions.assumeTrue(openssl, "the openssl CLI is not installed (CI installs it): TLS example test skipped");
    }

    /** A directory holding {@code cert.pem} (self-signed, CN=localhost) and {@code key.pem} (PKCS#8). */
    static synchronized Path selfSignedCert() throws IOException {
        assumeOpenssl();
        if (certDir == null) {
            Path d = Files.createTempDirectory("jevent-examples-tls-");
            d.toFile().deleteOnExit();
            run(d, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", "key.pem", "-out", "cert.pem", "-days", "30", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost,IP:127.0.0.1");
            d.resolve("cert.pem").toFile().deleteOnExit();
            d.resolve("key.pem").toFile().deleteOnExit();
            certDir = d;
        }
        return certDir;
    }

    private static void run(Path dir, String... cmd) throws IOException {
        Process p = new ProcessBuilder(List.of(cmd)).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(new ArrayList<>(List.of(cmd)) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            p.destroyForcibly();
        }
    }
}
