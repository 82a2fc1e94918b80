/**
 * JMH benchmarks of {@link io.jevent.buffer.EvBuffer}, each against the code a Java user would otherwise write:
 * a {@link java.io.ByteArrayOutputStream} or a heap {@link java.nio.ByteBuffer}, a hand-written scan over a
 * {@code byte[]}, Netty's pooled {@code ByteBuf} and {@code CompositeByteBuf}, plain NIO {@code SocketChannel}s.
 * The package mirrors the code measured ({@code core}'s {@code io.jevent.buffer}), but the benchmarks use only
 * EvBuffer's public API: they measure what a user gets.
 *
 * <ul>
 *   <li>{@link io.jevent.buffer.AddDrainBench}: append 1 KiB pieces, consume them from the front.</li>
 *   <li>{@link io.jevent.buffer.ReadLineBench}: split HTTP-style headers that arrived in several reads into
 *       lines with {@code readLine(Eol.CRLF)}.</li>
 *   <li>{@link io.jevent.buffer.SearchBench}: find a pattern that straddles a segment boundary.</li>
 *   <li>{@link io.jevent.buffer.AddBufferBench}: move a multi-segment buffer to another and back.</li>
 *   <li>{@link io.jevent.buffer.SocketBench} and {@link io.jevent.buffer.NioSocketBaselineBench}: pass 16 KiB or
 *       256 KiB through a socket pair, with {@code writeTo}/{@code readFrom} on every backend, and with plain
 *       {@code SocketChannel.write/read} of a direct buffer.</li>
 * </ul>
 *
 * <p>State is {@code Scope.Thread}: an EvBuffer is confined to one thread, and the segment pool's per-thread cache
 * then serves every take and return, which is the case the "no allocation" promise is about. The pooled paths
 * (add, drain, addBuffer, writeTo, readFrom) should read {@code gc.alloc.rate.norm} ≈ 0 B/op under
 * {@code -prof gc}; readLine and search return new objects by contract (a {@code ReadLine} with its
 * {@code byte[]}, a {@code BufferPtr}). Netty's leak detector is disabled in the forked JVM (as in Netty's own
 * microbenchmarks): at its default level it samples allocations and records stack traces, which would be charged
 * to the Netty baselines.
 *
 * <p>How to run them: {@code benchmarks/README.md}; the figures: {@code docs/benchmarks-evbuffer.md}.
 */
package io.jevent.buffer;
