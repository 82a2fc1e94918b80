package io.jevent.examples;

import java.time.Duration;
import java.util.Locale;

/**
 * Durations on the command line: {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}; a bare number is seconds; {@code 0},
 * {@code off} and {@code none} mean "no timeout" (null).
 */
final class Durations {
    private Durations() {
    }

    /**
     * Parses a duration for an option.
     *
     * @return the duration, or null for {@code 0}/{@code off}/{@code none}
     * @throws IllegalArgumentException naming {@code option} and the input when it is not a duration
     */
    static Duration parse(String option, String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("off") || t.equals("none")) {
            return null;
        }
        long unitNanos;
        String digits;
        if (t.endsWith("ms")) {
            unitNanos = 1_000_000L;
            digits = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            unitNanos = 1_000_000_000L;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            unitNanos = 60_000_000_000L;
            digits = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            unitNanos = 3_600_000_000_000L;
            digits = t.substring(0, t.length() - 1);
        } else {
            unitNanos = 1_000_000_000L;
            digits = t;
        }
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " expects a duration such as 500ms, 30s, 2m or 0 for none, got '"
                    + s + "'");
        }
        if (n < 0 || n > 24L * 3_600_000_000_000L / unitNanos) {
            throw new IllegalArgumentException(option + " expects a duration between 0 and 24h, got '" + s + "'");
        }
        return n == 0 ? null : Duration.ofNanos(n * unitNanos);
    }

    /** Renders a timeout for people: {@code 500 ms}, {@code 60 s}, {@code off} for null. */
    static String format(Duration d) {
        if (d == null) {
            return "off";
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
