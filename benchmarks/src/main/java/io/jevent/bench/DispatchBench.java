package io.jevent.bench;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
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
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * libevent's {@code test/bench.c} (Niels Provos, with Davide Libenzi's chained writes) on jevent: the time to
 * dispatch a chain of reads over {@code numPipes} socket pairs of which only a few are busy at a time, which shows
 * how a backend's cost grows with registered-but-idle descriptors (poll(2) scans them all, epoll does not).
 *
 * <p>Setup: {@code numPipes} pairs from {@code base.netOps().socketPair()} (socketpair(2) for epoll and poll, a
 * loopback TCP pair for nio), and one {@code READ | PERSIST} event on the reading end of each, added once and kept
 * for the whole trial (bench.c re-adds them before each round, outside its timed region; here they simply stay).
 *
 * <p>One op is one of bench.c's rounds:
 * <ol>
 *   <li>reset the counters; write one byte into {@code active} pipes spaced {@code numPipes / active} apart
 *       (each counts as fired);</li>
 *   <li>run {@code loop(ONCE | NONBLOCK)} until every byte fired has been read. Each read callback reads one byte
 *       and, while the round's budget of {@code writes} lasts, writes one byte into the next pipe
 *       ({@code idx + 1}, wrapping at {@code numPipes}) and counts it as fired.</li>
 * </ol>
 * So a round dispatches {@code active + writes} read callbacks and does as many one-byte writes, in about
 * {@code writes / active + 1} loop passes, each of which polls the whole set. Unlike bench.c, the writes of step 1
 * fall inside the measured time (a few µs in a round of hundreds).
 *
 * <p>Allocation: a round is meant to allocate nothing; one-byte direct buffers are reused.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class DispatchBench {
    /** The backend measured. */
    @Param({"epoll", "poll", "nio"})
    public String backend;

    /** Socket pairs, each with a pending read event (bench.c {@code -n}). */
    @Param({"100", "1000"})
    public int numPipes;

    /** Chains running at once: pipes written at the start of a round (bench.c {@code -a}). */
    @Param({"1", "10"})
    public int active;

    /** Writes a round's callbacks make, shared by all chains (bench.c {@code -w}). */
    @Param({"100"})
    public int writes;

    private EventBase base;
    private NetOps net;
    private Handle[] readEnds;
    private Handle[] writeEnds;
    private Event[] events;

    /** One-byte buffer reads land in; read as {@code oneIn[0]}. */
    private final ByteBuffer[] oneIn = {ByteBuffer.allocateDirect(1)};
    /** One byte, 'e' as in bench.c, written from {@code oneOut[0]}. */
    private final ByteBuffer[] oneOut = {ByteBuffer.allocateDirect(1).put(0, (byte) 'e')};

    /** Bytes read this round (bench.c {@code count}). */
    private int count;
    /** Bytes written this round (bench.c {@code fired}). */
    private int fired;
    /** Writes the callbacks may still make this round (bench.c {@code writes}). */
    private int writesLeft;
    /** Reads that met would-block or end of stream, and writes that did not write one byte; must stay 0. */
    private long failures;
    /** Read callbacks that found nothing to read (a spurious wake-up); reported at tear-down. */
    private long spurious;

    @Setup
    public void setUp() throws IOException {
        if (active < 1 || active > numPipes) {
            throw new IllegalArgumentException("expected 1 <= active <= numPipes (" + numPipes + "), got " + active);
        }
        base = Bases.open(backend);
        net = base.netOps();
        readEnds = new Handle[numPipes];
        writeEnds = new Handle[numPipes];
        events = new Event[numPipes];
        for (int i = 0; i < numPipes; i++) {
            Handle[] pair = net.socketPair();
            readEnds[i] = pair[0];
            writeEnds[i] = pair[1];
            int idx = i;
            events[i] = base.newEvent(pair[0], Ev.READ | Ev.PERSIST, (ev, what) -> onRead(idx));
            events[i].add();
        }
        base.loop(LoopFlag.ONCE | LoopFlag.NONBLOCK); // registers everything before the first round
    }

    @TearDown
    public void tearDown() throws IOException {
        for (Event e : events) {
            if (e != null) {
                e.close();
            }
        }
        base.close();
        for (int i = 0; i < numPipes; i++) {
            if (readEnds[i] != null) {
                net.close(readEnds[i]);
                net.close(writeEnds[i]);
            }
        }
        if (spurious != 0) {
            System.out.println("DispatchBench[" + backend + "]: " + spurious + " spurious read wake-ups");
        }
        if (failures != 0) {
            throw new IllegalStateException(failures + " failed one-byte reads or writes on " + backend);
        }
    }

    /** One round of bench.c's {@code run_once}; returns the bytes read, {@code active + writes}. */
    @Benchmark
    public int round() {
        fired = 0;
        int space = numPipes / active;
        for (int i = 0; i < active; i++) {
            writeOne(i * space);
            fired++;
        }
        count = 0;
        writesLeft = writes;
        do {
            base.loop(LoopFlag.ONCE | LoopFlag.NONBLOCK);
        } while (count != fired && failures == 0);
        if (failures != 0) {
            throw new IllegalStateException(failures + " failed one-byte reads or writes on " + backend);
        }
        return count;
    }

    private void onRead(int idx) {
        ByteBuffer in = oneIn[0];
        in.clear();
        long n;
        try {
            n = net.read(readEnds[idx], oneIn, 0, 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n > 0) {
            count += (int) n;
        } else if (n == NetOps.WOULD_BLOCK) {
            spurious++;
            return; // level-triggered: the byte, when it comes, wakes us again; do not spend a write on it
        } else {
            failures++;
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
        ByteBuffer out = oneOut[0];
        out.clear();
        long n;
        try {
            n = net.write(writeEnds[idx], oneOut, 0, 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (n != 1) {
            failures++;
        }
    }
}
