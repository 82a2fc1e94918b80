package io.jevent.bufferevent;

import io.jevent.buffer.EvBuffer;

/**
 * Transforms bytes on their way through a {@link FilterBufferEvent}: an input filter from the underlying
 * BufferEvent's input to the filter's input, an output filter from the filter's output to the underlying's
 * output (libevent's {@code bufferevent_filter_cb}). TLS, zlib and rate limiting are filters, so they stack in
 * any order. Called on the loop thread only.
 */
@FunctionalInterface
public interface Filter {
    /**
     * Moves bytes from {@code src} to {@code dst}, transformed.
     *
     * @param src where to take bytes from (drain what was consumed)
     * @param dst where to put the result
     * @param dstLimit how many bytes {@code dst} should receive at most (a watermark), or -1 for no limit; a
     *     filter may exceed it by one unit of output (a record, a block) rather than split it
     * @param mode {@link FlushMode#NORMAL} while data flows, {@link FlushMode#FLUSH} to push out what is held,
     *     {@link FlushMode#FINISHED} at the end of the stream (output: close_notify, zlib trailer; input: the peer
     *     sent end of stream, so a missing trailer is now an error). An input filter stopped by {@code dstLimit} with
     *     bytes left in {@code src} is offered FINISHED again once the reader has drained, so at FINISHED it should
     *     fail only on what it cannot ever turn into output, not on what the limit held back
     * @return {@link FilterResult#OK} when output was produced or nothing was left to do,
     *     {@link FilterResult#NEED_MORE} when more input is needed first, {@link FilterResult#ERROR} when the input
     *     cannot be processed ({@link #failure()} says why)
     */
    FilterResult process(EvBuffer src, EvBuffer dst, long dstLimit, FlushMode mode);

    /**
     * Why the last call returned {@link FilterResult#ERROR}; attached to the ERROR event.
     *
     * @return the cause, or null when none is known (the default)
     */
    default Throwable failure() {
        return null;
    }

    /** Releases what the filter holds (a Deflater, an SSLEngine); called once when the BufferEvent closes. */
    default void close() {
    }

    /**
     * A filter that moves every byte unchanged.
     *
     * @return a stateless filter that moves bytes from {@code src} to {@code dst}, at most {@code dstLimit} of them
     *     when that is not -1, and always answers {@link FilterResult#OK}
     */
    static Filter passThrough() {
        return (src, dst, limit, mode) -> {
            long n = limit < 0 ? src.length() : Math.min(src.length(), Math.max(limit, 0));
            src.removeBuffer(dst, n);
            return FilterResult.OK;
        };
    }
}
