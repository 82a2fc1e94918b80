package io.jevent.bench;

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
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link DispatchBench} (libevent's {@code test/bench.c}) written as a Java user would without a library: one
 * {@link Selector}, a READ interest on the reading end of each pair, {@code selectNow(Consumer)} until the round's
 * bytes are read. Same rounds, same parameters, same one-byte reads and writes.
 *
 * <p>{@code pair = pipe} uses {@link Pipe#open()} (pipe(2) on Linux: the cheapest pair the JDK offers, comparable
 * with the AF_UNIX socketpairs of jevent's epoll and poll backends); {@code pair = tcp} uses loopback TCP
 * connections, as jevent's nio backend does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class NioDispatchBench {
    /** What a pair is: {@code pipe} or {@code tcp}. */
    @Param({"pipe"})
    public String pair;

    /** Pairs, each with a registered read interest (bench.c {@code -n}). */
    @Param({"100", "1000"})
    public int numPipes;

    /** Chains running at once (bench.c {@code -a}). */
    @Param({"1", "10"})
    public int active;

    /** Writes a round's callbacks make (bench.c {@code -w}). */
    @Param({"100"})
    public int writes;

    private Selector selector;
    private SelectableChannel[] readEnds;
    private WritableByteChannel[] writeEnds;
    private final ByteBuffer in = ByteBuffer.allocateDirect(1);
    private final ByteBuffer out = ByteBuffer.allocateDirect(1).put(0, (byte) 'e');
    private int count;
    private int fired;
    private int writesLeft;
    private long failures;
    private final Consumer<SelectionKey> onReady = this::onRead;

    @Setup
    public void setUp() throws IOException {
        selector = Selector.open();
        readEnds = new SelectableChannel[numPipes];
        writeEnds = new WritableByteChannel[numPipes];
        ServerSocketChannel server = null;
        if (pair.equals("tcp")) {
            server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        }
        for (int i = 0; i < numPipes; i++) {
            if (server == null) {
                Pipe p = Pipe.open();
                readEnds[i] = p.source();
                writeEnds[i] = p.sink();
            } else {
                SocketChannel w = SocketChannel.open(server.getLocalAddress());
                SocketChannel r = server.accept();
                w.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
                readEnds[i] = r;
                writeEnds[i] = w;
            }
            readEnds[i].configureBlocking(false);
            ((SelectableChannel) writeEnds[i]).configureBlocking(false);
            // the index as attachment: Integer objects made here, not per event
            readEnds[i].register(selector, SelectionKey.OP_READ, Integer.valueOf(i));
        }
        if (server != null) {
            server.close();
        }
        selector.selectNow();
    }

    @TearDown
    public void tearDown() throws IOException {
        selector.close();
        for (int i = 0; i < numPipes; i++) {
            readEnds[i].close();
            writeEnds[i].close();
        }
        if (failures != 0) {
            throw new IllegalStateException(failures + " failed one-byte reads or writes");
        }
    }

    @Benchmark
    public int round() throws IOException {
        fired = 0;
        int space = numPipes / active;
        for (int i = 0; i < active; i++) {
            writeOne(i * space);
            fired++;
        }
        count = 0;
        writesLeft = writes;
        do {
            selector.selectNow(onReady);
        } while (count != fired && failures == 0);
        if (failures != 0) {
            throw new IllegalStateException(failures + " failed one-byte reads or writes");
        }
        return count;
    }

    private void onRead(SelectionKey key) {
        int idx = (Integer) key.attachment();
        in.clear();
        int n;
        try {
            n = ((ReadableByteChannel) key.channel()).read(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n > 0) {
            count += n;
        } else {
            if (n < 0) {
                failures++;
            }
            return;
        }
        if (writesLeft > 0) {
            int widx = idx + 1;
            if (widx >= numPipes) {
                widx -= numPipes;
            }
            writeOne(widx);
            writesLeft--;
            fired++;
        }
    }

    private void writeOne(int idx) {
        out.clear();
        try {
            if (writeEnds[idx].write(out) != 1) {
                failures++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
