package io.jevent.dns;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The static table of {@code /etc/hosts} (hosts(5)): lines of an IP address followed by a canonical name and
 * aliases; {@code #} starts a comment. Names match case-insensitively, with or without a trailing dot; a name listed
 * on several lines gets every address, in file order. A line whose address does not parse is skipped (logged at
 * debug). Immutable and thread-safe.
 */
public final class HostsFile {
    private static final Logger log = LoggerFactory.getLogger(HostsFile.class);
    /** An empty table. */
    public static final HostsFile EMPTY = new HostsFile(Map.of());

    private final Map<String, List<InetAddress>> byName;

    private HostsFile(Map<String, List<InetAddress>> byName) {
        this.byName = byName;
    }

    /**
     * Parses hosts-file text.
     *
     * @param text the file's content
     * @return the table
     */
    public static HostsFile parse(String text) {
        Map<String, List<InetAddress>> m = new HashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            int hash = line.indexOf('#');
            String[] f = (hash >= 0 ? line.substring(0, hash) : line).trim().split("\\s+");
            if (f.length < 2 || f[0].isEmpty()) {
                continue;
            }
            InetAddress a = IpLiterals.parse(f[0]);
            if (a == null) {
                log.debug("hosts line {}: '{}' is not an IP address, line skipped", lineNo, f[0]);
                continue;
            }
            for (int i = 1; i < f.length; i++) {
                String name;
                try {
                    name = DnsNames.check(f[i]);
                } catch (IllegalArgumentException bad) {
                    log.debug("hosts line {}: name skipped: {}", lineNo, bad.getMessage());
                    continue;
                }
                List<InetAddress> list = m.computeIfAbsent(name, k -> new ArrayList<>(2));
                if (!list.contains(a)) {
                    list.add(a);
                }
            }
        }
        m.replaceAll((k, v) -> List.copyOf(v));
        return new HostsFile(Map.copyOf(m));
    }

    /**
     * Reads and parses a hosts file; a file that does not exist is an empty table.
     *
     * @param file the file, normally {@code /etc/hosts}
     * @return the table
     * @throws IOException if the file exists but cannot be read
     */
    public static HostsFile read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException absent) {
            log.debug("no hosts file at {}: empty table", file);
            return EMPTY;
        }
    }

    /**
     * The addresses listed for {@code name}.
     *
     * @param name a host name (any case, trailing dot or not)
     * @param family which addresses
     * @return the addresses of that family in file order; empty if none
     */
    public List<InetAddress> lookup(String name, AddressFamily family) {
        List<InetAddress> all = byName.get(canonical(name));
        if (all == null) {
            return List.of();
        }
        if (family == AddressFamily.ANY) {
            return all;
        }
        List<InetAddress> out = new ArrayList<>(all.size());
        for (InetAddress a : all) {
            if (family == AddressFamily.IPV4 ? a instanceof Inet4Address : a instanceof Inet6Address) {
                out.add(a);
            }
        }
        return out;
    }

    /** Whether {@code name} is listed at all. */
    boolean contains(String name) {
        return byName.containsKey(canonical(name));
    }

    private static String canonical(String name) {
        try {
            return DnsNames.check(name);
        } catch (IllegalArgumentException bad) {
            return name;
        }
    }

    /**
     * Names listed.
     *
     * @return how many distinct names the file lists
     */
    public int size() {
        return byName.size();
    }

    @Override
    public String toString() {
        return "HostsFile[" + byName.size() + " names]";
    }
}
