package io.jevent.filter;

import java.util.Objects;
import java.util.zip.Deflater;

/**
 * How a zlib filter compresses and how much it agrees to inflate. Immutable; each method taking an argument returns a
 * changed copy: {@code ZlibOptions.defaults().format(ZlibFormat.GZIP).level(9)}.
 *
 * <h2>Decompression limits</h2>
 * Deflate can expand about 1032:1, so 1 MiB on the wire can become 1 GiB. Ordinary data comes close (logs, JSON,
 * zero-filled blocks compress several hundred to one), so the default limits are on memory, never on the ratio:
 * <ul>
 * <li>{@link #maxBuffered()} (default 4 MiB): the most inflated bytes that may wait in the zlib layer's input for
 * the application. {@link Filters#zlib} gives the layer a read high watermark of this size, so inflation pauses
 * there and goes on as the application drains (backpressure reaches the socket): an application that drains never
 * meets this limit, and one that does not holds at most this much. Where nothing holds the output back (the
 * watermark removed or set above this, or an {@link InflateFilter} used without one), inflating past it is a
 * rejection: a bomb whose output nobody drains costs at most this much memory.</li>
 * <li>{@link #maxInflated()} (default none): the most bytes inflated over the filter's life (all streams, all gzip
 * members), for protocols that know how much a peer may send.</li>
 * <li>{@link #maxRatio(long, long)} (default none): total output within {@code maxRatio * totalInput + slack}.
 * Normal data reaches high ratios; use it only where the data is known not to.</li>
 * </ul>
 * Crossing a limit is a {@link DecompressionLimitException} (a {@link java.util.zip.ZipException}) delivered as a
 * READING|ERROR event, whose message names the limit and how to raise it; never an OutOfMemoryError.
 *
 * <h2>Flushing</h2>
 * By default ({@link #interactive()} true) every batch of output (what one loop pass added) is sync-flushed
 * ({@code SYNC_FLUSH}), so request/response traffic, and a TLS handshake above the zlib layer, is never held back
 * in the deflater. For bulk streams, {@code interactive(false)} lets the deflater hold data until it compresses
 * well ({@code NO_FLUSH}); then {@code bev.flush(Ev.WRITE, FlushMode.FLUSH)} pushes it out. {@code FlushMode.FINISHED}
 * ends the stream ({@code FINISH}) either way.
 */
public final class ZlibOptions {
    /** {@link #maxBuffered()} by default. */
    public static final long DEFAULT_MAX_BUFFERED = 4L << 20;
    /** No limit, for {@link #maxRatio}, {@link #maxInflated} and {@link #maxBuffered}. */
    public static final long NO_LIMIT = Long.MAX_VALUE;

    private static final ZlibOptions DEFAULTS = new ZlibOptions(ZlibFormat.ZLIB, Deflater.DEFAULT_COMPRESSION,
            true, NO_LIMIT, 0, NO_LIMIT, DEFAULT_MAX_BUFFERED);

    private final ZlibFormat format;
    private final int level;
    private final boolean interactive;
    private final long maxRatio;
    private final long ratioSlack;
    private final long maxInflated;
    private final long maxBuffered;

    private ZlibOptions(ZlibFormat format, int level, boolean interactive, long maxRatio, long ratioSlack,
                        long maxInflated, long maxBuffered) {
        this.format = format;
        this.level = level;
        this.interactive = interactive;
        this.maxRatio = maxRatio;
        this.ratioSlack = ratioSlack;
        this.maxInflated = maxInflated;
        this.maxBuffered = maxBuffered;
    }

    /**
     * zlib format, default level, interactive, at most 4 MiB of inflated bytes waiting, no ratio or total limit.
     *
     * @return the shared default options
     */
    public static ZlibOptions defaults() {
        return DEFAULTS;
    }

    /**
     * The framing.
     *
     * @return the stream format written and expected; never {@code null}
     */
    public ZlibFormat format() {
        return format;
    }

    /**
     * The compression level.
     *
     * @return 0 (store) to 9 (best), or -1 for zlib's default (6)
     */
    public int level() {
        return level;
    }

    /**
     * Whether every batch of output is sync-flushed.
     *
     * @return {@code true} if each batch is sync-flushed, {@code false} if the deflater may hold data until a flush
     */
    public boolean interactive() {
        return interactive;
    }

    /**
     * Most output bytes per input byte when inflating.
     *
     * @return the ratio limit, or {@link #NO_LIMIT} for no ratio check (the default)
     */
    public long maxRatio() {
        return maxRatio;
    }

