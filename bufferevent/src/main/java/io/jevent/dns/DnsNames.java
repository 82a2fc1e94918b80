package io.jevent.dns;

import java.util.Locale;

/**
 * Host names as DNS sees them (RFC 1035 section 2.3.4, RFC 2181 section 11): at most 253 characters written out
 * (255 octets on the wire), labels of 1 to 63 octets. Names are kept in a canonical form: no trailing dot, ASCII
 * lower case, so that two spellings of one name compare equal with {@code equals}.
 */
final class DnsNames {
    /** Most characters of a name written with dots and no trailing dot. */
    static final int MAX_NAME = 253;
    /** Most octets in one label. */
    static final int MAX_LABEL = 63;

    private DnsNames() {
    }

    /**
     * Checks that {@code name} can exist in the DNS and returns its canonical form.
     *
     * @param name a host name, with or without a trailing dot
     * @return the name in lower case without the trailing dot
     * @throws IllegalArgumentException naming what is wrong: empty, too long, an empty label, a label too long,
     *     or a character that cannot go into a label on the wire
     */
    static String check(String name) {
        if (name == null) {
            throw new NullPointerException("name");
        }
        String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        if (n.isEmpty()) {
            throw new IllegalArgumentException("expected a host name, got an empty one ('" + name + "')");
        }
        if (n.length() > MAX_NAME) {
            throw new IllegalArgumentException("a host name has at most " + MAX_NAME + " characters, got "
                    + n.length() + " ('" + abbreviate(n) + "')");
        }
        int start = 0;
        for (int i = 0; i <= n.length(); i++) {
            if (i == n.length() || n.charAt(i) == '.') {
                int len = i - start;
                if (len == 0) {
                    throw new IllegalArgumentException("empty label at character " + start + " of host name '"
                            + abbreviate(name) + "': two dots in a row, or a leading dot");
                }
                if (len > MAX_LABEL) {
                    throw new IllegalArgumentException("a label has at most " + MAX_LABEL + " characters, got " + len
                            + " ('" + abbreviate(n.substring(start, i)) + "') in host name '" + abbreviate(name) + "'");
                }
                start = i + 1;
            } else {
                char c = n.charAt(i);
                if (c <= ' ' || c >= 0x7f) {
                    throw new IllegalArgumentException("host name '" + abbreviate(name) + "' has character U+"
                            + String.format("%04X", (int) c) + " at " + i
                            + ": only printable ASCII goes on the wire (convert IDNs with java.net.IDN.toASCII)");
                }
            }
        }
        return n.toLowerCase(Locale.ROOT);
    }

    /** Whether {@code name} (canonical) has a dot count at or above {@code ndots}. */
    static int dots(String name) {
        int d = 0;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '.') {
                d++;
            }
        }
        return d;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 20) + "..." + s.substring(s.length() - 10);
    }
}
