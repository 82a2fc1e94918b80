package io.jevent.examples;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DNS server for the fetch example's tests: {@code dnsmasq} (the OS package {@code dnsmasq-base}) in the
 * foreground on a free loopback port, answering from its own hosts file only, plus the options a test adds
 * ({@code --local=/test/} makes other names under {@code test} NXDOMAIN). Skipped, saying why, when the binary is
 * missing. (bufferevent's DNS tests have their own, which also counts queries in dnsmasq's log.)
 */
final class Dnsmasq implements AutoCloseable {
    private final Process process;
    final InetSocketAddress address;

    private Dnsmasq(Process process, InetSocketAddress address) {
        this.process = process;
        this.address = address;
    }

    private static String binary() {
        for (String p : new String[] {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** Starts dnsmasq answering from {@code hostsLines} (TTL 60 s), with {@code extra} options. */
    static Dnsmasq start(Path dir, List<String> hostsLines, String... extra) throws IOException, InterruptedException {
        String bin = binary();
        Assumptions.assumeTrue(bin != null, "dnsmasq is not installed (apt-get install dnsmasq-base; CI installs it):"
                + " fetch by host name through --nameserver skipped");
        Path hosts = Files.write(dir.resolve("hosts"), hostsLines);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path out = dir.resolve("dnsmasq-" + port + ".out");
            List<String> cmd = new ArrayList<>(List.of(bin, "--no-daemon", "--port=" + port,
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--addn-hosts=" + hosts, "--pid-file=", "--local-ttl=60",
                    "--user=" + System.getProperty("user.name")));
            cmd.addAll(List.of(extra));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            Dnsmasq d = new Dnsmasq(p, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            if (d.awaitReady()) {
                return d;
            }
            d.close();
            last = new IOException("dnsmasq did not answer on port " + port + ": " + Files.readString(out));
        }
        throw last;
    }

    /** A port free for both UDP and TCP right now (dnsmasq takes both); losing a race only costs a retry. */
    private static int freePort() throws IOException {
        for (;;) {
            try (DatagramSocket u = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
                int port = u.getLocalPort();
                try (ServerSocket t = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
    }

    /** A query for {@code name}, type A, class IN, recursion desired (RFC 1035 4.1), written out by hand. */
    private static byte[] query(int id, String name) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
        for (String label : name.split("\\.")) {
            byte[] l = label.getBytes(StandardCharsets.US_ASCII);
            b.write(l.length);
            b.writeBytes(l);
        }
        b.writeBytes(new byte[] {0, 0, 1, 0, 1});
        return b.toByteArray();
    }

    /** Sends a probe query (for a name no test uses) until dnsmasq answers, for at most 10 s. */
    private boolean awaitReady() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] q = query(4242, "ready.probe.invalid");
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    return false;
                }
                s.send(new DatagramPacket(q, q.length, address));
                try {
                    s.receive(new DatagramPacket(new byte[512], 512));
                    return true;
                } catch (SocketTimeoutException notYet) {
                    // again
                }
            }
        }
        return false;
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
            process.destroyForcibly();
        }
    }
}
