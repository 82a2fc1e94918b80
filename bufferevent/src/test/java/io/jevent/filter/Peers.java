package io.jevent.filter;

import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Real peers for the filter tests: python3 (peer.py) and the openssl CLI, run as child processes. */
final class Peers {
    private Peers() {
    }

    private static Boolean python;
    private static Boolean openssl;

    /** Skips the test, visibly, when python3 is not installed (CI installs it). */
    static void assumePython() {
        if (python == null) {
            python = works("python3", "--version");
        }
        Assumptions.assumeTrue(python, "python3 is not installed: the interoperability test needs a real peer");
    }

    /** Skips the test, visibly, when the openssl CLI is not installed (CI installs it). */
    static void assumeOpenssl() {
        if (openssl == null) {
            openssl = works("openssl", "version");
        }
        Assumptions.assumeTrue(openssl, "the openssl CLI is not installed: the TLS test needs a real peer");
    }

    private static boolean works(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static Path peerScript() {
        try {
            return Path.of(Peers.class.getResource("peer.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** python3 peer.py args...: the command line. */
    static List<String> python(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("python3");
        cmd.add(peerScript().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs {@code cmd} with {@code stdin}, returns stdout; fails on a non-zero exit or after 60 s. */
    static byte[] run(List<String> cmd, byte[] stdin) {
        Finished f = runToEnd(cmd, stdin);
        if (f.exit != 0) {
            throw new AssertionError(cmd + " exited with " + f.exit + ": " + f.err);
        }
        return f.out;
    }

    /** How a child process ended. */
    static final class Finished {
        final int exit;
        final byte[] out;
        final String err;

        Finished(int exit, byte[] out, String err) {
            this.exit = exit;
            this.out = out;
            this.err = err;
        }
    }

    /** Runs {@code cmd} with {@code stdin} to its end, whatever its exit code; fails after 60 s. */
    static Finished runToEnd(List<String> cmd, byte[] stdin) {
        try {
            Process p = new ProcessBuilder(cmd).start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            try (OutputStream os = p.getOutputStream()) {
                os.write(stdin);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not finish within 60 s");
            }
            return new Finished(p.exitValue(), out.get(10, TimeUnit.SECONDS),
                    new String(err.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** A running peer that prints lines; read them with a bounded wait. */
    static final class Running implements AutoCloseable {
        final Process process;
        private final BufferedReader out;
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();

        Running(List<String> cmd) {
            try {
                process = new ProcessBuilder(cmd).start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Thread t = new Thread(() -> {
                try {
                    process.getErrorStream().transferTo(err);
                } catch (IOException ignored) {
                    // process gone
                }
            }, "peer-stderr");
            t.setDaemon(true);
            t.start();
        }

        /** The next stdout line that starts with {@code prefix}, waiting at most {@code seconds}. */
        String line(String prefix, long seconds) {
            CompletableFuture<String> f = CompletableFuture.supplyAsync(() -> {
                try {
                    String l;
                    while ((l = out.readLine()) != null) {
                        if (l.startsWith(prefix)) {
                            return l;
                        }
                    }
                    return null;
                } catch (IOException e) {
                    return null;
                }
            });
            try {
                String l = f.get(seconds, TimeUnit.SECONDS);
                if (l == null) {
                    throw new AssertionError(process.info().commandLine().orElse("peer") + " ended without printing '"
                            + prefix + "'; stderr: " + stderr());
                }
                return l;
            } catch (TimeoutException e) {
                throw new AssertionError("peer printed no '" + prefix + "' within " + seconds + " s; stderr: "
                        + stderr());
            } catch (InterruptedException | ExecutionException e) {
                throw new AssertionError(e);
            }
        }

        String stderr() {
            synchronized (err) {
                return err.toString(StandardCharsets.UTF_8);
            }
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Extracts a number from a flat JSON object: {@code num(json, "total")}. */
    static long num(String json, String key) {
        int i = json.indexOf("\"" + key + "\":");
        if (i < 0) {
            throw new AssertionError("no " + key + " in " + json);
        }
        int s = i + key.length() + 3;
        while (json.charAt(s) == ' ') {
            s++;
        }
        int e = s;
        while (e < json.length() && (Character.isDigit(json.charAt(e)) || json.charAt(e) == '-')) {
            e++;
        }
        return Long.parseLong(json.substring(s, e));
    }

    /** The numbers in a flat JSON array value: {@code nums(json, "per")}. */
    static long[] nums(String json, String key) {
        int i = json.indexOf("\"" + key + "\": [");
        int e = json.indexOf(']', i);
        String[] parts = json.substring(i + key.length() + 5, e).split(",");
        long[] r = new long[parts.length];
        for (int k = 0; k < parts.length; k++) {
            r[k] = Long.parseLong(parts[k].trim());
        }
        return r;
    }

    /** A string value from a flat JSON object, or null. */
    static String str(String json, String key) {
        int i = json.indexOf("\"" + key + "\": ");
        if (i < 0) {
            return null;
        }
        int s = i + key.length() + 4;
        if (json.startsWith("null", s)) {
            return null;
        }
        int e = json.indexOf('"', s + 1);
        return json.substring(s + 1, e);
    }
}
