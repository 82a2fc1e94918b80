package io.jevent.filter;

import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Loan;
import io.jevent.bufferevent.Filter;
import io.jevent.bufferevent.FilterResult;
import io.jevent.bufferevent.FlushMode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * The output half of a zlib filter: compresses what the user writes with {@link Deflater}, straight from the
 * source buffer's segments into segments reserved in the destination (no intermediate arrays).
 *
 * <p>Flush: {@link FlushMode#NORMAL} compresses with {@code NO_FLUSH} (or {@code SYNC_FLUSH} when
 * {@link ZlibOptions#interactive()}), {@link FlushMode#FLUSH} with {@code SYNC_FLUSH}, {@link FlushMode#FINISHED}
 * ends the stream ({@code FINISH}, plus the gzip trailer). Data written after the end starts a new stream (a new
 * gzip member), which {@link InflateFilter} accepts. Loop thread only, like every filter.
 */
public final class DeflateFilter implements Filter {
    private static final int CHUNK = 16 * 1024;
    /** The gzip member header we write: magic, deflate, no flags, no mtime, no extra flags, OS unknown. */
    private static final byte[] GZIP_HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

    private final ZlibOptions options;
    private final Deflater deflater;
    private final CRC32 crc;
    /** True between the first byte of a stream and its FINISH; a FINISHED with nothing started writes nothing. */
    private boolean started;
    private long inputBytes;
    private Throwable failure;
    /** Lends the source view for one deflate pass, back once its bytes are consumed. */
    private final Loan one = new Loan(1);

    /**
     * A deflating output filter with {@code options}.
     *
     * @param options the framing and compression level, and whether each batch is sync-flushed
     * @throws NullPointerException if {@code options} is {@code null}
     */
    public DeflateFilter(ZlibOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.deflater = new Deflater(options.level(), options.format() != ZlibFormat.ZLIB);
        this.crc = options.format() == ZlibFormat.GZIP ? new CRC32() : null;
    }

    @Override
    public FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode) {
        if (failure != null) {
            return FilterResult.ERROR;
        }
        try {
            long before = dst.length();
            while (src.length() > 0) {
                if (dstLimit >= 0 && dst.length() - before >= dstLimit) {
                    return FilterResult.OK; // the rest waits until the underlying output drains
                }
                startIfNeeded(dst);
                src.peek(-1, null, one);
                ByteBuffer view = one.view(0);
                int start = view.position();
                if (crc != null) {
                    crc.update(view.duplicate());
                }
                int used;
                try {
                    deflater.setInput(view);
                    while (!deflater.needsInput()) {
                        deflateInto(dst, Deflater.NO_FLUSH);
                    }
                } finally {
                    used = view.position() - start;
                    one.close(); // a loan left open would keep its segment out of the pool for good
                }
                inputBytes += used;
                src.drain(used);
            }
            if (!started) {
                return FilterResult.OK;
            }
            if (mode == FlushMode.FINISHED) {
                finish(dst);
            } else if (mode == FlushMode.FLUSH || options.interactive()) {
                while (deflateInto(dst, Deflater.SYNC_FLUSH)) {
                    // a full chunk: there may be more
                }
            }
            return FilterResult.OK;
        } catch (RuntimeException e) {
            failure = e;
            return FilterResult.ERROR;
        }
    }

    private void startIfNeeded(EvBuffer dst) {
        if (!started) {
            started = true;
            if (crc != null) {
                dst.add(GZIP_HEADER);
            }
        }
    }

    private void finish(EvBuffer dst) {
        deflater.finish();
        while (!deflater.finished()) {
            deflateInto(dst, Deflater.NO_FLUSH);
        }
        if (crc != null) {
            ByteBuffer trailer = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            trailer.putInt((int) crc.getValue()).putInt((int) inputBytes).flip();
            dst.add(trailer);
            crc.reset();
        }
        deflater.reset();
        inputBytes = 0;
        started = false;
    }

    /** Deflates into reserved space; returns true when the chunk was filled (more output may be pending). */
    private boolean deflateInto(EvBuffer dst, int flush) {
        ByteBuffer out = dst.reserve(1);
        if (out.remaining() > CHUNK * 4) {
            out.limit(CHUNK * 4);
        }
        int room = out.remaining();
        int n;
        try {
            n = deflater.deflate(out, flush);
        } catch (RuntimeException e) {
            dst.commit(0); // as for a loan: a pending reservation would keep its segment out of the pool
            throw e;
        }
        dst.commit(n);
        return n == room;
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        deflater.end();
    }

    /**
     * Bytes of input taken by the deflater in the current stream.
     *
     * @return the uncompressed bytes deflated since the stream began
     */
    public long bytesIn() {
        return deflater.getBytesRead();
    }

    /**
     * Compressed bytes produced in the current stream (without gzip framing).
     *
     * @return the deflate output bytes since the stream began, gzip header and trailer not counted
     */
    public long bytesOut() {
        return deflater.getBytesWritten();
    }

    @Override
    public String toString() {
        return "DeflateFilter[" + options + "]";
    }
}
