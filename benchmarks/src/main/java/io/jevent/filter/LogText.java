package io.jevent.filter;

import java.nio.charset.StandardCharsets;

/**
 * Text-like data to compress: access-log lines with varying timestamps, thread names, ids, paths, durations and
 * sizes, from a fixed xorshift seed, so every run and every system compresses the same bytes. Compresses about
 * as well as real logs (the ratio is printed by {@link ZlibBench}'s set-up).
 */
final class LogText {
    private static final String[] LEVELS = {"INFO ", "DEBUG", "WARN ", "INFO ", "INFO "};
    private static final String[] METHODS = {"GET", "GET", "POST", "PUT", "GET", "DELETE"};
    private static final String[] PATHS = {"/api/v1/items/", "/api/v1/users/", "/static/img/", "/api/v2/orders/",
            "/health", "/api/v1/search?q="};
    private static final int[] STATUS = {200, 200, 200, 201, 204, 304, 404, 500};

    private LogText() {
    }

    /** Exactly {@code size} bytes of log lines (the last one cut). */
    static byte[] make(int size) {
        byte[] out = new byte[size];
        StringBuilder line = new StringBuilder(160);
        long x = 0x9E3779B97F4A7C15L;
        long millis = 1_714_566_896_000L;
        int pos = 0;
        while (pos < size) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            long r = x & Long.MAX_VALUE;
            millis += r % 37;
            line.setLength(0);
            line.append(java.time.Instant.ofEpochMilli(millis)).append(' ')
                    .append(LEVELS[(int) (r % LEVELS.length)]).append(" [worker-").append(r % 16).append("] ")
                    .append("io.jevent.http.Server - request ").append(r % 1_000_000).append(' ')
                    .append(METHODS[(int) ((r >>> 8) % METHODS.length)]).append(' ')
                    .append(PATHS[(int) ((r >>> 12) % PATHS.length)]).append((r >>> 16) % 100_000)
                    .append(" took ").append((r >>> 20) % 2000).append(" ms status=")
                    .append(STATUS[(int) ((r >>> 24) % STATUS.length)]).append(" bytes=").append((r >>> 28) % 65_536)
                    .append('\n');
            byte[] b = line.toString().getBytes(StandardCharsets.US_ASCII);
            int n = Math.min(b.length, size - pos);
            System.arraycopy(b, 0, out, pos, n);
            pos += n;
        }
        return out;
    }
}
