package io.jevent.filter;

import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Loan;
import io.jevent.bufferevent.Filter;
import io.jevent.bufferevent.FilterResult;
import io.jevent.bufferevent.FlushMode;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The input half of a zlib filter: inflates what arrives with {@link Inflater}, straight from the source
 * segments into segments reserved in the destination, checking the {@link ZlibOptions} decompression limits after
 * every chunk so a bomb is stopped before it costs memory.
 *
 * <p>Memory: the destination never holds more than {@link ZlibOptions#maxBuffered()} bytes. Inflation stops at the
 * {@code dstLimit} it is given (a FilterBufferEvent passes the room under its read high watermark, which
 * {@link Filters#zlib} sets to {@code maxBuffered}, so a draining application gets the stream in pieces and is never
 * refused); where nothing limits it, producing byte {@code maxBuffered + 1} while the earlier ones still wait is a
 * {@link DecompressionLimitException} of kind {@link DecompressionLimitException.Limit#BUFFERED}.
 *
 * <p>Results: corrupt data is {@link FilterResult#ERROR} with the {@link DataFormatException}; a gzip trailer whose
 * CRC-32 or ISIZE does not match is ERROR with a {@link ZipException}; a limit is ERROR with a
 * {@link DecompressionLimitException}; end of input ({@link FlushMode#FINISHED}) in the middle of a stream is
 * ERROR with a {@link ZipException} saying "truncated". Several streams (gzip members) may follow each other. On
 * ERROR the destination keeps what was inflated before the failure, within every limit (a byte past a limit is never
 * committed), so the layer above can deliver it before the error; the reserved space of the failed call is given
 * back.
 */
public final class InflateFilter implements Filter {
    private static final int CHUNK = 64 * 1024;
    private static final int GZIP_MAX_HEADER = 16 * 1024;

    /** Where the parser is: before a gzip header, in deflate data, before a gzip trailer. */
    private enum State { HEADER, BODY, TRAILER }

    private final ZlibOptions options;
    private final Inflater inflater;
    private final CRC32 crc;
    private final boolean gzip;
    private State state;
    /** True once any byte of the current stream was consumed; FINISHED then means truncation. */
    private boolean inStream;
    private long totalIn;
    private long totalOut;
    private long streamOut;
    private Throwable failure;
    /** Lends the source view for one inflate pass, back once its bytes are consumed. */
    private final Loan one = new Loan(1);

    /**
     * An inflating input filter with {@code options}.
     *
     * @param options the framing expected and the decompression limits
     * @throws NullPointerException if {@code options} is {@code null}
     */
    public InflateFilter(ZlibOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.gzip = options.format() == ZlibFormat.GZIP;
        this.inflater = new Inflater(options.format() != ZlibFormat.ZLIB);
        this.crc = gzip ? new CRC32() : null;
        this.state = gzip ? State.HEADER : State.BODY;
    }

    @Override
    public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
        if (failure != null) {
            return FilterResult.ERROR;
        }
        try {
            FilterResult r = run(src, dst, dstLimit);
            if (mode == FlushMode.FINISHED && r == FilterResult.NEED_MORE) {
                throw new ZipException("truncated " + options.format() + " stream: end of input after " + totalIn
                        + " compressed bytes, in the " + state.name().toLowerCase(java.util.Locale.ROOT));
            }
            return r;
        } catch (ZipException e) {
            failure = e;
            return FilterResult.ERROR;
        } catch (DataFormatException e) {
            failure = e;
            return FilterResult.ERROR;
        }
    }

    private FilterResult run(EvBuffer src, EvBuffer dst, long dstLimit) throws DataFormatException, ZipException {
        long before = dst.length();
        while (true) {
            if (dstLimit >= 0 && dst.length() - before >= dstLimit) {
                return FilterResult.OK;
            }
            switch (state) {
                case HEADER:
                    if (src.length() == 0) {
                        return FilterResult.OK;
                    }
                    inStream = true;
                    if (!readGzipHeader(src)) {
                        return FilterResult.NEED_MORE;
                    }
                    state = State.BODY;
                    break;
                case TRAILER:
                    if (src.length() < 8) {
                        return FilterResult.NEED_MORE;
                    }
                    readGzipTrailer(src);
                    endOfStream();
                    break;
                default:
                    if (src.length() == 0) {
                        return inStream ? FilterResult.NEED_MORE : FilterResult.OK;
                    }
                    inStream = true;
                    long room = room(dst, dstLimit < 0 ? -1 : dstLimit - (dst.length() - before));
                    if (room == 0) {
                        // the caller's room is left (checked above): maxBuffered is exceeded
                        checkLimits(totalIn, totalOut, dst.length());
                        return FilterResult.OK;
                    }
                    if (inflateSome(src, dst, room)) {
                        if (gzip) {
                            state = State.TRAILER;
                        } else {
                            endOfStream();
                        }
                    }
                    break;
            }
        }
    }

    /**
     * What may still be produced now: the caller's room ({@code -1}: any), and never more than one byte past
     * {@code maxBuffered} waiting in {@code dst} (that byte, inflated but never committed, is the evidence of a
     * rejection).
     */
    private long room(EvBuffer dst, long callerRoom) {
        long limit = options.maxBuffered();
        if (limit == ZlibOptions.NO_LIMIT) {
            return callerRoom;
        }
        long buffered = Math.max(0, limit + 1 - dst.length());
        return callerRoom < 0 ? buffered : Math.min(callerRoom, buffered);
    }

    /** Inflates from the first source segment, at most {@code room} bytes (-1: any); true when the stream ended. */
    private boolean inflateSome(EvBuffer src, EvBuffer dst, long room) throws DataFormatException,
            ZipException {
        src.peek(-1, null, one);
        ByteBuffer view = one.view(0);
        int start = view.position();
        inflater.setInput(view);
        boolean ended = false;
        long produced = 0;
        try {
            while (true) {
                ByteBuffer out = dst.reserve(1);
                long most = room < 0 ? CHUNK : Math.min(CHUNK, room - produced);
                if (out.remaining() > most) {
                    out.limit((int) most);
                }
                int outStart = out.position();
                int n;
                try {
                    n = inflater.inflate(out);
                } catch (DataFormatException | RuntimeException e) {
                    dst.commit(0); // a reservation left pending would keep its segment out of the pool for good
                    throw e;
                }
                // only bytes within every limit are committed: what the peer sent past one is never delivered,
                // while everything before it is (the caller passes it on before reporting the rejection)
                long in = totalIn + (view.position() - start);
                int keep = (int) Math.min(n, headroom(in, dst));
                if (keep > 0 && crc != null) {
                    crc.update(out.duplicate().position(outStart).limit(outStart + keep));
                }
                dst.commit(keep);
                totalOut += keep;
                streamOut += keep;
                if (keep < n) {
                    checkLimits(in, totalOut + (n - keep), dst.length() + (n - keep)); // throws
                }
                if (inflater.finished()) {
                    ended = true;
                    break;
                }
                if (inflater.needsDictionary()) {
                    throw new ZipException("the zlib stream needs a preset dictionary, which this filter has not");
                }
                if (n == 0 && inflater.needsInput()) {
                    break;
                }
                produced += n;
                if (room >= 0 && produced >= room) {
                    break;
                }
            }
        } finally {
            int used = view.position() - start;
            totalIn += used;
            one.close();
            src.drain(used);
        }
        return ended;
    }

    /** Bytes that may still be added to {@code dst} within every limit, after {@code in} compressed bytes. */
    private long headroom(long in, EvBuffer dst) {
        long h = Math.min(options.maxInflated() - totalOut, options.maxBuffered() - dst.length());
        if (options.maxRatio() != ZlibOptions.NO_LIMIT) {
            h = Math.min(h, ratioAllowed(in) - totalOut);
        }
        return Math.max(0, h);
    }

    /** Output the ratio limit allows for {@code in} compressed bytes. */
    private long ratioAllowed(long in) {
        return in > (Long.MAX_VALUE - options.ratioSlack()) / options.maxRatio() ? Long.MAX_VALUE
                : in * options.maxRatio() + options.ratioSlack();
    }

    /**
     * Throws the limit that {@code out} bytes inflated in total from {@code in} compressed ones, with {@code buffered}
     * of them waiting in the destination, cross (the first of ratio, total, buffered); returns if none.
     */
    private void checkLimits(long in, long out, long buffered) throws DecompressionLimitException {
        if (options.maxRatio() != ZlibOptions.NO_LIMIT) {
            long allowed = ratioAllowed(in);
            if (out > allowed) {
                throw new DecompressionLimitException(DecompressionLimitException.Limit.RATIO,
                        "decompression limit exceeded: " + out + " bytes inflated from " + in
                                + " compressed bytes, over maxRatio " + options.maxRatio() + ":1 (+"
                                + options.ratioSlack() + " bytes slack); raise it, or remove it with"
                                + " ZlibOptions.maxRatio(ZlibOptions.NO_LIMIT, 0)");
            }
        }
        if (out > options.maxInflated()) {
            throw new DecompressionLimitException(DecompressionLimitException.Limit.TOTAL,
                    "decompression limit exceeded: inflated more than maxInflated " + options.maxInflated()
                            + " bytes in total; raise it with ZlibOptions.maxInflated(bytes) if the peer may send"
                            + " more");
        }
        if (buffered > options.maxBuffered()) {
            throw new DecompressionLimitException(DecompressionLimitException.Limit.BUFFERED,
                    "decompression limit exceeded: more than maxBuffered " + options.maxBuffered()
                            + " inflated bytes wait in the input, not taken by the application; drain the input in"
                            + " the read callback, keep a read high watermark of at most that on the zlib layer"
                            + " (Filters.zlib sets one; inflation then waits instead), or raise it with"
                            + " ZlibOptions.maxBuffered(bytes)");
        }
    }

    private void endOfStream() {
        inflater.reset();
        if (crc != null) {
            crc.reset();
        }
        streamOut = 0;
        inStream = false;
        state = gzip ? State.HEADER : State.BODY;
    }

    /** Parses and drains a gzip member header (RFC 1952 2.3); false when more bytes are needed. */
    private boolean readGzipHeader(EvBuffer src) throws ZipException {
        int have = (int) Math.min(src.length(), GZIP_MAX_HEADER);
        byte[] h = new byte[have];
        src.copyOut(h, 0, have);
        if (have >= 1 && (h[0] & 0xff) != 0x1f || have >= 2 && (h[1] & 0xff) != 0x8b) {
            throw new ZipException("not in gzip format: bad magic bytes");
        }
        if (have < 10) {
            return false;
        }
        if (h[2] != 8) {
            throw new ZipException("unsupported gzip compression method " + (h[2] & 0xff) + " (expected 8, deflate)");
        }
        int flags = h[3] & 0xff;
        if ((flags & 0xe0) != 0) {
            throw new ZipException("reserved gzip header flags set: 0x" + Integer.toHexString(flags));
        }
        int p = 10;
        if ((flags & 4) != 0) { // FEXTRA
            if (have < p + 2) {
                return more(have);
            }
            p += 2 + ((h[p] & 0xff) | (h[p + 1] & 0xff) << 8);
        }
        for (int bit : new int[] {8, 16}) { // FNAME, FCOMMENT: zero-terminated
            if ((flags & bit) != 0) {
                while (p < have && h[p] != 0) {
                    p++;
                }
                if (p >= have) {
                    return more(have);
                }
                p++;
            }
        }
        if ((flags & 2) != 0) { // FHCRC
            p += 2;
        }
        if (p > have) {
            return more(have);
        }
        src.drain(p);
        totalIn += p;
        return true;
    }

    private static boolean more(int have) throws ZipException {
        if (have >= GZIP_MAX_HEADER) {
            throw new ZipException("gzip header longer than " + GZIP_MAX_HEADER + " bytes");
        }
        return false;
    }

    private void readGzipTrailer(EvBuffer src) throws ZipException {
        byte[] t = new byte[8];
        src.remove(t, 0, 8);
        totalIn += 8;
        long wantCrc = (t[0] & 0xffL) | (t[1] & 0xffL) << 8 | (t[2] & 0xffL) << 16 | (t[3] & 0xffL) << 24;
        long wantSize = (t[4] & 0xffL) | (t[5] & 0xffL) << 8 | (t[6] & 0xffL) << 16 | (t[7] & 0xffL) << 24;
        if (wantCrc != crc.getValue()) {
            throw new ZipException("gzip CRC-32 mismatch: trailer says 0x" + Long.toHexString(wantCrc)
                    + ", data has 0x" + Long.toHexString(crc.getValue()));
        }
        if (wantSize != (streamOut & 0xffffffffL)) {
            throw new ZipException("gzip ISIZE mismatch: trailer says " + wantSize + ", data has "
                    + (streamOut & 0xffffffffL) + " (mod 2^32)");
        }
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        inflater.end();
    }

    /**
     * Compressed bytes consumed so far (all streams, framing included).
     *
     * @return the input bytes taken over the filter's life
     */
    public long bytesIn() {
        return totalIn;
    }

    /**
     * Bytes inflated so far (all streams).
     *
     * @return the output bytes produced over the filter's life
     */
    public long bytesOut() {
        return totalOut;
    }

    @Override
    public String toString() {
        return "InflateFilter[" + options + "]";
    }
}
