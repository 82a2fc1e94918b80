package io.jevent.dns;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real DNS server for the tests: {@code dnsmasq} (the OS package {@code dnsmasq-base}) in the foreground on a free
 * loopback port, answering from its own hosts file (plus whatever options a test adds: CNAMEs, an authoritative
 * zone for NXDOMAIN with an SOA), logging every query to a file the tests count lines in. Skipped, saying why, when
 * the binary is missing.
 */
public final class Dnsmasq implements AutoCloseable {
    private static final Pattern QUERY = Pattern.compile("(?:query|auth)\\[([A-Z]+)\\] (\\S+) from");

    private final Process process;
    private final Path log;
    /** Where it answers (UDP and TCP), on 127.0.0.1. */
    public final InetSocketAddress address;

    private Dnsmasq(Process process, Path log, InetSocketAddress address) {
        this.process = process;
        this.log = log;
        this.address = address;
    }

    static String binary() {
        for (String p : new String[] {"/usr/sbin/dnsmasq", "/usr/bin/dnsmasq", "/usr/local/sbin/dnsmasq"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /**
     * Starts dnsmasq with {@code hostsLines} as its hosts file and {@code extra} options; answers for local names
     * carry a TTL of 60 s.
     */
    public static Dnsmasq start(Path dir, List<String> hostsLines, String... extra) throws IOException, InterruptedException {
        String bin = binary();
        Assumptions.assumeTrue(bin != null, "dnsmasq is not installed (apt-get install dnsmasq-base): DNS tests"
                + " against a real server skipped");
        Path hosts = Files.write(dir.resolve("hosts"), hostsLines);
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            int port = freePort();
            Path log = dir.resolve("dnsmasq-" + port + ".log");
            List<String> cmd = new ArrayList<>(List.of(bin, "--no-daemon", "--port=" + port,
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--addn-hosts=" + hosts, "--log-queries", "--log-facility=" + log, "--pid-file=",
                    "--local-ttl=60", "--user=" + System.getProperty("user.name")));
            cmd.addAll(List.of(extra));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dnsmasq-" + port + ".out").toFile()).start();
            Dnsmasq d = new Dnsmasq(p, log, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            if (d.awaitReady()) {
                return d;
            }
            d.close();
            last = new IOException("dnsmasq did not answer on port " + port + ": "
                    + Files.readString(dir.resolve("dnsmasq-" + port + ".out")));
        }
        throw last;
    }

    private static int freePort() throws IOException {
        // a port free for both UDP and TCP right now (dnsmasq takes both); a race with another process only costs
        // a retry
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

    /** Sends a probe query (for a name no test uses) until dnsmasq answers, for at most 10 s. */
    private boolean awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ByteBuffer qb = DnsMessage.encodeQuery(ByteBuffer.allocate(512), 4242, "ready.probe.invalid", DnsRecord.A)
                .flip();
        byte[] query = new byte[qb.remaining()];
        qb.get(query);
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            s.setSoTimeout(200);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    return false;
                }
                s.send(new DatagramPacket(query, query.length, address));
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

    /** Queries dnsmasq logged for {@code name} of {@code type} ("A", "AAAA"). */
    int queries(String name, String type) throws IOException {
        int n = 0;
        for (String line : logLines()) {
            Matcher m = QUERY.matcher(line);
            if (m.find() && m.group(1).equals(type) && m.group(2).equalsIgnoreCase(name)) {
                n++;
            }
        }
        return n;
    }

    List<String> logLines() throws IOException {
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
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
