package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FilterBufferEvent;

/**
 * Factories for the layers of a filter chain. Each wraps an underlying {@link BufferEvent} (a socket, a pair, or
 * another layer) and returns the new top; use the top only, as with libevent's filters. With
 * {@link BevOption#CLOSE_ON_FREE} closing the top closes the whole chain.
 *
 * <pre>{@code
 * BufferEvent sock = SocketBufferEvent.create(base, handle, BevOption.CLOSE_ON_FREE);
 * BufferEvent z = Filters.zlib(sock, ZlibOptions.defaults().interactive(true), BevOption.CLOSE_ON_FREE);
 * BufferEvent top = Filters.rateLimit(z, TokenBucketConfig.perSecond(200 << 10, 64 << 10), BevOption.CLOSE_ON_FREE);
 * }</pre>
 */
public final class Filters {
    private Filters() {
    }

    /**
     * A zlib layer: what is written to the returned BufferEvent is deflated into {@code underlying}, what
     * {@code underlying} reads is inflated into the returned one's input.
     *
     * <p>The layer starts with a read high watermark of {@link ZlibOptions#maxBuffered()} (unless that is
     * {@link ZlibOptions#NO_LIMIT}): inflation pauses while that much waits in its input and goes on as the
     * application drains it, so however well the peer's data compresses, the application gets it in pieces of at
     * most that size and memory stays bounded. {@code setWatermark(Ev.READ, low, high)} replaces it; a high
     * watermark of 0 (none) or above {@code maxBuffered} makes that limit a rejection instead (see
     * {@link ZlibOptions}).
     *
     * @param underlying the BufferEvent carrying the compressed stream
     * @param options format, level, flushing, decompression limits
     * @param bevOptions {@link BevOption} bits for the new layer
     * @return the new top of the chain, carrying the uncompressed bytes
     */
    public static FilterBufferEvent zlib(BufferEvent underlying, ZlibOptions options, int bevOptions) {
        FilterBufferEvent z = FilterBufferEvent.create(underlying, new InflateFilter(options),
                new DeflateFilter(options), bevOptions);
        if (options.maxBuffered() != ZlibOptions.NO_LIMIT) {
            z.setWatermark(Ev.READ, 0, options.maxBuffered());
        }
        return z;
    }

    /**
     * A rate-limit layer: bytes pass unchanged in both directions, at most {@code cfg}'s rates. Unlike
     * {@link RateLimits#set} (which meters the bytes a BufferEvent's own engine moves) this can sit anywhere in a
     * chain: {@code rateLimit(tls(socket))} limits plaintext, {@code tls(rateLimit(socket))} limits ciphertext.
     *
     * @param underlying the BufferEvent the limited bytes go to and come from
     * @param cfg the rates and bursts of the layer's own bucket
     * @param bevOptions {@link BevOption} bits for the new layer
     * @return the new top of the chain
     * @throws NullPointerException if {@code cfg} is {@code null}
     */
    public static FilterBufferEvent rateLimit(BufferEvent underlying, TokenBucketConfig cfg, int bevOptions) {
        RateLimitLayer layer = new RateLimitLayer(java.util.Objects.requireNonNull(cfg, "cfg"));
        FilterBufferEvent top = FilterBufferEvent.create(underlying, layer.input, layer.output, bevOptions);
        layer.bind(top);
        return top;
    }

    /**
     * A TLS layer over {@code underlying} (see {@link TlsBufferEvent}): {@code tls(socket, ctx,
     * TlsOptions.client("example.org"), BevOption.CLOSE_ON_FREE)}.
     *
     * @param underlying the BufferEvent carrying the ciphertext; not closed
     * @param context makes the engine; a context shared by many connections also lets sessions resume
     * @param tls client or server mode and the engine settings
     * @param bevOptions {@link BevOption} bits for the new layer
     * @return the new top of the chain, carrying the plaintext
     * @see TlsBufferEvent#create(BufferEvent, javax.net.ssl.SSLContext, TlsOptions, int)
     */
    public static TlsBufferEvent tls(BufferEvent underlying, javax.net.ssl.SSLContext context, TlsOptions tls,
                                     int bevOptions) {
        return TlsBufferEvent.create(underlying, context, tls, bevOptions);
    }
}
