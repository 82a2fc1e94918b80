package io.jevent;

import io.jevent.spi.Handle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * N {@link EventBase}s, each looping on a thread of its own: how one process uses many cores (Netty's
 * {@code EventLoopGroup}). Every base is made from the same {@link EventConfig} (so the same backend: a handle
 * made by one base's {@link EventBase#netOps()} may be watched by any other), and runs
 * {@code loop(NO_EXIT_ON_EMPTY)} until {@link #shutdownGracefully}.
 *
 * <pre>{@code
 * EventBaseGroup group = EventBaseGroup.create(4);
 * EventBase base = group.next();               // round-robin
 * base.execute(() -> ...);                     // runs on that loop's thread
 * group.shutdownGracefully(Duration.ofMillis(100), Duration.ofSeconds(5)).join();
 * }</pre>
 *
 * <p><b>Threads.</b> Loop {@code i} (from 1) runs on a thread named {@code jevent-loop-i/N} unless a
 * {@link ThreadFactory} is given; the default threads are not daemons, so a server's JVM stays up while its loops
 * run. Each connection lives on one loop: its callbacks run on that loop's thread, one at a time, never concurrently
 * with one another, with no lock in user code. Work is handed between loops with {@link EventBase#execute}.
 *
 * <p><b>Choosing a loop.</b> {@link #next()} hands loops out round-robin (new connections); {@link #forHandle}
 * always gives one handle the same loop (its hash modulo N).
 *
 * <p><b>Shutdown.</b> {@link #shutdownGracefully} first closes what was registered with {@link #closeOnShutdown}
 * (listeners: no new connection is accepted), each on its own loop's thread; then each loop goes on running until
 * it has been quiet (no callback, task or I/O report but the check's own) for the quiet period, so pending writes
 * drain, or until the timeout; then it runs the tasks it accepted before it stopped (hand-overs from other
 * loops: {@code execute} did not throw for them, so they are not dropped), closes its base, and its thread ends. The returned future completes when the
 * last base is closed; {@link #awaitTermination} waits for the threads themselves.
 *
 * <p><b>Completion engines.</b> Each base opens its own backend instance: a group of io_uring bases is N rings,
 * each submitted to and reaped by its own loop thread, so completions of one connection are always handled on its
 * loop's thread.
 */
public final class EventBaseGroup implements Executor, Iterable<EventBase>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBaseGroup.class);

    /** Most non-blocking passes a stopped loop makes to run what was queued before it closes. */
    private static final int FINAL_PASSES = 64;

    private final List<EventBase> bases;
    private final Thread[] threads;
    private final AtomicInteger nextIndex = new AtomicInteger();
    /** Bases whose loop thread has ended (closed its base). */
    private final AtomicInteger terminated = new AtomicInteger();
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final CompletableFuture<Void> termination = new CompletableFuture<>();
    /** Per base: set once the shutdown's drain ended, so the loop thread stops restarting the loop. */
    private final boolean[] stopped;
    /** What {@link #shutdownGracefully} closes first, per base index. */
    private final List<ConcurrentLinkedQueue<AutoCloseable>> closeFirst;

    private EventBaseGroup(int n, EventConfig config, ThreadFactory factory) {
        List<EventBase> made = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                made.add(EventBase.create(config));
            }
        } catch (RuntimeException e) {
            for (EventBase b : made) {
                b.close();
            }
            throw e;
        }
        this.bases = Collections.unmodifiableList(made);
        this.threads = new Thread[n];
        this.stopped = new boolean[n];
        this.closeFirst = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            closeFirst.add(new ConcurrentLinkedQueue<>());
        }
        for (int i = 0; i < n; i++) {
            int index = i;
            Runnable body = () -> run(index);
            Thread t;
            if (factory == null) {
                t = new Thread(body, "jevent-loop-" + (i + 1) + "/" + n);
            } else {
                try {
                    t = factory.newThread(body);
                } catch (RuntimeException | Error e) {
                    closeUnstarted(made);
                    throw e;
                }
                if (t == null) {
                    // no thread has started, so no loop would ever run a shutdown's drain: close the bases here
                    closeUnstarted(made);
                    throw new IllegalStateException("the ThreadFactory " + factory + " returned no thread for loop "
                            + (i + 1) + "/" + n + "; give a factory that always makes one");
                }
            }
            threads[i] = t;
        }
        for (Thread t : threads) {
            t.start();
        }
        log.debug("EventBaseGroup of {} loops on {}", n, made.get(0).method());
    }

    /** The constructor failed before any loop thread started: closes every base (no loop runs on them). */
    private static void closeUnstarted(List<EventBase> made) {
        for (EventBase b : made) {
            b.close();
        }
    }

    /**
     * A group of {@code loops} bases on the preferred backend.
     *
     * @param loops the number of loops, {@code >= 1}
     * @return a running group
     * @throws IllegalArgumentException if {@code loops < 1}
     */
    public static EventBaseGroup create(int loops) {
        return create(loops, new EventConfig(), null);
    }

    /**
     * A group of {@code loops} bases made from {@code config}.
     *
     * @param loops the number of loops, {@code >= 1}
     * @param config how to make each base (see {@link EventBase#create(EventConfig)})
     * @return a running group
     * @throws IllegalArgumentException if {@code loops < 1}, or as {@link EventBase#create(EventConfig)}
     */
    public static EventBaseGroup create(int loops, EventConfig config) {
        return create(loops, config, null);
    }

    /**
     * A group of {@code loops} bases made from {@code config}, on threads made by {@code factory}.
     *
     * @param loops the number of loops, {@code >= 1}
     * @param config how to make each base (see {@link EventBase#create(EventConfig)})
     * @param factory makes the loop threads (named as it likes), or {@code null} for threads named
     *     {@code jevent-loop-i/N}
     * @return a running group
     * @throws IllegalArgumentException if {@code loops < 1}, or as {@link EventBase#create(EventConfig)}
     */
    public static EventBaseGroup create(int loops, EventConfig config, ThreadFactory factory) {
        if (loops < 1) {
            throw new IllegalArgumentException("expected loops >= 1, got " + loops);
        }
        Objects.requireNonNull(config, "config");
        return new EventBaseGroup(loops, config, factory);
    }

    private void run(int index) {
        EventBase base = bases.get(index);
        try {
            while (!stopped[index] && !base.isClosed()) {
                base.loop(LoopFlag.NO_EXIT_ON_EMPTY); // returns on a user's loopExit too: then it starts again
            }
            if (!base.isClosed()) {
                runWhatWasQueued(base);
            }
        } catch (Throwable t) {
            log.error("loop {}/{} on {} ended with {}; its base is closed", index + 1, bases.size(), base.method(),
                    t.toString(), t);
        } finally {
            base.close();
            if (terminated.incrementAndGet() == bases.size()) {
                termination.complete(null);
                log.debug("EventBaseGroup of {} loops terminated", bases.size());
            }
        }
    }

    /**
     * After the drain stopped the loop: runs the tasks accepted before (a hand-over from another loop, a
     * {@link #execute}), which {@link EventBase#close()} would drop, and what they start at once (completions of
     * cancels a move waits for), in non-blocking passes until a pass runs no task and sees no I/O, at most
     * {@link #FINAL_PASSES} of them.
     */
    private static void runWhatWasQueued(EventBase base) {
        for (int i = 0; i < FINAL_PASSES; i++) {
            long before = activity(base);
            base.loop(LoopFlag.NONBLOCK);
            if (activity(base) == before) {
                return;
            }
        }
        log.debug("{}: still busy after {} final passes; closing it", base, FINAL_PASSES);
    }

    /** {@return the number of loops} */
    public int size() {
        return bases.size();
    }

    /**
     * The base of loop {@code i}.
     *
     * @param i from 0 to {@code size() - 1}
     * @return that base
     */
    public EventBase get(int i) {
        if (i < 0 || i >= bases.size()) {
            throw new IndexOutOfBoundsException("expected 0 <= i < " + bases.size() + ", got " + i);
        }
        return bases.get(i);
    }

    /** {@return the bases, loop 1 first (unmodifiable)} */
    public List<EventBase> bases() {
        return bases;
    }

    @Override
    public Iterator<EventBase> iterator() {
        return bases.iterator();
    }

    /** {@return the next base, round-robin} Any thread. */
    public EventBase next() {
        return bases.get(Math.floorMod(nextIndex.getAndIncrement(), bases.size()));
    }

    /**
     * The base for {@code handle}: the same one every time for the same handle (equal handles, equal choice).
     *
     * @param handle a handle of the group's backend
     * @return its base
     */
    public EventBase forHandle(Handle handle) {
        Objects.requireNonNull(handle, "handle");
        int h = handle.hashCode();
        h ^= h >>> 16; // spread: descriptor numbers are small and consecutive
        return bases.get(Math.floorMod(h, bases.size()));
    }

    /**
     * The base whose loop the calling thread runs, or {@code null} if it runs none of this group's.
     *
     * @return the caller's base, or null
     */
    public EventBase current() {
        for (EventBase b : bases) {
            if (b.inRunningLoop()) {
                return b;
            }
        }
        return null;
    }

    /**
     * Runs {@code task} on the {@linkplain #next() next} loop. Any thread.
     *
     * @throws IllegalStateException if the group has shut down
     */
    @Override
    public void execute(Runnable task) {
        next().execute(task);
    }

    /**
     * Has {@link #shutdownGracefully} close {@code resource} on {@code base}'s loop thread before the drain starts:
     * for listeners, so that no connection is accepted once shutdown began. Any thread.
     *
     * @param base the group's base {@code resource} belongs to
     * @param resource what to close (its {@code close()} runs on that base's loop thread)
     * @throws IllegalArgumentException if {@code base} is not one of this group's
     */
    public void closeOnShutdown(EventBase base, AutoCloseable resource) {
        Objects.requireNonNull(resource, "resource");
        closeFirst.get(indexOf(base)).add(resource);
    }

    private int indexOf(EventBase base) {
        int i = bases.indexOf(Objects.requireNonNull(base, "base"));
        if (i < 0) {
            throw new IllegalArgumentException(base + " is not a base of this group; pass one of group.bases()");
        }
        return i;
    }

    /**
     * Shuts the group down: closes what was registered with {@link #closeOnShutdown}, lets each loop run until it
     * has been quiet for {@code quiet} (no callback, task or I/O report but the check's own: pending writes have
     * drained) or {@code timeout} has passed since this call, then closes each base and ends its thread. Any thread;
     * calling it again starts nothing new. Each call returns a future of its own, all completing together:
     * cancelling one, or completing it ({@code orTimeout}), stops neither the shutdown nor anyone else's future, and
     * {@link #isTerminated()} still tells whether every base is closed.
     *
     * @param quiet how long a loop must be idle before it closes; zero closes as soon as the registered resources are
     * @param timeout the most time given to the drain
     * @return completes once every base is closed
     */
    public CompletableFuture<Void> shutdownGracefully(Duration quiet, Duration timeout) {
        Objects.requireNonNull(quiet, "quiet");
        Objects.requireNonNull(timeout, "timeout");
        if (quiet.isNegative() || timeout.isNegative()) {
            throw new IllegalArgumentException("expected quiet >= 0 and timeout >= 0, got " + quiet + " and "
                    + timeout);
        }
        if (!shuttingDown.compareAndSet(false, true)) {
            return termination.copy(); // the caller's own: the group's is completed by the loops alone
        }
        long quietNanos = quiet.toNanos();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < bases.size(); i++) {
            int index = i;
            EventBase base = bases.get(i);
            try {
                base.execute(() -> startDrain(index, quietNanos, deadline));
            } catch (IllegalStateException closed) {
                log.debug("loop {}/{} had closed already", i + 1, bases.size());
            }
        }
        return termination.copy();
    }

    /** On loop {@code index}: closes its registered resources, then checks for quiet every period. */
    private void startDrain(int index, long quietNanos, long deadline) {
        EventBase base = bases.get(index);
        AutoCloseable c;
        while ((c = closeFirst.get(index).poll()) != null) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("closing {} at shutdown failed", c, e);
            }
        }
        if (quietNanos == 0 || System.nanoTime() - deadline >= 0) {
            stop(index);
            return;
        }
        new QuietCheck(index, quietNanos, deadline).start();
    }

    /** A timer on one loop: stops it once a period passed with no activity but its own, or at the deadline. */
    private final class QuietCheck implements EventCallback {
        private final int index;
        private final long quietNanos;
        private final long deadline;
        private final Event timer;
        private long last;

        QuietCheck(int index, long quietNanos, long deadline) {
            this.index = index;
            this.quietNanos = quietNanos;
            this.deadline = deadline;
            this.timer = bases.get(index).newTimer(this);
        }

        void start() {
            last = activity(bases.get(index));
            rearm();
        }

        @Override
        public void onEvent(Event ev, int what) {
            long now = activity(bases.get(index));
            if (now - last <= 1 || System.nanoTime() - deadline >= 0) { // 1: this check's own run
                timer.close();
                stop(index);
                return;
            }
            last = now;
            rearm();
        }

        private void rearm() {
            long left = deadline - System.nanoTime();
            timer.add(Math.max(1, Math.min(quietNanos, left)), TimeUnit.NANOSECONDS);
        }
    }

    private static long activity(EventBase base) {
        LoopStatistics s = base.statistics(); // on the loop thread: exact
        return s.callbacks() + s.tasks() + s.ioReports();
    }

    private void stop(int index) {
        stopped[index] = true; // read by the same (loop) thread after loop() returns
        bases.get(index).loopBreak();
    }

    /** {@return whether {@link #shutdownGracefully} was called} */
    public boolean isShuttingDown() {
        return shuttingDown.get();
    }

    /** {@return whether every base is closed} */
    public boolean isTerminated() {
        return termination.isDone();
    }

    /**
     * Waits until every loop thread has ended.
     *
     * @param timeout the most time to wait
     * @return whether they all ended in time
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left <= 0 && t.isAlive()) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedJoin(t, Math.max(1, left));
            if (t.isAlive()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Per-loop statistics, loop 1 first: an unbalanced group shows here. Any thread.
     *
     * @return one snapshot per loop
     */
    public List<LoopStatistics> statistics() {
        List<LoopStatistics> out = new ArrayList<>(bases.size());
        for (EventBase b : bases) {
            out.add(b.statistics());
        }
        return out;
    }

    /**
     * Shuts down at once (no quiet period, no drain) and waits for every loop thread to end. Must not be called
     * from one of the group's loop threads (it would wait for itself).
     *
     * @throws IllegalStateException if called on a loop thread of this group
     */
    @Override
    public void close() {
        if (current() != null) {
            throw new IllegalStateException("close() waits for the loop threads and cannot run on one; call"
                    + " shutdownGracefully(...) there instead");
        }
        shutdownGracefully(Duration.ZERO, Duration.ZERO).join();
        try {
            awaitTermination(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "EventBaseGroup[" + bases.size() + " loops on " + bases.get(0).method()
                + (isTerminated() ? ", terminated" : isShuttingDown() ? ", shutting down" : "") + "]";
    }
}
