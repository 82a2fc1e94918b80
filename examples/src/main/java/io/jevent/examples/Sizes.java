package io.jevent.examples;

import java.util.Locale;

/** Byte counts on the command line: {@code 4096}, {@code 64k}, {@code 16m}, {@code 1g} (binary multiples). */
final class Sizes {
    private Sizes() {
    }

    /**
     * Parses a size with an optional {@code k}, {@code m} or {@code g} suffix (powers of 1024; a trailing
     * {@code b}/{@code ib} is accepted: {@code 64KiB}).
     *
     * @throws IllegalArgumentException naming the input when it is not a size
     */
    static long parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ib")) {
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("b") && t.length() > 1 && !Character.isDigit(t.charAt(t.length() - 2))) {
            t = t.substring(0, t.length() - 1);
        }
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'k': mult = 1L << 10; break;
                case 'm': mult = 1L << 20; break;
                case 'g': mult = 1L << 30; break;
                default: break;
            }
        }
        if (mult != 1) {
            t = t.substring(0, t.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a size such as 4096, 64k, 16m or 1g, got '" + s + "'");
        }
        if (n < 0 || n > Long.MAX_VALUE / mult) {
            throw new IllegalArgumentException("expected a size between 0 and 2^63-1 bytes, got '" + s + "'");
        }
        return n * mult;
    }

    /** Renders a byte count for people: {@code 1.5 MiB}. */
    static String format(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
