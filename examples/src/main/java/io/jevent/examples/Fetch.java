package io.jevent.examples;

import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.InFlightWork;
import io.jevent.dns.DnsException;
import io.jevent.dns.Resolver;
import io.jevent.dns.ResolverConfig;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * {@code fetch URL...}: a Dillo-style fetcher. Many documents are retrieved at once on one loop thread: at most
 * {@code --parallel N} transfers run, the next starting as one ends; {@code http://} URLs through {@link HttpGet}
 * (one connection per document, {@code Connection: close}), {@code file://} URLs through {@link FileGet}. The loop
 * never blocks: name lookups, file reads and saving ({@code --out DIR}, written by a helper thread, the loop kept
 * alive meanwhile by an {@link InFlightWork}) happen elsewhere, and results come back to the loop.
 *
 * <p>Names: {@code connectHostname} resolves through the base's default {@link Resolver}. With
 * {@code --nameserver IP:PORT} (repeatable) that is a stub resolver asking only those servers
 * ({@link ResolverConfig#nameservers}); without it, the default stub resolver ({@code /etc/resolv.conf},
 * {@code /etc/hosts}). A name that does not resolve fails its own transfer only.
 *
 * <p>Output: one line per transfer as it ends ({@code OK} with status, size, time and, with {@code --sha256}, the
 * body's SHA-256; or {@code FAIL} with the reason), then a summary. On a terminal ({@code System.console() != null}) a
 * progress line shows the transfers running, redrawn four times a second. Exit status 0 when every transfer
 * succeeded, 1 when any failed, 2 for bad arguments. A failure (a 404, a refused port) never stops the others.
 */
final class Fetch {
    static final Usage USAGE = new Usage("fetch", "[--parallel N] [--out DIR] [--sha256] [--timeout SECONDS]"
            + " [--max-body BYTES] [--nameserver IP:PORT]... [--backend NAME] URL...", "fetches many http:// and file:// URLs at once on"
            + " one loop thread (HTTP/1.1, names through the stub resolver)")
            .describe("Fetches every URL, at most N at once, on one loop thread: http://HOST[:PORT]/PATH over HTTP/1.1"
                    + " (one connection each, Connection: close), file:///PATH through a file stream. Prints a line per"
                    + " transfer as it ends (OK with size and time, or FAIL with the reason), a progress line on a"
                    + " terminal, and a summary. Exit status 0 when every transfer succeeded, 1 when any failed; a"
                    + " failure never stops the others.")
            .option("--parallel N", "at most N transfers at once (default 6)")
            .option("--out DIR", "save each body in DIR, under the URL's file name (default: not saved)")
            .option("--sha256", "print each body's SHA-256 (default off)")
            .option("--timeout SECONDS", "fail a transfer that makes no progress for this long (default 30)")
            .option("--max-body BYTES", "fail a transfer whose body would exceed this many bytes (default 256 MiB)")
            .option("--nameserver IP:PORT", "resolve host names by asking this DNS server (repeat for more, asked in"
                    + " order; an IPv6 address in brackets; default: the servers of /etc/resolv.conf, after"
                    + " /etc/hosts)")
            .backendOption();
    /** The default {@code --max-body}. */
    static final int DEFAULT_MAX_BODY = 256 << 20;

    private final EventBase base;
    private final int parallel;
    private final Duration timeout;
    private final long maxBody;
    private final Path outDir;
    private final boolean sha256;
    private final PrintStream out;
    private final boolean terminal;
    private final ArrayDeque<URI> queue = new ArrayDeque<>();
    private final List<Transfer> active = new ArrayList<>();
    private final Set<String> savedNames = new HashSet<>();
    /** Saves bodies off the loop; made at the first save. */
    private ExecutorService saver;
    private Event progressTimer;
    private int total;
    private int finished;
    private int failed;
    private long bytes;
    private final long startNanos = System.nanoTime();

    private Fetch(EventBase base, int parallel, Duration timeout, long maxBody, Path outDir, boolean sha256,
            PrintStream out, boolean terminal) {
        this.base = base;
        this.parallel = parallel;
        this.timeout = timeout;
        this.maxBody = maxBody;
        this.outDir = outDir;
        this.sha256 = sha256;
        this.out = out;
        this.terminal = terminal;
    }

    /** The {@code fetch} command; {@code terminal}: draw the progress line. */
    static int run(String[] argv, PrintStream out, PrintStream err, boolean terminal) throws IOException {
        return Args.run(USAGE, argv, out, err, a -> command(a, terminal));
    }

    private static int command(Args a, boolean terminal) {
        PrintStream out = a.out;
        int parallel = 6;
        int timeout = 30;
        int maxBody = DEFAULT_MAX_BODY;
        Path outDir = null;
        boolean sha = false;
        String backend = null;
        List<InetSocketAddress> nameservers = new ArrayList<>();
        List<URI> urls = new ArrayList<>();
        try {
            for (String o = a.next(); o != null; o = a.next()) {
                switch (o) {
                    case "--parallel": parallel = a.intValue(o, 1, 10_000); break;
                    case "--timeout": timeout = a.intValue(o, 1, 86_400); break;
                    case "--max-body": maxBody = a.intValue(o, 0, Integer.MAX_VALUE - 8); break;
                    case "--out": outDir = Path.of(a.value(o)); break;
                    case "--sha256": sha = true; break;
                    case "--backend": backend = a.backend(o); break;
                    case "--nameserver": nameservers.add(a.ipPort(o)); break;
                    default:
                        if (o.startsWith("--")) {
                            throw new IllegalArgumentException("unknown option " + o);
                        }
                        urls.add(parse(o));
                }
            }
            if (urls.isEmpty()) {
                throw new IllegalArgumentException("give at least one URL");
            }
        } catch (IllegalArgumentException e) {
            throw a.usageError(e.getMessage());
        }
        if (outDir != null) {
            try {
                Files.createDirectories(outDir);
            } catch (IOException e) {
                throw a.fail(2, "cannot create " + outDir + ": " + e);
            }
        }
        try (EventBase base = a.base(backend)) {
            Resolver dns = null;
            if (!nameservers.isEmpty()) {
                dns = Resolver.create(base, ResolverConfig.nameservers(nameservers.toArray(new InetSocketAddress[0])));
                Resolver.setDefault(dns); // what connectHostname asks
            }
            Fetch f = new Fetch(base, parallel, Duration.ofSeconds(timeout), maxBody, outDir, sha, out, terminal);
            f.queue.addAll(urls);
            f.total = urls.size();
            f.startMore();
            if (terminal) {
                f.progressTimer = base.newEvent(null, io.jevent.Ev.PERSIST, (ev, w) -> f.drawProgress());
                f.progressTimer.add(Duration.ofMillis(250));
            }
            base.dispatch();
            if (f.saver != null) {
                f.saver.shutdown();
            }
            if (dns != null) {
                dns.close(); // before its base
            }
            f.summary();
            // a transfer that never reported (it cannot happen, but if it did) is a failure, never a silent success
            return f.failed == 0 && f.finished == f.total ? 0 : 1;
        }
    }

    private static URI parse(String s) {
        URI u;
        try {
            u = new URI(s);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: '" + s + "' (" + e.getMessage() + ")");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("file")) {
            throw new IllegalArgumentException("expected an http:// or file:// URL, got '" + s + "'");
        }
        return u;
    }

    /** Starts transfers from the queue while fewer than {@code parallel} run. */
    private void startMore() {
        while (active.size() < parallel && !queue.isEmpty()) {
            URI u = queue.poll();
            Transfer t = u.getScheme().equalsIgnoreCase("file") ? new FileGet(base, u, maxBody, this::ended)
                    : new HttpGet(base, u, timeout, maxBody, this::ended);
            active.add(t);
            t.start(); // may end at once (a bad URL): ended() then starts the next
        }
        if (active.isEmpty() && queue.isEmpty() && progressTimer != null) {
            progressTimer.close(); // nothing left: dispatch() returns once saves are done
            progressTimer = null;
        }
    }

    /** A transfer ended: digest, save (off the loop), report, start the next. */
    private void ended(Transfer t) {
        if (t.failure() != null) {
            report(t, null, null);
            return;
        }
        ByteBuffer body = t.takeBody();
        String digest = sha256 ? sha256(body.duplicate()) : null;
        if (outDir == null) {
            report(t, digest, null);
            return;
        }
        Path dest;
        try {
            dest = outDir.resolve(uniqueName(t.fileName()));
        } catch (java.nio.file.InvalidPathException e) { // a name from the URL this file system cannot take
            report(t, digest, null, new IOException("cannot save under '" + e.getInput() + "': " + e.getReason(), e));
            return;
        }
        InFlightWork work = base.beginWork("save " + dest);
        saver().execute(() -> {
            IOException failure = null;
            try (FileChannel ch = FileChannel.open(dest, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                while (body.hasRemaining()) {
                    ch.write(body);
                }
            } catch (IOException e) {
                failure = e;
            }
            IOException f = failure;
            work.finish(() -> report(t, digest, f == null ? dest : null, f));
        });
    }

    private void report(Transfer t, String digest, Path saved) {
        report(t, digest, saved, null);
    }

    private void report(Transfer t, String digest, Path saved, IOException saveFailure) {
        active.remove(t);
        finished++;
        clearProgress();
        Throwable f = t.failure() != null ? t.failure() : saveFailure;
        if (f != null) {
            failed++;
            out.printf(Locale.ROOT, "FAIL %s: %s%n", t.uri, describe(f));
        } else {
            bytes += t.received();
            out.printf(Locale.ROOT, "OK   %9d B %7.3f s  %s%s%s%n", t.received(), t.seconds(), t.uri,
                    digest != null ? "  sha256=" + digest : "", saved != null ? "  -> " + saved : "");
        }
        out.flush();
        startMore();
    }

    private static String describe(Throwable f) {
        String m = f.getMessage();
        if (f instanceof DnsException d) {
            return "DNS " + d.reason() + ": " + m;
        }
        String name = f.getClass().getSimpleName();
        return m == null ? name : (f instanceof IOException && !(f instanceof java.net.ConnectException)
                && f.getClass() == IOException.class ? m : name + ": " + m);
    }

    private String uniqueName(String name) {
        String n = name;
        for (int i = 2; !savedNames.add(n); i++) {
            n = name + "." + i;
        }
        return n;
    }

    private ExecutorService saver() {
        if (saver == null) {
            saver = Executors.newSingleThreadExecutor(r -> {
                Thread th = new Thread(r, "fetch-saver");
                th.setDaemon(true);
                return th;
            });
        }
        return saver;
    }

    static String sha256(ByteBuffer b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(b);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private void drawProgress() {
        StringBuilder sb = new StringBuilder("\r[").append(finished).append('/').append(total).append(']');
        for (int i = 0; i < active.size() && i < 4; i++) {
            Transfer t = active.get(i);
            sb.append("  ").append(t.fileName()).append(' ');
            long e = t.expected();
            if (e > 0) {
                sb.append(t.received() * 100 / e).append('%');
            } else {
                sb.append(t.received() / 1024).append(" KiB");
            }
        }
        if (active.size() > 4) {
            sb.append("  +").append(active.size() - 4);
        }
        out.print(sb.append("\033[K"));
        out.flush();
    }

    private void clearProgress() {
        if (terminal) {
            out.print("\r\033[K");
        }
    }

    private void summary() {
        clearProgress();
        double s = (System.nanoTime() - startNanos) / 1e9;
        out.printf(Locale.ROOT, "fetched %d of %d (%d failed), %d bytes in %.3f s on %s%n", finished - failed, total,
                failed, bytes, s, base.method());
    }
}
