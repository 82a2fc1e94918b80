package io.jevent.buffer;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
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
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * EvBuffer's socket I/O: one op passes {@link #size} bytes from buffer {@code out} through a socket pair into buffer
 * {@code in}, with {@code out.writeTo} (one writev or gathering write per call) and {@code in.readFrom} (one readv
 * or scattering read per call) alternating until every byte has arrived; then {@code out.addBuffer(in)} moves them
 * back (no copy), so every op starts alike. The pair is {@code base.netOps().socketPair()}: socketpair(2)
 * (AF_UNIX) for epoll and poll, a loopback TCP pair with TCP_NODELAY for nio; compare epoll and poll with
 * {@link NioSocketBaselineBench}'s {@code unix} figure and nio with its {@code tcp} figure. No event loop runs:
 * the calls are made in a busy loop on the benchmark thread, so this is the cost of the calls and the copies in
 * the kernel, not of waiting for readiness. 256 KiB exceeds what one write puts into the socket, so that size takes
 * several rounds; because every write is followed by a read, none was seen to return would-block (the tear-down
 * prints the count per op).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SocketBench {
    /** The backend whose NetOps and socket pair are used. */
    @Param({"epoll", "poll", "nio"})
    public String backend;

    /** Bytes per op. */
    @Param({"16384", "262144"})
    public int size;

    private EventBase base;
    private NetOps net;
    private Handle writeEnd;
    private Handle readEnd;
    private EvBuffer out;
    private EvBuffer in;
    /** writeTo calls that returned would-block, and ops, for the tear-down line. */
    private long blockedWrites;
    private long ops;

    @Setup
    public void setUp() throws IOException {
        base = EventBase.create(new EventConfig().method(backend).ignoreEnvironment(true));
        if (!base.method().equals(backend)) {
            String got = base.method();
            base.close();
            throw new IllegalStateException("asked for backend " + backend + ", got " + got);
        }
        net = base.netOps();
        Handle[] pair = net.socketPair();
        writeEnd = pair[0];
        readEnd = pair[1];
        out = new EvBuffer();
        in = new EvBuffer();
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, (byte) 'z');
        out.add(bytes, 0, size);
    }

    @TearDown
    public void tearDown() throws IOException {
        if (out.length() != size || in.length() != 0) {
            throw new IllegalStateException("after an op: out " + out + ", in " + in + ", expected out = " + size);
        }
        out.drain(size);
        net.close(writeEnd);
        net.close(readEnd);
        base.close();
        System.out.printf("%nSocketBench[%s, %d]: %.2f would-block writes per op%n", backend, size,
                ops == 0 ? 0.0 : (double) blockedWrites / ops);
    }

    @Benchmark
    public long transfer() throws IOException {
        long received = 0;
        while (received < size) {
            if (out.length() > 0) {
                long w = out.writeTo(writeEnd, net);
                if (w == NetOps.WOULD_BLOCK) {
                    blockedWrites++;
                }
            }
            long r = in.readFrom(readEnd, net, (int) (size - received));
            if (r == 0) {
                throw new IllegalStateException("unexpected end of stream after " + received + " bytes");
            }
            if (r > 0) {
                received += r;
            }
        }
        out.addBuffer(in);
        ops++;
        return received;
    }
}
