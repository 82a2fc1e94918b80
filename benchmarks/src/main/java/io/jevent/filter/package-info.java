/**
 * JMH benchmarks of the filter layers ({@code bufferevent}'s {@code io.jevent.filter}), each against what a Java
 * user would otherwise use: Netty 4.2's {@code SslHandler} on the JDK provider for TLS, and the JDK's
 * {@code Deflater}/{@code Inflater} and their streams for zlib.
 *
 * <ul>
 *   <li>{@link io.jevent.filter.TlsEchoBench}: 16 MiB streamed in 16 KiB writes through a loopback echo, client
 *       and server on their own loop threads ({@link io.jevent.filter.JeventEchoRig},
 *       {@link io.jevent.filter.NettyEchoRig}), TLS 1.3 AES-128-GCM or plaintext, epoll or NIO. Both rigs are
 *       driven by the same {@link io.jevent.filter.EchoProgress}: at most 256 KiB in flight.</li>
 *   <li>{@link io.jevent.filter.ZlibBench}: 16 MiB of {@link io.jevent.filter.LogText} deflated and inflated in
 *       16 KiB pieces, bulk ({@code NO_FLUSH}) or sync-flushed per piece (the filter's default).</li>
 * </ul>
 *
 * <p>Everything is measured as ms per 16 MiB ({@code AverageTime}); throughput is {@code 16 / (ms/op / 1000)}
 * MiB/s. The TLS rigs are {@code Scope.Benchmark} state with their own threads; the benchmark thread only starts
 * an op on the client loop and waits for its end, so {@code -prof gc}'s B/op covers all threads of the JVM
 * (client, server, benchmark). Certificates are made with the {@code openssl} CLI at set-up
 * ({@link io.jevent.filter.BenchCerts}), so it must be on the PATH. Netty's leak detector is disabled in the
 * forked JVM, as in the {@code io.jevent.buffer} benchmarks.
 *
 * <p>How to run them: {@code benchmarks/README.md}; the figures: {@code docs/benchmarks-filters.md}.
 */
package io.jevent.filter;
