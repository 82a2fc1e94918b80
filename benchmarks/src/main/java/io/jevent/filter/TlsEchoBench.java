package io.jevent.filter;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * TLS echo throughput: one op streams {@link #MIB} MiB in 16 KiB writes from a client through an echo server
 * and back, over one loopback TCP connection, client and server each on its own event-loop thread (so every byte
 * is encrypted and decrypted twice: client → server, server → client). The connection and the handshake are made
 * at trial set-up, outside the ops. MiB/s = {@code MIB / (ms/op / 1000)}.
 *
 * <ul>
 * <li>{@code stack = jevent}: {@link JeventEchoRig}, {@link TlsBufferEvent} over {@code SocketBufferEvent} on
 * the {@code backend} (an EventBase per side).</li>
 * <li>{@code stack = netty}: {@link NettyEchoRig}, Netty 4.2 {@code SslHandler} with {@code SslProvider.JDK}
 * on the {@code backend}'s transport (epoll or NIO; an EventLoopGroup of one thread per side).</li>
 * <li>{@code security = plain}: the same without TLS, the ceiling for each.</li>
 * </ul>
 * Both stacks use TLS 1.3 with {@code TLS_AES_128_GCM_SHA256} only, JDK provider ({@link BenchCerts}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
@State(Scope.Benchmark)
public class TlsEchoBench {
    /** MiB echoed per op. */
    public static final int MIB = 16;

    /** jevent's backend, or Netty's transport of the same name. */
    @Param({"epoll", "nio"})
    public String backend;

    /** Which library. */
    @Param({"jevent", "netty"})
    public String stack;

    /** TLS or the plaintext ceiling. */
    @Param({"tls", "plain"})
    public String security;

    private BenchCerts certs;
    private EchoRig rig;

    @Setup
    public void setUp() throws Exception {
        boolean tls = security.equals("tls");
        if (!tls && !security.equals("plain")) {
            throw new IllegalArgumentException("expected security tls or plain, got " + security);
        }
        certs = BenchCerts.make();
        switch (stack) {
            case "jevent":
                rig = new JeventEchoRig(backend, tls ? certs.serverContext() : null,
                        tls ? certs.clientContext() : null);
                break;
            case "netty":
                rig = new NettyEchoRig(backend, certs, tls);
                break;
            default:
                throw new IllegalArgumentException("expected stack jevent or netty, got " + stack);
        }
    }

    @TearDown
    public void tearDown() throws Exception {
        rig.close();
        certs.delete();
    }

    @Benchmark
    public void echo16MiB() throws InterruptedException {
        rig.echo((long) MIB << 20);
    }
}
