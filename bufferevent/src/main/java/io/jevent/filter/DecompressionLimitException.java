package io.jevent.filter;

import java.util.zip.ZipException;

/**
 * Inflating stopped because the output outgrew a {@link ZlibOptions} limit: a decompression bomb, or a peer
 * sending more than the application agreed to take. Reported as the cause of a READING|ERROR event; the message
 * names the limit and how to raise it. Nothing beyond the limit (and one inflate chunk, at most 64 KiB) was ever
 * allocated.
 */
public final class DecompressionLimitException extends ZipException {
    private static final long serialVersionUID = 1L;

    /** Which limit was hit. */
    public enum Limit {
        /** {@link ZlibOptions#maxRatio()}: output bytes per input byte. */
        RATIO,
        /** {@link ZlibOptions#maxInflated()}: total output bytes. */
        TOTAL,
        /** {@link ZlibOptions#maxBuffered()}: output bytes waiting in the input, not taken by the application. */
        BUFFERED
    }

    /** Which limit inflating outgrew. */
    private final Limit limit;

    DecompressionLimitException(Limit limit, String message) {
        super(message);
        this.limit = limit;
    }

    /**
     * The limit that was exceeded.
     *
     * @return which limit stopped inflating, never {@code null}; the message says by how much and how to raise it
     */
    public Limit limit() {
        return limit;
    }
}
