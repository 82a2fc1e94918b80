package io.jevent.filter;

import java.util.Objects;
import java.util.zip.Deflater;

/**
 * How a zlib filter compresses and how much it agrees to inflate. Immutable; each {@code with*} method returns a
 * changed copy: {@code ZlibOptions.defaults().format(ZlibFormat.GZIP).level(9)}.
 *
 * <h2>Decompression limits</h2>
 * Deflate can expand about 1032:1, so an attacker needs only 1 MiB on the wire to make us produce 1 GiB. The
 * inflater therefore checks, after every chunk it produces:
 * <ul>
 * <li>{@link #maxRatio()}: total output must stay within {@code maxRatio * totalInput + ratioSlack} (the slack,
 * 64 KiB by default, lets tiny but legitimately redundant messages through);</li>
 * <li>{@link #maxInflated()}: total output over the filter's life (all streams, all gzip members) must stay
 * within this many bytes.</li>
 * </ul>
 * Crossing either is a {@link DecompressionLimitException} (a {@link java.util.zip.ZipException}) delivered as a
 * READING|ERROR event, never an OutOfMemoryError. Defaults: ratio 200, no total limit.
 *
 * <h2>Flushing</h2>
 * By default ({@link #interactive()} true) every batch of output (what one loop pass added) is sync-flushed
 * ({@code SYNC_FLUSH}), so request/response traffic, and a TLS handshake above the zlib layer, is never held back
 * in the deflater. For bulk streams, {@code interactive(false)} lets the deflater hold data until it compresses
 * well ({@code NO_FLUSH}); then {@code bev.flush(Ev.WRITE, FlushMode.FLUSH)} pushes it out. {@code FlushMode.FINISHED}
 * ends the stream ({@code FINISH}) either way.
 */
public final class ZlibOptions {
    private static final ZlibOptions DEFAULTS = new ZlibOptions(ZlibFormat.ZLIB, Deflater.DEFAULT_COMPRESSION,
            true, 200, 64 * 1024, Long.MAX_VALUE);

    private final ZlibFormat format;
    private final int level;
    private final boolean interactive;
    private final long maxRatio;
    private final long ratioSlack;
    private final long maxInflated;

    private ZlibOptions(ZlibFormat format, int level, boolean interactive, long maxRatio, long ratioSlack,
                        long maxInflated) {
        this.format = format;
        this.level = level;
        this.interactive = interactive;
        this.maxRatio = maxRatio;
        this.ratioSlack = ratioSlack;
        this.maxInflated = maxInflated;
    }

    /** zlib format, default level, interactive, ratio limit 200 with 64 KiB slack, no total limit. */
    public static ZlibOptions defaults() {
        return DEFAULTS;
    }

    /** The framing. */
    public ZlibFormat format() {
        return format;
    }

    /** The compression level, 0-9 or -1 for zlib's default (6). */
    public int level() {
        return level;
    }

    /** Whether every batch of output is sync-flushed. */
    public boolean interactive() {
        return interactive;
    }

    /** Most output bytes per input byte when inflating ({@code Long.MAX_VALUE}: no ratio check). */
    public long maxRatio() {
        return maxRatio;
    }

    /** Output allowed on top of {@code maxRatio * input}. */
    public long ratioSlack() {
        return ratioSlack;
    }

    /** Most bytes the inflater may produce over its life, all streams together ({@code Long.MAX_VALUE}: no limit). */
    public long maxInflated() {
        return maxInflated;
    }

    /** With another framing. */
    public ZlibOptions format(ZlibFormat f) {
        return new ZlibOptions(Objects.requireNonNull(f, "format"), level, interactive, maxRatio, ratioSlack,
                maxInflated);
    }

    /** With another compression level, 0 (store) to 9 (best), or -1 for the default. */
    public ZlibOptions level(int l) {
        if (l < -1 || l > 9) {
            throw new IllegalArgumentException("expected -1 <= level <= 9, got " + l);
        }
        return new ZlibOptions(format, l, interactive, maxRatio, ratioSlack, maxInflated);
    }

    /** Sync-flush every batch of output (true), or only on {@code flush(FLUSH)} (false, the default). */
    public ZlibOptions interactive(boolean on) {
        return new ZlibOptions(format, level, on, maxRatio, ratioSlack, maxInflated);
    }

    /**
     * With another ratio limit.
     *
     * @param ratio {@code >= 1}, or {@code Long.MAX_VALUE} for none
     * @param slack bytes allowed on top, {@code >= 0}
     */
    public ZlibOptions maxRatio(long ratio, long slack) {
        if (ratio < 1 || slack < 0) {
            throw new IllegalArgumentException("expected ratio >= 1 and slack >= 0, got ratio " + ratio + ", slack "
                    + slack);
        }
        return new ZlibOptions(format, level, interactive, ratio, slack, maxInflated);
    }

    /** With a limit on the bytes inflated in total ({@code >= 1}, or {@code Long.MAX_VALUE}). */
    public ZlibOptions maxInflated(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("expected maxInflated >= 1, got " + bytes);
        }
        return new ZlibOptions(format, level, interactive, maxRatio, ratioSlack, bytes);
    }

    @Override
    public String toString() {
        return "ZlibOptions[" + format + ", level " + level + (interactive ? ", interactive" : "") + ", maxRatio "
                + (maxRatio == Long.MAX_VALUE ? "none" : maxRatio + "+" + ratioSlack) + ", maxInflated "
                + (maxInflated == Long.MAX_VALUE ? "none" : maxInflated) + "]";
    }
}
