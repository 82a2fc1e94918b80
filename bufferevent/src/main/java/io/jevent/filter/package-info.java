/**
 * Filter chains: zlib, rate limiting and TLS, stackable in any order over any
 * {@link io.jevent.bufferevent.BufferEvent} (the features Tor asked libevent for).
 *
 * <h2>Design note</h2>
 * <ul>
 * <li><b>zlib</b> is a pair of {@link io.jevent.bufferevent.Filter}s ({@link io.jevent.filter.DeflateFilter},
 * {@link io.jevent.filter.InflateFilter}) on a {@link io.jevent.bufferevent.FilterBufferEvent}: it really is two
 * independent byte transforms. Input and output go straight between pooled segments (peek views in, reserved
 * space out), never through byte arrays. Formats ZLIB, RAW and GZIP (header and CRC-32/ISIZE trailer written and
 * checked here, around a raw {@link java.util.zip.Deflater}). Flush: NORMAL = {@code SYNC_FLUSH} per batch
 * (or {@code NO_FLUSH} with {@link io.jevent.filter.ZlibOptions#interactive(boolean) interactive(false)}), FLUSH =
 * {@code SYNC_FLUSH}, FINISHED = {@code FINISH}. Memory for inflated data is bounded by backpressure, not by a
 * ratio (ordinary data reaches high ratios): {@link io.jevent.filter.Filters#zlib} gives the layer a read high
 * watermark of {@link io.jevent.filter.ZlibOptions#maxBuffered()}, the inflater stops exactly at the room the
 * FilterBufferEvent gives it, and the socket below is suspended until the application drains. Where nothing holds
 * the output back, inflating past {@code maxBuffered} is an ERROR carrying a
 * {@link io.jevent.filter.DecompressionLimitException}; so are the optional total and ratio limits, checked on
 * every chunk before it is committed, so no byte past a limit is ever delivered (those before it are, then the
 * ERROR). The memory a bomb costs is bounded by the limit, not by the bomb.</li>
 * <li><b>Rate limits</b> follow libevent's {@code bufferevent_ratelim.c}: token buckets refilled per tick
 * ({@link io.jevent.filter.TokenBucketConfig}), computed from the clock when looked at, so a late timer loses no
 * tokens; the grant up to tick {@code n} is {@code ceil(n * rate / ticksPerPeriod)} in saturating arithmetic, so a
 * rate per second is kept exactly in 50 ms ticks. A BufferEvent's engine asks {@link io.jevent.bufferevent.BufferEvent.RateLimiter} for a quota before
 * each read/write; when a bucket runs dry the direction is suspended ({@code SUSPEND_BANDWIDTH} or
 * {@code SUSPEND_GROUP}, never touching what the user enabled) and a timer lifts the suspension at the next tick.
 * {@link io.jevent.filter.RateLimitGroup} divides the tokens it holds at each tick into equal shares, at least a
 * minimum share, re-divides them whenever a member joins or leaves, and resumes members from a random start. {@link io.jevent.filter.Filters#rateLimit} is the same bucket
 * as a Filter pair, for a limit anywhere in a chain. The hook lives in {@code BufferEvent} as an interface so
 * {@code io.jevent.bufferevent} does not depend on this package.</li>
 * <li><b>TLS</b> is its own engine, {@link io.jevent.filter.TlsBufferEvent}, not a Filter: reading may need to
 * write (handshake, key update), CONNECTED waits for the handshake, and close_notify decides whether an EOF is
 * clean. Delegated tasks run on an executor and the handshake resumes on the loop via {@code base.execute}.
 * Nothing is allocated per record and no buffer is kept per connection: the JDK engine wants a destination of
 * the whole packet size (16,709 bytes) for every wrap, larger than a pooled segment, so records are encrypted into
 * one direct packet scratch per loop thread and copied into the underlying output's segments; a record is
 * decrypted in place from the underlying input, or from that scratch when it spans segments, into reserved input
 * segments ({@code TlsRecords}). Under a read high watermark a record's plaintext that does not fit is held back
 * and delivered as the user drains, so the input never passes the watermark.
 * {@link io.jevent.filter.TlsContexts} builds SSLContexts from PEM (chain + PKCS#8 key) or PKCS#12.</li>
 * <li><b>Closing a chain</b> with {@link io.jevent.bufferevent.BevOption#CLOSE_ON_FREE} closes every layer. TLS
 * sends close_notify and keeps the layers below open until it has left the bottom BufferEvent (at most 10 s).</li>
 * </ul>
 * Everything here is confined to the loop thread, like the BufferEvents it sits on.
 */
package io.jevent.filter;
