package io.jevent.buffer;

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

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The baseline of {@link SocketBench}: the same op (pass {@link #size} bytes through a connected socket pair,
 * writes and reads alternating until all have arrived) written with plain NIO: one direct ByteBuffer of
 * {@code size} bytes written with {@code SocketChannel.write}, another read with {@code SocketChannel.read}, both
 * non-blocking, then both cleared. {@code unix} is an AF_UNIX pair (JDK 16+ {@link UnixDomainSocketAddress}), the
 * kind of socket epoll and poll measure over; {@code tcp} is a loopback TCP pair with TCP_NODELAY, the kind nio's
 * socketPair makes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class NioSocketBaselineBench {
    /** The kind of socket pair. */
    @Param({"unix", "tcp"})
    public String transport;

    /** Bytes per op. */
    @Param({"16384", "262144"})
    public int size;

    private SocketChannel writeEnd;
    private SocketChannel readEnd;
    private ByteBuffer src;
    private ByteBuffer dst;
    private Path socketDir;

    @Setup
    public void setUp() throws IOException {
        ServerSocketChannel listener;
        if (transport.equals("unix")) {
            socketDir = Files.createTempDirectory("jevent-bench");
            listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            listener.bind(UnixDomainSocketAddress.of(socketDir.resolve("s")));
        } else if (transport.equals("tcp")) {
            listener = ServerSocketChannel.open();
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } else {
            throw new IllegalArgumentException("expected transport unix or tcp, got " + transport);
        }
        try (listener) {
            writeEnd = SocketChannel.open(listener.getLocalAddress());
            readEnd = listener.accept();
        }
        for (SocketChannel c : new SocketChannel[] {writeEnd, readEnd}) {
            c.configureBlocking(false);
            if (transport.equals("tcp")) {
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
        }
        src = ByteBuffer.allocateDirect(size);
        while (src.hasRemaining()) {
            src.put((byte) 'z');
        }
        src.flip();
        dst = ByteBuffer.allocateDirect(size);
    }

    @TearDown
    public void tearDown() throws IOException {
        writeEnd.close();
        readEnd.close();
        if (socketDir != null) {
            Files.deleteIfExists(socketDir.resolve("s"));
            Files.deleteIfExists(socketDir);
        }
    }

    @Benchmark
    public int transfer() throws IOException {
        while (dst.hasRemaining()) {
            if (src.hasRemaining()) {
                writeEnd.write(src);
            }
            if (readEnd.read(dst) < 0) {
                throw new IllegalStateException("unexpected end of stream after " + dst.position() + " bytes");
            }
        }
        int n = dst.position();
        src.clear();
        dst.clear();
        return n;
    }
}