    /**
     * Output allowed on top of {@code maxRatio * input}.
     *
     * @return the slack in bytes, {@code >= 0} (0 by default)
     */
    public long ratioSlack() {
        return ratioSlack;
    }

    /**
     * Most bytes the inflater may produce over its life, all streams together.
     *
     * @return the limit in bytes, or {@link #NO_LIMIT} (the default)
     */
    public long maxInflated() {
        return maxInflated;
    }

    /**
     * Most inflated bytes that may wait in the input, not yet taken by the application.
     *
     * @return the limit in bytes ({@link #DEFAULT_MAX_BUFFERED} by default), or {@link #NO_LIMIT}
     */
    public long maxBuffered() {
        return maxBuffered;
    }

    /**
     * With another framing.
     *
     * @param f the stream format; not {@code null}
     * @return a copy with this format
     * @throws NullPointerException if {@code f} is {@code null}
     */
    public ZlibOptions format(ZlibFormat f) {
        return new ZlibOptions(Objects.requireNonNull(f, "format"), level, interactive, maxRatio, ratioSlack,
                maxInflated, maxBuffered);
    }

    /**
     * With another compression level.
     *
     * @param l 0 (store) to 9 (best), or -1 for the default
     * @return a copy with this level
     * @throws IllegalArgumentException if {@code l} is outside -1..9
     */
    public ZlibOptions level(int l) {
        if (l < -1 || l > 9) {
            throw new IllegalArgumentException("expected -1 <= level <= 9, got " + l);
        }
        return new ZlibOptions(format, l, interactive, maxRatio, ratioSlack, maxInflated, maxBuffered);
    }

    /**
     * Sync-flush every batch of output (true, the default), or only on {@code flush(FLUSH)} (false).
     *
     * @param on whether every batch is sync-flushed
     * @return a copy with this setting
     */
    public ZlibOptions interactive(boolean on) {
        return new ZlibOptions(format, level, on, maxRatio, ratioSlack, maxInflated, maxBuffered);
    }

    /**
     * With a ratio limit: total output at most {@code ratio * totalInput + slack}.
     *
     * @param ratio {@code >= 1}, or {@link #NO_LIMIT} for none
     * @param slack bytes allowed on top, {@code >= 0}
     * @return a copy with this limit
     * @throws IllegalArgumentException if {@code ratio < 1} or {@code slack < 0}
     */
    public ZlibOptions maxRatio(long ratio, long slack) {
        if (ratio < 1 || slack < 0) {
            throw new IllegalArgumentException("expected ratio >= 1 (or ZlibOptions.NO_LIMIT) and slack >= 0, got ratio "
                    + ratio + ", slack " + slack);
        }
        return new ZlibOptions(format, level, interactive, ratio, slack, maxInflated, maxBuffered);
    }

    /**
     * With a limit on the bytes inflated in total.
     *
     * @param bytes the limit, {@code >= 1}, or {@link #NO_LIMIT}
     * @return a copy with this limit
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public ZlibOptions maxInflated(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("expected maxInflated >= 1 byte (or ZlibOptions.NO_LIMIT), got " + bytes);
        }
        return new ZlibOptions(format, level, interactive, maxRatio, ratioSlack, bytes, maxBuffered);
    }

    /**
     * With another limit on the inflated bytes waiting for the application ({@code >= 1}, or {@link #NO_LIMIT}:
     * then {@link Filters#zlib} sets no read watermark and memory follows whatever the application leaves there).
     *
     * @param bytes the limit, {@code >= 1}, or {@link #NO_LIMIT}
     * @return a copy with this limit
     * @throws IllegalArgumentException if {@code bytes < 1}
     */
    public ZlibOptions maxBuffered(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("expected maxBuffered >= 1 byte (or ZlibOptions.NO_LIMIT), got " + bytes);
        }
        return new ZlibOptions(format, level, interactive, maxRatio, ratioSlack, maxInflated, bytes);
    }

    @Override
    public String toString() {
        return "ZlibOptions[" + format + ", level " + level + (interactive ? ", interactive" : "") + ", maxBuffered "
                + show(maxBuffered) + ", maxInflated " + show(maxInflated) + ", maxRatio "
                + (maxRatio == NO_LIMIT ? "none" : maxRatio + "+" + ratioSlack) + "]";
    }

    private static String show(long limit) {
        return limit == NO_LIMIT ? "none" : Long.toString(limit);
    }
}
