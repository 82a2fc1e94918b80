package io.jevent.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A reader of resolv.conf(5): {@code nameserver} (up to three, port 53), {@code search} and {@code domain} (the
 * last of them wins), and {@code options ndots:n timeout:n attempts:n} (capped at 15, 30 and 5 as glibc does).
 * {@code #} and {@code ;} start comments; unknown keywords and options are ignored, a malformed value is skipped
 * (both logged at debug), so a file the C library accepts never fails here.
 */
public final class ResolvConf {
    private static final Logger log = LoggerFactory.getLogger(ResolvConf.class);
    /** resolv.conf(5)'s MAXNS. */
    private static final int MAX_SERVERS = 3;

    private ResolvConf() {
    }

    /**
     * Parses resolv.conf text.
     *
     * @param text the file's content
     * @return {@link ResolverConfig#defaults()} changed by what the text sets (no hosts table)
     */
    public static ResolverConfig parse(String text) {
        ResolverConfig c = ResolverConfig.defaults();
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String raw : text.split("\n", -1)) {
            String line = raw;
            int cut = indexOfComment(line);
            if (cut >= 0) {
                line = line.substring(0, cut);
            }
            String[] f = line.trim().split("\\s+");
            if (f.length < 2) {
                continue;
            }
            switch (f[0]) {
                case "nameserver" -> {
                    InetAddress a = IpLiterals.parse(f[1]);
                    if (a == null) {
                        log.debug("resolv.conf: nameserver '{}' is not an IP address, skipped", f[1]);
                    } else if (servers.size() == MAX_SERVERS) {
                        log.debug("resolv.conf: nameserver {} past the first {} ignored", f[1], MAX_SERVERS);
                    } else {
                        servers.add(new InetSocketAddress(a, 53));
                    }
                }
                case "search", "domain" -> {
                    List<String> domains = new ArrayList<>();
                    for (int i = 1; i < f.length; i++) {
                        try {
                            domains.add(DnsNames.check(f[i]));
                        } catch (IllegalArgumentException bad) {
                            log.debug("resolv.conf: search domain skipped: {}", bad.getMessage());
                        }
                    }
                    c = c.withSearch(domains);
                }
                case "options" -> {
                    for (int i = 1; i < f.length; i++) {
                        c = option(c, f[i]);
                    }
                }
                default -> log.debug("resolv.conf: keyword '{}' ignored", f[0]);
            }
        }
        return servers.isEmpty() ? c : c.withNameservers(servers);
    }

    /**
     * Reads and parses a resolv.conf file; a missing file gives {@link ResolverConfig#defaults()}.
     *
     * @param file the file, normally {@code /etc/resolv.conf}
     * @return the configuration (no hosts table)
     * @throws IOException if the file exists but cannot be read
     */
    public static ResolverConfig read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException absent) {
            log.debug("no resolv.conf at {}: defaults", file);
            return ResolverConfig.defaults();
        }
    }

    private static int indexOfComment(String line) {
        int a = line.indexOf('#');
        int b = line.indexOf(';');
        return a < 0 ? b : b < 0 ? a : Math.min(a, b);
    }

    private static ResolverConfig option(ResolverConfig c, String opt) {
        int colon = opt.indexOf(':');
        if (colon < 0) {
            log.debug("resolv.conf: option '{}' ignored", opt);
            return c;
        }
        String key = opt.substring(0, colon);
        int v;
        try {
            v = Integer.parseInt(opt.substring(colon + 1));
        } catch (NumberFormatException e) {
            log.debug("resolv.conf: option '{}' has no number, skipped", opt);
            return c;
        }
        if (v < 0) {
            log.debug("resolv.conf: option '{}' is negative, skipped", opt);
            return c;
        }
        return switch (key) {
            case "ndots" -> c.withNdots(Math.min(v, ResolverConfig.MAX_NDOTS));
            case "timeout" -> c.withTimeout(Duration.ofSeconds(Math.max(1, Math.min(v, 30))));
            case "attempts" -> c.withAttempts(Math.max(1, Math.min(v, 5)));
            default -> {
                log.debug("resolv.conf: option '{}' ignored", opt);
                yield c;
            }
        };
    }
}
