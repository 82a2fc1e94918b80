/**
 * Runnable examples of the public API, one class per example, started through {@link io.jevent.examples.Main}
 * ({@code java -jar jevent-examples.jar NAME}; {@code --help} lists them). They use nothing private, so they double
 * as documentation.
 *
 * <p>The command line is shared ({@link io.jevent.examples.Args}, {@link io.jevent.examples.Usage}): every example
 * prints its usage (what it does, its options with their defaults) on stdout for {@code --help} and exits 0; an unknown
 * option or a bad value prints the error and the usage on stderr and exits 2; a backend that is unknown or cannot run
 * here ({@code --backend kqueue} on Linux) is one line on stderr and exit 2, without a stack trace.
 *
 * <ul>
 * <li>{@code demo}: the low-level loop (timers, a socket pair, a common timeout, a signal, a cross-thread task).</li>
 * <li>{@code quickstart}: the README's low-level example (a socket pair, an EvBuffer, a cross-thread task), kept here
 * so that it always compiles and runs.</li>
 * <li>{@code echo-server} ({@link io.jevent.examples.EchoServer}): BufferEvents and a Listener; the server stops
 * reading from a connection whose output is over a high watermark and resumes when it is writable again at the low
 * one, so a client that does not read costs at most {@code high + one read} bytes. {@code --tls CERT KEY},
 * {@code --zlib} and {@code --rate BYTES_PER_SEC} put every connection behind the filter chain
 * {@code rateLimit(zlib(tls(socket)))} ({@link io.jevent.examples.ChainSpec}, {@link io.jevent.examples.Chain}).
 * {@code --self-test CONNS BYTES}
 * runs {@link io.jevent.examples.EchoLoad} against it on the same loop: deterministic data per connection
 * ({@link io.jevent.examples.PatternStream}), random write sizes, every byte checked, a bounded window in
 * flight. Idle and TLS-handshake timeouts (60 s and 10 s by default, {@code --idle-timeout},
 * {@code --handshake-timeout}) close connections that say nothing, stop reading or never finish a handshake.</li>
 * <li>{@code relay} ({@link io.jevent.examples.Relay}): two BufferEvents per connection, bytes moved by relinking
 * segments ({@code output().addBuffer(input())}), backpressure in both directions through the same watermark
 * rule, EOF passed on as a half-close once the other side's output has drained; a session with no bytes moving
 * either way for the idle timeout ({@code --idle-timeout}, 60 s) is closed.</li>
 * <li>{@code tls-client} ({@link io.jevent.examples.TlsClient}): {@code Filters.tls} over a SocketBufferEvent; prints
 * what the server sends until its close_notify, and exits non-zero with the cause on an ERROR (a rejected
 * certificate, a truncated connection).</li>
 * <li>{@code fetch} ({@link io.jevent.examples.Fetch}): many {@code http://} and {@code file://} documents at once on
 * one loop thread, at most {@code --parallel N} transfers running; host names through the base's default resolver
 * ({@code --nameserver IP:PORT} installs a stub resolver on those servers); HTTP/1.1 through {@code HttpGet} (bodies
 * read into preallocated buffers with {@code BufferEvent.readInto}, at most {@code --max-body} bytes), files through
 * {@code FileGet} ({@code FileBufferEvent}); saving ({@code --out DIR}) on a helper thread.</li>
 * </ul>
 * {@code echo-server --loops N} ({@code MultiLoopEchoServer}) runs the same server on an
 * {@link io.jevent.EventBaseGroup} of N loops ({@code --reuseport}: a listener per loop).
 *
 * <p>{@code EchoServer}, {@code EchoLoad} and {@code Relay} are reusable classes that run on a caller's base, so the
 * tests start them in-process on every backend. Only the command methods ({@code run}) print.
 */
package io.jevent.examples;
