package io.jevent.bench;

import io.jevent.Ev;
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
import java.util.concurrent.TimeUnit;

/**
 * The fixed cost of the loop: one pass of {@link EventBase#loop} when nothing is ready, and the cost of dispatching
 * one user event.
 *
 * <p>The base holds one timer an hour in the future, so it is never empty and the timer heap is not either; no
 * handle is registered. Per op:
 * <ul>
 *   <li>{@link #emptyPass}: {@code loop(NONBLOCK)}. One pass: task queue, changelist (empty), the backend's poll
 *       with a zero timeout ({@code epoll_wait(.., 0)}, {@code poll(.., 0)}, {@code selectNow}), the timer heap's
 *       head compared with the clock. The pure overhead the loop adds to every wake-up.</li>
 *   <li>{@link #activateAndLoop}: {@code activate(READ)} then {@code loop(NONBLOCK)}: the event is queued, the
 *       pass polls, runs the callback, and then, like libevent's {@code event_base_loop}, NONBLOCK alone makes a
 *       second pass, which finds nothing and returns. So one op is two polls and one callback.</li>
 *   <li>{@link #activateAndLoopOnce}: the same with {@code loop(ONCE | NONBLOCK)}, which returns after the pass
 *       that ran the callback: one poll, one callback. Subtracting {@link #emptyPass} gives the cost of one
 *       dispatched event alone.</li>
 * </ul>
 * All three are meant to allocate nothing ({@code gc.alloc.rate.norm} of 0 B/op under {@code -prof gc}): see
 * {@code docs/benchmarks.md} for what was measured.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class LoopIterationBench {
    /** The backend measured. */
    @Param({"epoll", "poll", "nio"})
    public String backend;

    private EventBase base;
    private Event farTimer;
    private Event user;
    /** Callbacks run; returned so that the callback's work cannot be dropped. */
    private long fired;

    @Setup
    public void setUp() {
        base = Bases.open(backend);
        farTimer = base.newTimer((ev, what) -> {
            throw new IllegalStateException("the far timer fired: the run lasted an hour?");
        });
        farTimer.add(Duration.ofHours(1));
        user = base.newUserEvent((ev, what) -> fired++);
        base.loop(LoopFlag.NONBLOCK);
    }

    @TearDown
    public void tearDown() {
        farTimer.close();
        user.close();
        base.close();
    }

    /** One pass over nothing: {@code loop(NONBLOCK)}. */
    @Benchmark
    public int emptyPass() {
        return base.loop(LoopFlag.NONBLOCK);
    }

    /** {@code activate} + {@code loop(NONBLOCK)}: one callback, two passes (see the class comment). */
    @Benchmark
    public long activateAndLoop() {
        user.activate(Ev.READ);
        base.loop(LoopFlag.NONBLOCK);
        return fired;
    }

    /** {@code activate} + {@code loop(ONCE | NONBLOCK)}: one callback, one pass. */
    @Benchmark
    public long activateAndLoopOnce() {
        user.activate(Ev.READ);
        base.loop(LoopFlag.ONCE | LoopFlag.NONBLOCK);
        return fired;
    }
}
