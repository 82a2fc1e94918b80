package io.jevent.bench;

import io.jevent.CommonTimeout;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
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

import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Timers, as in the comparison's workload 2 and in {@code benchmarks/native/levent.c timers} (the same four
 * operations on libevent). One op is a whole batch:
 * <ul>
 *   <li>{@link #addRemove}: add {@code timers} timers with random deadlines in [1 s, 2 s), then remove them all;</li>
 *   <li>{@link #addFire}: add {@code timers} timers with random deadlines in [0, 1 ms), then {@code loop(ONCE)}
 *       until all have fired (so the op lasts at least 1 ms);</li>
 *   <li>{@link #commonAddRemove}: add {@code common} timers on one common timeout of 1 s, remove them all;</li>
 *   <li>{@link #commonAddFire}: add {@code common} timers on one common timeout of 1 ms, loop until all fired.</li>
 * </ul>
 * The events are made once in setup; deadlines come from a fixed seed, the same for every backend.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TimerBench {
    /** The backend measured. */
    @Param({"epoll", "poll", "nio"})
    public String backend;

    /** Timers with random deadlines per op. */
    @Param({"100000"})
    public int timers;

    /** Timers on one common timeout per op. */
    @Param({"10000"})
    public int common;

    private EventBase base;
    private Event[] events;
    private long[] farNanos;
    private long[] nearNanos;
    private CommonTimeout oneSecond;
    private CommonTimeout oneMilli;
    private int fired;

    @Setup
    public void setUp() {
        base = Bases.open(backend);
        int n = Math.max(timers, common);
        events = new Event[n];
        for (int i = 0; i < n; i++) {
            events[i] = base.newTimer((ev, what) -> fired++);
        }
        SplittableRandom random = new SplittableRandom(42);
        farNanos = new long[timers];
        nearNanos = new long[timers];
        for (int i = 0; i < timers; i++) {
            farNanos[i] = 1_000_000_000L + random.nextLong(1_000_000_000L);
            nearNanos[i] = random.nextLong(1_000_000L);
        }
        oneSecond = base.commonTimeout(Duration.ofSeconds(1));
        oneMilli = base.commonTimeout(Duration.ofMillis(1));
    }

    @TearDown
    public void tearDown() {
        for (Event e : events) {
            e.close();
        }
        base.close();
    }

    @Benchmark
    public int addRemove() {
        Event[] ev = events;
        for (int i = 0; i < timers; i++) {
            ev[i].add(farNanos[i], TimeUnit.NANOSECONDS);
        }
        for (int i = 0; i < timers; i++) {
            ev[i].remove();
        }
        return timers;
    }

    @Benchmark
    public int addFire() {
        Event[] ev = events;
        fired = 0;
        for (int i = 0; i < timers; i++) {
            ev[i].add(nearNanos[i], TimeUnit.NANOSECONDS);
        }
        while (fired < timers) {
            base.loop(LoopFlag.ONCE);
        }
        return fired;
    }

    @Benchmark
    public int commonAddRemove() {
        Event[] ev = events;
        for (int i = 0; i < common; i++) {
            ev[i].add(oneSecond);
        }
        for (int i = 0; i < common; i++) {
            ev[i].remove();
        }
        return common;
    }

    @Benchmark
    public int commonAddFire() {
        Event[] ev = events;
        fired = 0;
        for (int i = 0; i < common; i++) {
            ev[i].add(oneMilli);
        }
        while (fired < common) {
            base.loop(LoopFlag.ONCE);
        }
        return fired;
    }
}
