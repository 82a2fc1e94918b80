package io.jevent;

import io.jevent.internal.Backends;
import io.jevent.internal.DefaultErrorHandler;
import io.jevent.internal.SignalRelay;
import io.jevent.internal.SlowCallbackTimer;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The event loop: libevent's {@code event_base}. It owns registered events, the timer heap, one active queue per
 * priority and a task queue, and waits on one {@link Backend}.
 *
 * <pre>{@code
 * try (EventBase base = EventBase.create()) {
 *     LongAdder ticks = new LongAdder();
 *     Event tick = base.newEvent(null, Ev.PERSIST, (ev, what) -> ticks.increment());
 *     tick.add(Duration.ofSeconds(1));
 *     base.loopExit(Duration.ofSeconds(5));
 *     base.dispatch();
 * }
 * }</pre>
 *
 * <p><b>Threading: confinement, not locks.</b> All state belongs to one <em>owner</em> thread at a time, and
 * callbacks always run on it:
 * <ul>
 * <li>while {@link #loop} runs, the thread running it;</li>
 * <li>while no loop runs, the thread that ran the last loop, or, before any loop has run, the thread that created
 * the base. So the code around {@code dispatch()} may set events up before it and tear them down after it;</li>
 * <li>once the base is {@linkplain #close() closed}, no thread in particular: any thread may close or remove
 * what is left, and closing releases it without touching the closed backend.</li>
 * </ul>
 * Calls from the owner act at once. Calls from other threads ({@link #execute}, {@link Event#add},
 * {@link Event#remove}, {@link Event#activate}, {@link Event#close}, {@link Event#priority(int)}, {@link #loopExit},
 * {@link #loopBreak}) are queued as tasks and wake the backend; they take effect before the next poll, and a call
 * queued while no loop runs waits for the next loop. This is Dillo's rule: code can be written as if there were
 * one thread.
 *
 * <p><b>Handing a base to another thread.</b> Ownership moves only through {@link #loop}: the thread that calls it
 * becomes the owner. If the previous owner is inside a call just then, {@code loop()} waits for that call to
 * finish; the previous owner's later calls are queued like any other thread's. A loop does not have to be started
 * on the creating thread, and the creating thread may go on adding events while it starts: nothing is lost or
 * corrupted either way. A stop ({@link #loopBreak}, {@link #loopExit}) asked for while no loop runs ends the next
 * loop at once. {@link #runIfOwner} runs a compound operation as the owner, or tells the caller it is not;
 * {@link #runAsOwner} runs it as the owner now or later, and never drops it (a release: if the base closes first,
 * {@link #close()} runs it). {@link #inRunningLoop()} tells a fast path that it runs inside the loop itself.
 *
 * <p><b>Work in flight.</b> Work running off the loop whose result comes back to it ({@link #beginWork}: host-name
 * lookups, TLS delegated tasks) counts as pending: {@link #dispatch()} waits for it.
 *
 * <p><b>Allocation.</b> Dispatching an I/O or timer event allocates nothing: events, slots and queues are
 * intrusive linked lists and arrays; the backend reports int tokens. Calls from other threads allocate one task.
 */
public final class EventBase implements Executor, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventBase.class);
    /** Tasks run per loop iteration at most, so that a flood from other threads cannot starve I/O. */
    private static final int MAX_TASKS_PER_ITERATION = Integer.getInteger("jevent.maxTasksPerIteration", 4096);
    /** Bits of {@link Event#runStamp} that count runs within one pass; the pass number sits above them. */
    private static final int RUN_BITS = 16;
    /**
     * Most runs of one event's callback in one loop pass; a later activation in that pass waits for the next one
     * (see {@link #activate}). Netty's {@code writeSpinCount} is the same bound for a channel's writes.
     */
    static final int RUNS_PER_PASS = runsPerPass();

    private static int runsPerPass() {
        int n = Integer.getInteger("jevent.eventRunsPerPass", 16);
        if (n < 1 || n >= 1 << RUN_BITS) {
            log.warn("jevent.eventRunsPerPass = {} is out of range (1..{}); using 16", n, (1 << RUN_BITS) - 1);
            n = 16;
        }
        log.debug("jevent.eventRunsPerPass = {}", n);
        return n;
    }

    private final Backend backend;
    private final Readiness readiness;
    private final NetOps netOps;
    private final int priorities;
    private final long maxDispatchNanos;
    private final int maxDispatchCallbacks;
    private final int limitAfterPriority;
    private final boolean rethrowCallbackErrors;
    private volatile CallbackErrorHandler errorHandler;
    /** Logs at WARN, or through {@link System.Logger} when SLF4J has no provider (see {@link DefaultErrorHandler}). */
    private static final CallbackErrorHandler DEFAULT_ERROR_HANDLER = DefaultErrorHandler.forLogger(log, EventBase.class.getName());

    private final Event[] activeHead;
    private final Event[] activeTail;
    /** Active events, in the priority queues and in the next-pass list. */
    private int activeCount;
    /**
     * Events activated after their callback had run {@link #RUNS_PER_PASS} times in the current pass (state
     * ACTIVE | LATER, linked through activePrev/activeNext): moved to their priority queues before the next poll,
     * which does not block while this list holds any. libevent's {@code active_later_queue}.
     */
    private Event laterHead;
    private Event laterTail;
    /** The priority whose queue is being run, -1 outside {@link #processActive}: a more urgent activation ends it. */
    private int runningPriority = -1;

    private Event insertedHead;
    private int insertedCount;
    /** Backend polls so far, one per loop iteration; see {@link #pollCount()}. Written by the loop thread only. */
    private long polls;

    /** Timer heap and common-timeout FIFOs. */
    private final TimerQueue timers = new TimerQueue();
    /** Watched handles and the changelist. */
    private final IoTable io;

    private final Map<Integer, List<Event>> signalEvents = new HashMap<>();
    private final Map<Integer, String> signalNames = new HashMap<>();
    /** Runs on the JVM's signal thread: must never throw, or the other bases listening would miss the signal. */
    private final SignalRelay.Target signalTarget = signo -> {
        if (!enqueue(() -> deliverSignal(signo))) {
            log.debug("signal {} dropped: the EventBase on {} is closed", signo, method());
        }
    };

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /**
     * Releases {@link #close()} runs if they are still registered then ({@link #onClose}): what waits on this base's
     * timers to let go of something (a TLS close lingering until close_notify is sent) and would leak if the base
     * forgot those timers. Guarded by its own monitor (registered on the loop, run by whichever thread closes).
     */
    private final Set<Runnable> closeReleases = new LinkedHashSet<>();
    /** True while a wake-up has been sent and not yet consumed by the loop: later ones are skipped. */
    private final AtomicBoolean wakeupPending = new AtomicBoolean();

    /** Who may touch the state now, the hand-off between threads, and whether the base is closed. */
    private final LoopOwner owner = new LoopOwner(Thread.currentThread());
    /** Work running off the loop whose result has not come back yet; counts as pending. */
    private final AtomicInteger workInFlight = new AtomicInteger();
    /** Written on the loop thread only (stops asked from elsewhere are queued: see {@link #loopBreak}). */
    private volatile boolean gotExit;
    private volatile boolean gotBreak;
    private boolean continueRequested;
    private final Runnable exitTask = () -> gotExit = true;
    private final Runnable breakTask = () -> gotBreak = true;
    private final Runnable continueTask = () -> continueRequested = true;

    /** Statistics and the stall detector: plain fields written here, published at each poll. */
    private final LoopCounters counters;
    /** Whether callbacks and tasks are timed (the stall detector is on); see {@link LoopCounters}. */
    private final boolean timing;
    /** Times callbacks for the Flight Recorder's {@code io.jevent.SlowCallback} while a recording enables it. */
    private final SlowCallbackTimer flight;
    /** {@link #flight} times callbacks in this pass: a recording enabled the event (asked once per pass). */
    private boolean flightTiming;
    /** {@link #timing} or {@link #flightTiming}: the one branch a callback costs when neither is on. */
    private boolean watching;

    private final ReadySink sink;
    /** The backend's completion engine, or null; operations it has in flight keep the loop running. */
    private final CompletionEngine engine;

    private EventBase(Backend backend, Readiness readiness, EventConfig config) {
        this.backend = backend;
        this.readiness = readiness;
        this.netOps = backend.netOps();
        this.priorities = config.priorities();
        this.maxDispatchNanos = config.maxDispatchNanos();
        this.maxDispatchCallbacks = config.maxDispatchCallbacks();
        this.limitAfterPriority = config.limitAfterPriority();
        this.rethrowCallbackErrors = config.rethrowsCallbackErrors();
        this.activeHead = new Event[priorities];
        this.activeTail = new Event[priorities];
        this.io = new IoTable(this, readiness, backend.name());
        this.sink = io::onReady;
        this.engine = readiness.completions();
        this.counters = new LoopCounters(config.stallThresholdNanos());
        this.timing = counters.timing;
        this.watching = timing;
        this.flight = new SlowCallbackTimer(backend.name());
        this.errorHandler = DEFAULT_ERROR_HANDLER;
    }

    // ------------------------------------------------------------------------------------------------ creation

    /** {@return a base on the preferred available backend (or the one named by {@code jevent.backend})} */
    public static EventBase create() {
        return create(new EventConfig());
    }

    /**
     * A base built from {@code config}.
     *
     * @param config which backend to use and how the loop behaves
     * @return the new base, owned by the calling thread until a loop runs
     * @throws IllegalArgumentException if the named backend is unknown or unavailable, or conflicts with the
     *     configuration; the message lists what this machine offers
     * @throws IllegalStateException if no backend satisfies the configuration
     * @throws UncheckedIOException if the backend cannot be opened
     */
    public static EventBase create(EventConfig config) {
        Objects.requireNonNull(config, "config");
        return open(BackendChooser.choose(config), config);
    }

    /** A base on {@code chosen}; package-private so that tests here can run the loop on a backend of their own. */
    static EventBase open(Backend chosen, EventConfig config) {
        try {
            Readiness r = chosen.open(config);
            log.debug("EventBase on backend {} ({} priorities)", chosen.name(), config.priorities());
            return new EventBase(chosen, r, config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open backend " + chosen.name() + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@return every backend on the class path or module path, available or not, most preferred first} Libevent's
     * {@code get_supported_methods}.
     */
    public static List<BackendInfo> methods() {
        List<BackendInfo> out = new ArrayList<>();
        for (Backend b : Backends.all()) {
            out.add(new BackendInfo(b.name(), b.isAvailable(), b.unavailabilityCause(), b.features(),
                    b.preference()));
        }
        return out;
    }

    /** {@return the backend's name ({@code "epoll"}, ...)} */
    public String method() {
        return backend.name();
    }

    /** {@return the backend's features} */
    public Set<Feature> features() {
        return backend.features();
    }

    /**
     * The backend's completion engine (io_uring), or {@code null} when it only reports readiness. Loop thread only,
     * like everything the engine offers; BufferEvents use it when it is there.
     *
     * @return the engine, or {@code null}
     */
    public CompletionEngine completionEngine() {
        return engine;
    }

    /** {@return the socket operations for handles of this base's backend} */
    public NetOps netOps() {
        return netOps;
    }

    /** {@return the number of priorities} */
    public int priorities() {
        return priorities;
    }

    /**
     * Hands {@code t}, thrown by user code that ran outside an event callback (a completion handler running a
     * BufferEvent's callbacks, which must return so the engine delivers the rest of its batch), to the callback
     * error handler, as if an event callback had thrown it. Loop thread.
     *
     * @param t what the user code threw
     */
    public void reportCallbackError(Throwable t) {
        callbackFailed(null, Objects.requireNonNull(t, "t"));
    }

    /**
     * Replaces the handler of exceptions thrown by callbacks and tasks (default: log a warning, go on).
     *
     * @param handler the new handler
     */
    public void setCallbackErrorHandler(CallbackErrorHandler handler) {
        this.errorHandler = Objects.requireNonNull(handler, "handler");
    }

    // ------------------------------------------------------------------------------------------ event factories

    /**
     * A new event on a handle (or on none, for a timer).
     *
     * @param handle the handle to watch, of this backend's kind; {@code null} for a pure timer
     * @param what bits of {@link Ev#READ}, {@link Ev#WRITE}, {@link Ev#CLOSED}, {@link Ev#PERSIST}, {@link Ev#ET},
     *     {@link Ev#TIMEOUT}; READ/WRITE/CLOSED need a handle
     * @param callback runs on the loop thread when the event fires
     * @return the event, not yet pending: {@link Event#add} it
     */
    public Event newEvent(Handle handle, int what, EventCallback callback) {
        Objects.requireNonNull(callback, "callback");
        int known = Ev.READ | Ev.WRITE | Ev.CLOSED | Ev.PERSIST | Ev.ET | Ev.TIMEOUT;
        if ((what & ~known) != 0) {
            if ((what & Ev.SIGNAL) != 0) {
                throw new IllegalArgumentException("SIGNAL events are made with newSignal(name, callback)");
            }
            throw new IllegalArgumentException("unknown event flags 0x" + Integer.toHexString(what & ~known)
                    + "; use the constants of io.jevent.Ev");
        }
        if ((what & Ev.IO_MASK) != 0 && handle == null) {
            throw new IllegalArgumentException(Ev.toString(what) + " needs a handle; pass null only for timers"
                    + " (what = 0, TIMEOUT or PERSIST)");
        }
        if (handle != null) {
            checkHandleKind(handle);
        }
        return new Event(this, handle, what, callback, -1, null, priorities / 2);
    }

    /**
     * A new one-shot timer: {@code add(timeout)} it.
     *
     * @param callback runs on the loop thread with {@link Ev#TIMEOUT} when the timer expires
     * @return the timer, not yet pending
     */
    public Event newTimer(EventCallback callback) {
        return newEvent(null, 0, callback);
    }

    /**
     * A new event for a POSIX signal, persistent like libevent's {@code evsignal_new}. The callback runs on the
     * loop thread with {@link Ev#SIGNAL}.
     *
     * @param signal a name such as {@code "USR1"} or {@code "SIGHUP"}
     * @param callback runs on the loop thread each time the signal arrives
     * @return the event, not yet pending: {@link Event#add} it
     * @throws IllegalArgumentException for an unknown signal or one the JVM reserves
     */
    public Event newSignal(String signal, EventCallback callback) {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(callback, "callback");
        SignalRelay.Resolved r = SignalRelay.resolve(signal);
        return new Event(this, null, Ev.SIGNAL | Ev.PERSIST, callback, r.number(), r.name(), priorities / 2);
    }

    /**
     * A new event for a signal given by this platform's number.
     *
     * @param signo the signal number, as in {@code <signal.h>}
     * @param callback runs on the loop thread each time the signal arrives
     * @return the event, not yet pending: {@link Event#add} it
     */
    public Event newSignal(int signo, EventCallback callback) {
        Objects.requireNonNull(callback, "callback");
        SignalRelay.Resolved r = SignalRelay.resolve(signo);
        return new Event(this, null, Ev.SIGNAL | Ev.PERSIST, callback, r.number(), r.name(), priorities / 2);
    }

    /**
     * A new event that fires only through {@link Event#activate} (libevent's user-triggered events).
     *
     * @param callback runs on the loop thread with the bits given to {@code activate}
     * @return the event
     */
    public Event newUserEvent(EventCallback callback) {
        return newEvent(null, 0, callback);
    }

    /**
     * Runs {@code callback} once when {@code handle} is ready for {@code what} or the timeout expires, whichever
     * comes first, then forgets the event (libevent's {@code event_base_once}).
     *
     * @param handle a handle, or {@code null} for a pure timeout
     * @param what READ/WRITE/CLOSED/TIMEOUT bits; PERSIST and SIGNAL are refused
     * @param timeout the timeout, or {@code null} for none (then a handle is needed)
     * @param callback runs once on the loop thread, with what happened
     */
    public void once(Handle handle, int what, Duration timeout, EventCallback callback) {
        if ((what & (Ev.PERSIST | Ev.SIGNAL)) != 0) {
            throw new IllegalArgumentException("once() events cannot be PERSIST or SIGNAL, got " + Ev.toString(what));
        }
        if (handle == null && timeout == null) {
            timeout = Duration.ZERO;
        }
        Event e = newEvent(handle, what, callback);
        e.state |= Event.ONCE;
        if (timeout == null) {
            e.add();
        } else {
            e.add(timeout);
        }
    }

    /**
     * The shared timeout for {@code duration}, made on first use (libevent's
     * {@code event_base_init_common_timeout}). At most 256 per base.
     *
     * @param duration the timeout every event added with it gets
     * @return the shared timeout; the same one for the same duration
     */
    public CommonTimeout commonTimeout(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("expected a duration >= 0, got " + duration);
        }
        return timers.commonTimeout(this, Event.saturatedNanos(duration));
    }

    // ---------------------------------------------------------------------------------------------------- loop

    /**
     * Runs the loop until no events are pending, or {@link #loopExit}/{@link #loopBreak} (libevent's dispatch).
     *
     * @return as {@link #loop(int)} with no flags: 0 when it ended by request, 1 when nothing was pending
     * @throws IllegalStateException if the loop is already running or the base is closed
     */
    public int dispatch() {
        return loop(0);
    }

    /**
     * Runs the loop (libevent's {@code event_base_loop}).
     *
     * <p>Interrupting the loop thread does not stop the loop (use {@link #loopExit} or {@link #loopBreak}, as
     * with Netty's event loops) and does not make it spin; the interrupt status stays set for the callbacks and
     * for the code after the loop returns.
     *
     * @param flags {@link LoopFlag#ONCE}, {@link LoopFlag#NONBLOCK}, {@link LoopFlag#NO_EXIT_ON_EMPTY}, or 0
     * @return 0 when it ended by request or by a ONCE/NONBLOCK pass, 1 when it ended because nothing was pending
     * @throws IllegalStateException if the loop is already running (re-entrant or on another thread) or the base
     *     is closed
     * @throws UncheckedIOException if the backend's wait fails
     */
    public int loop(int flags) {
        if ((flags & ~(LoopFlag.ONCE | LoopFlag.NONBLOCK | LoopFlag.NO_EXIT_ON_EMPTY)) != 0) {
            throw new IllegalArgumentException("unknown loop flags 0x" + Integer.toHexString(flags)
                    + "; use LoopFlag.ONCE | NONBLOCK | NO_EXIT_ON_EMPTY");
        }
        synchronized (owner) {
            owner.enterLoop(); // waits for a call the previous owner has begun; see LoopOwner
        }
        // Clear what the last loop was told (libevent does the same). A stop asked for since then, while no loop
        // ran, is not lost: it was queued, and runs below before the first poll.
        gotExit = false;
        gotBreak = false;
        int retval = 0;
        try {
            while (true) {
                continueRequested = false;
                flightTiming = flight.refresh();
                watching = timing | flightTiming;
                if (gotExit || gotBreak) {
                    break;
                }
                runTasks();
                if (gotExit || gotBreak) {
                    break;
                }
                wakeupPending.set(false);
                boolean haveTasks = !tasks.isEmpty();
                if ((flags & LoopFlag.NO_EXIT_ON_EMPTY) == 0 && insertedCount == 0 && activeCount == 0
                        && !haveTasks && workInFlight.get() == 0 && (engine == null || engine.inFlight() == 0)) {
                    retval = 1;
                    break;
                }
                io.applyChanges(); // first: a refused registration activates its events, and then nobody waits
                activateLater(); // before the poll: its pass number is the new one, so these run in that pass
                long timeout = activeCount > 0 || haveTasks || (flags & LoopFlag.NONBLOCK) != 0
                        ? 0 : timers.nextTimeout();
                polls++;
                int reported;
                long beforePoll = System.nanoTime();
                try {
                    reported = readiness.poll(timeout, sink);
                } catch (IOException e) {
                    throw new UncheckedIOException("backend " + backend.name() + " failed to poll: "
                            + e.getMessage(), e);
                }
                counters.polled(beforePoll, System.nanoTime(), reported);
                timers.processTimeouts(this);
                runTasks();
                if (activeCount > 0) {
                    int n = processActive();
                    if ((flags & LoopFlag.ONCE) != 0 && activeCount == 0 && n != 0) {
                        break;
                    }
                } else if ((flags & LoopFlag.NONBLOCK) != 0
                        || ((flags & LoopFlag.ONCE) != 0 && engine != null && reported > 0)) {
                    // ONCE: completions delivered inside the poll ran their handlers, which are this pass's callbacks
                    break;
                }
            }
        } finally {
            counters.loopExited(System.nanoTime());
            synchronized (owner) {
                owner.exitLoop();
            }
        }
        return retval;
    }

    /**
     * Makes the loop exit after the given delay, once the callbacks active at that time have run (libevent's
     * {@code event_base_loopexit}). Any thread. A {@code null} or zero delay exits after the current pass.
     *
     * @param delay how long to wait before exiting, or {@code null}
     */
    public void loopExit(Duration delay) {
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("expected a delay >= 0, got " + delay);
        }
        if (delay == null || delay.isZero()) {
            stopRequest(exitTask);
        } else {
            once(null, Ev.TIMEOUT, delay, (ev, what) -> gotExit = true);
        }
    }

    /** Same as {@code loopExit(null)}. */
    public void loopExit() {
        loopExit(null);
    }

    /**
     * Makes the loop return as soon as the running callback returns; the other active callbacks wait for the next
     * loop (libevent's {@code event_base_loopbreak}). Any thread; from another thread, takes effect before the
     * next poll. Asked for while no loop runs (from any thread, the owner included), it ends the next loop at once,
     * so a stop sent just as another thread starts the loop is never lost. On a closed base it does nothing.
     */
    public void loopBreak() {
        stopRequest(breakTask);
    }

    /**
     * Stops running active callbacks of the current pass and polls for new events first, without exiting
     * (libevent's {@code event_base_loopcontinue}). Loop thread.
     */
    public void loopContinue() {
        stopRequest(continueTask);
    }

    /** Sets a loop flag now when called by the running loop, else queues it for the (next) loop. */
    private void stopRequest(Runnable task) {
        if (owner.isLooping()) {
            task.run();
        } else {
            enqueue(task); // false: closed, no loop to stop
        }
    }

    /** {@return whether the last (or running) loop was told to exit by {@link #loopExit}} */
    public boolean gotExit() {
        return gotExit;
    }

    /** {@return whether the last (or running) loop was told to stop by {@link #loopBreak}} */
    public boolean gotBreak() {
        return gotBreak;
    }

    /**
     * Whether the calling thread owns the base: it runs the loop, or no loop runs and it ran the last one (or,
     * before any loop, created the base); after {@link #close()}, every thread does. See the class comment. For the
     * owner while no loop runs this is a snapshot, since another thread may start the loop at any moment: to act
     * on it, use {@link #runIfOwner}.
     *
     * @return whether the calling thread owns the base
     */
    public boolean inLoopThread() {
        return owner.owns();
    }

    /**
     * Whether the calling thread is running this base's loop now (inside one of its callbacks or tasks): the strict
     * form of {@link #inLoopThread()}, false for the holder while no loop runs and for every thread after
     * {@link #close()}. Nobody can take a running loop's base away, so a fast path may act at once when this is
     * true, with no lock and no allocation; any other caller goes through {@link #runIfOwner}.
     *
     * @return whether the calling thread runs this base's loop now
     */
    public boolean inRunningLoop() {
        return owner.isLooping();
    }

    /**
     * Runs {@code action} at once on the calling thread if that thread may act on the base: it owns it (see the
     * class comment), or the base is closed (then any thread may release what is left, one at a time). While
     * {@code action} runs, a {@link #loop} starting on another thread waits for it, so a compound operation of the
     * owner cannot interleave with a hand-off. Does nothing otherwise; a thread that neither runs the loop nor
     * held the base last decides that without waiting for the holder's {@code action}, which may be waiting for it.
     *
     * @param action what to run
     * @return whether {@code action} ran; if not, the caller may {@link #execute} it instead
     */
    public boolean runIfOwner(Runnable action) {
        Objects.requireNonNull(action, "action");
        if (owner.isLooping()) {
            action.run();
            return true;
        }
        if (owner.isStranger()) {
            return false; // without the monitor: see LoopOwner.isStranger
        }
        synchronized (owner) {
            if (owner.mayActNow()) {
                action.run();
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code action} as the owner, and never drops it: at once if the calling thread may act (see
     * {@link #runIfOwner}), else queued for the loop like {@link #execute}; and if the base is closed before a loop
     * gets to it, {@link #close()} runs it on the closing thread, after everything else is released (libevent's
     * {@code event_base_free} runs pending finalizers the same way). Meant for releasing what belongs to the base
     * (closing a BufferEvent from another thread): {@code action} must cope with a closed base. A queued
     * {@code action} that throws is reported to the {@linkplain #setCallbackErrorHandler callback error handler},
     * as a task's exception is. Any thread; never throws for a closed base.
     *
     * @param action what to run; it must cope with a closed base
     */
    public void runAsOwner(Runnable action) {
        Objects.requireNonNull(action, "action");
        if (!runIfOwner(action)) {
            actOrQueue(action::run); // wrapped: marked as an owner action that close() must run, not drop
        }
    }

    /**
     * Registers {@code release} to run when this base {@linkplain #close() closes}, unless {@link #removeOnClose}
     * takes it back first: for something that waits on this base's events or timers before it lets go of a resource
     * (a TLS BufferEvent lingering until its close_notify has left before closing the socket below). Closing the base
     * forgets those events, so without this the resource would never be released. {@code release} runs on the closing
     * thread, after the backend is closed, like the owner actions {@link #runAsOwner} queued: it must cope with a
     * closed base. A failure goes to the {@linkplain #setCallbackErrorHandler callback error handler}. If the base is
     * closed already, {@code release} runs now. Registering the same object twice registers it once. Any thread.
     *
     * @param release what to run at close; compared by identity
     */
    public void onClose(Runnable release) {
        Objects.requireNonNull(release, "release");
        synchronized (closeReleases) {
            if (!owner.isClosed()) {
                closeReleases.add(release);
                return;
            }
        }
        release.run();
    }

    /**
     * Takes back a release registered with {@link #onClose} (the wait ended and released the resource itself). Any
     * thread.
     *
     * @param release the object given to {@link #onClose}
     * @return true if it was registered and will no longer run at close; false if it was not (or ran already)
     */
    public boolean removeOnClose(Runnable release) {
        synchronized (closeReleases) {
            return closeReleases.remove(release);
        }
    }

    /**
     * A queued action that {@link #close()} runs instead of dropping: every cross-thread act on an event, and
     * {@link #runAsOwner}. Lambdas given where this type is expected carry the mark at no extra cost.
     */
    @FunctionalInterface
    private interface OwnerAction extends Runnable {
    }

    /**
     * Runs {@code action} (which must be harmless on a closed base) as the owner if the calling thread may act,
     * else queues it for the loop; if the base closes first, close() runs it, or (closed before it could be
     * queued) it runs now after all.
     */
    private void actOrQueue(OwnerAction action) {
        while (!runIfOwner(action)) {
            if (enqueue(action)) {
                return;
            }
            // closed meanwhile: now any thread may act, and the next runIfOwner does
        }
    }

    /**
     * Starts counting {@code what}, work that runs off the loop thread, as pending until its
     * {@link InFlightWork#finish} hands the result back: {@link #dispatch()} does not return meanwhile. Any
     * thread.
     *
     * @param what names the work in logs and dumps ("lookup of example.com")
     * @return the token whose {@link InFlightWork#finish} hands the result back
     * @throws IllegalStateException if the base is closed
     */
    public InFlightWork beginWork(String what) {
        Objects.requireNonNull(what, "what");
        if (owner.isClosed()) {
            throw new IllegalStateException("the EventBase is closed; " + what + " cannot begin");
        }
        workInFlight.incrementAndGet();
        return new InFlightWork(this, what);
    }

    /** {@return work begun with {@link #beginWork} whose result has not come back yet} */
    public int workInFlight() {
        return workInFlight.get();
    }

    /** {@link InFlightWork#finish}: queues the result; false (and a debug line) if the base is closed. */
    boolean finishWork(InFlightWork work, Runnable onLoop) {
        boolean queued = enqueue(() -> {
            workInFlight.decrementAndGet();
            onLoop.run();
        });
        if (!queued) {
            log.debug("{} finished after its EventBase on {} closed: the result is dropped", work, backend.name());
        }
        return queued;
    }

    /**
     * Runs {@code task} on the loop thread, before the next poll. Any thread; the backend is woken if it waits.
     * Tasks run in the order given; a task given while the loop is not running waits for the next loop.
     *
     * @throws IllegalStateException if the base is closed
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (!enqueue(task)) {
            throw new IllegalStateException("the EventBase is closed; the task cannot run");
        }
    }

    /**
     * Runs {@code task} on the loop thread and hands its result back through a future: a loop-thread task with a
     * result, for code on other threads that needs something only the loop may touch (a count of connections, a
     * BufferEvent's state). Any thread.
     *
     * <ul>
     * <li><b>Always queued</b>, as {@link #execute} queues, never run inside this call, even on the loop thread: a
     * callback that submits goes on undisturbed, and the task runs after it returns, before the next poll (a
     * re-entrant run would let the task see, and change, state the calling callback is half-way through). Tasks run
     * in the order given, {@link #execute}'s included; one submitted while no loop runs waits for the next loop.</li>
     * <li><b>Outcome.</b> The future completes with what {@code task} returns, or exceptionally with what it throws
     * (then nothing goes to the callback error handler: the future carries it; an {@link Error} is rethrown too, and
     * ends the loop as from any task). A future cancelled before the task runs keeps it from running.</li>
     * <li><b>Never pending for ever.</b> On a closed base, or one closed before a loop runs the task, the future
     * completes exceptionally with a {@link RejectedExecutionException} saying so, and the task does not run.
     * A loop that merely stops (loopExit) leaves the task for the next loop.</li>
     * <li><b>Where dependents run.</b> The future completes on the loop thread (on the closing thread when the base
     * closes first). So non-async stages added before that ({@code thenApply}, {@code whenComplete}, ...) run on the
     * loop thread, inside the loop, and must not block it. Only usually, though: {@link CompletableFuture} lets any
     * thread calling a completion method run them as well (a thread blocked in {@code get()} or {@code join()} as it
     * completes may run some), and a stage added after completion runs on the thread adding it. To be sure a stage
     * runs on the loop, give the base as its executor ({@code thenApplyAsync(f, base)}); to keep it off the loop,
     * give another. A stage that throws only fails its own future: the loop never sees it.</li>
     * </ul>
     *
     * @param task what to run on the loop thread
     * @param <T> the type of the task's result
     * @return completes on the loop thread with the task's result or exception, or exceptionally when the base is
     *     closed before the task runs
     */
    public <T> CompletableFuture<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        CompletableFuture<T> result = new CompletableFuture<>();
        // an owner action: a close() that finds it still queued runs it (failing the future) instead of dropping it
        OwnerAction run = () -> {
            if (result.isDone()) {
                return; // cancelled (or completed) by the caller while it waited
            }
            if (owner.isClosed()) {
                result.completeExceptionally(new RejectedExecutionException("the EventBase on " + backend.name()
                        + " was closed before the submitted task " + task + " could run; it did not run"));
                return;
            }
            try {
                result.complete(task.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
                if (t instanceof Error) {
                    throw (Error) t;
                }
            }
        };
        if (!enqueue(run)) {
            result.completeExceptionally(new RejectedExecutionException("the EventBase on " + backend.name()
                    + " is closed: the submitted task " + task + " cannot run; submit to a base that is open"));
        }
        return result;
    }

    /**
     * Queues {@code task} for the loop and wakes the backend unless the caller runs the loop (it looks at the
     * queue before its next poll anyway); false, queuing nothing, if the base is closed. Any thread; never throws.
     * A wake-up racing {@link #close()} is harmless: a backend's wakeup() after close does nothing.
     */
    private boolean enqueue(Runnable task) {
        if (owner.isClosed()) {
            return false;
        }
        tasks.offer(task);
        // close() may have emptied the queue between the check above and the offer: the task would then wait for
        // ever in a queue nobody reads (a BufferEvent's close lost, its descriptor leaked). Taking it back tells
        // the caller to act as on a closed base; if close() (or a loop before it) took it first, it was handled.
        if (owner.isClosed()) {
            return !tasks.remove(task);
        }
        if (!owner.isLooping() && wakeupPending.compareAndSet(false, true)) {
            readiness.wakeup();
        }
        return true;
    }

    /** {@return monotonic time in nanoseconds, the clock timers use} */
    public long nanoTime() {
        return timers.now();
    }

    /**
     * Closes the backend and forgets every event; tasks still queued are dropped, and results of work in flight
     * that arrive later too, but actions queued through {@link #runAsOwner} (and other threads' acts on events),
     * then the releases registered with {@link #onClose}, run now, on the calling thread. Any thread, but not while
     * the loop runs. Idempotent. Afterwards the events and the BufferEvents of this base may still be closed, from any
     * thread: that releases them and throws nothing.
     *
     * @throws IllegalStateException if the loop is running
     */
    @Override
    public void close() {
        synchronized (owner) {
            if (!owner.close()) {
                return;
            }
            // Under the monitor: a thread releasing an event of this base now waits until everything is gone.
            while (insertedHead != null) {
                removeNow(insertedHead, false);
            }
            for (int p = 0; p < priorities; p++) {
                while (activeHead[p] != null) {
                    unlinkActive(activeHead[p]);
                }
            }
            while (laterHead != null) {
                unlinkLater(laterHead);
            }
            for (String name : signalNames.values()) {
                SignalRelay.unsubscribe(name, signalTarget);
            }
            signalEvents.clear();
            signalNames.clear();
            List<OwnerAction> owed = null;
            int dropped = 0;
            Runnable t;
            while ((t = tasks.poll()) != null) {
                if (t instanceof OwnerAction) {
                    if (owed == null) {
                        owed = new ArrayList<>();
                    }
                    owed.add((OwnerAction) t);
                } else {
                    dropped++;
                }
            }
            readiness.close();
            // Owner actions queued by other threads (an event's or a BufferEvent's close) are releases: dropping
            // them would leak what they release. They run now, as any thread's would on a closed base.
            if (owed != null) {
                for (OwnerAction a : owed) {
                    runAtClose(a);
                }
            }
            // Releases waiting on the events just forgotten (a linger's timer) would never run: they run now.
            List<Runnable> releases;
            synchronized (closeReleases) {
                releases = new ArrayList<>(closeReleases);
                closeReleases.clear();
            }
            for (Runnable r : releases) {
                runAtClose(r::run);
            }
            log.debug("EventBase on {} closed ({} queued tasks dropped, {} owner actions and {} releases run, {} results"
                    + " of work in flight to come)", backend.name(), dropped, owed == null ? 0 : owed.size(),
                    releases.size(), workInFlight.get());
        }
    }

    /** Runs a queued owner action inside close(); a failure goes to the error handler and the others still run. */
    private void runAtClose(OwnerAction a) {
        try {
            a.run();
        } catch (RuntimeException e) {
            try {
                errorHandler.onCallbackError(null, e);
            } catch (RuntimeException again) {
                log.warn("the callback error handler itself threw while handling {}", e.toString(), again);
            }
        }
    }

    /** {@return whether {@link #close()} was called} */
    public boolean isClosed() {
        return owner.isClosed();
    }

    // ------------------------------------------------------------------------------------------ introspection

    /**
     * Calls {@code action} for every pending or active event (libevent's {@code event_base_foreach_event}).
     *
     * @param action called once per event
     */
    public void forEachEvent(Consumer<Event> action) {
        for (Event e = insertedHead; e != null; e = e.insertedNext) {
            action.accept(e);
        }
        for (int p = 0; p < priorities; p++) {
            for (Event e = activeHead[p]; e != null; e = e.activeNext) {
                if ((e.state & Event.INSERTED) == 0) {
                    action.accept(e);
                }
            }
        }
        for (Event e = laterHead; e != null; e = e.activeNext) {
            if ((e.state & Event.INSERTED) == 0) {
                action.accept(e);
            }
        }
    }

    /**
     * Writes every pending and active event, one a line (libevent's {@code event_base_dump_events}).
     *
     * @param out where to write
     * @throws IOException if {@code out} fails
     */
    public void dumpEvents(Appendable out) throws IOException {
        out.append("EventBase on ").append(backend.name()).append(" (").append(owner.toString()).append("): ")
                .append(String.valueOf(insertedCount)).append(" pending, ").append(String.valueOf(activeCount))
                .append(" active, ").append(String.valueOf(timers.size())).append(" in the timer heap, ")
                .append(String.valueOf(workInFlight.get())).append(" work in flight\n");
        out.append("Pending events:\n");
        for (Event e = insertedHead; e != null; e = e.insertedNext) {
            out.append("  ").append(e.toString()).append('\n');
        }
        out.append("Active events:\n");
        for (int p = 0; p < priorities; p++) {
            for (Event e = activeHead[p]; e != null; e = e.activeNext) {
                out.append("  ").append(e.toString()).append('\n');
            }
        }
        for (Event e = laterHead; e != null; e = e.activeNext) {
            out.append("  ").append(e.toString()).append('\n');
        }
    }

    /** {@return the number of pending events (what keeps {@link #dispatch} running)} */
    public int pendingCount() {
        return insertedCount;
    }

    /**
     * How many times this base's loops have polled the backend: once per loop iteration. A count that climbs
     * while nothing is ready and no timer is due shows a busy loop. Exact on the loop thread; from another thread,
     * a snapshot that may be stale.
     *
     * @return the number of polls so far
     */
    public long pollCount() {
        return polls;
    }

    /**
     * This loop's counters (iterations, callbacks, tasks, time waiting and working, stalls), as a snapshot. Any
     * thread, cheap (no lock; one small object): from another thread it is what the loop published at its last
     * poll. See {@link LoopStatistics}.
     *
     * @return a snapshot of the counters
     */
    public LoopStatistics statistics() {
        return counters.snapshot();
    }

    @Override
    public String toString() {
        return "EventBase[" + backend.name() + ", " + insertedCount + " pending]";
    }

    // --------------------------------------------------------------------------------- event operations (package)

    // Each operation below acts at once when called by the running loop or, under the owner's monitor, by the
    // holder while no loop runs (or by anyone after close), without building the cross-thread lambda first: that
    // would allocate per call unless escape analysis removes it, which it does not promise, and a server setting up
    // its events before dispatch is a holder. Only a stranger goes through actOrQueue, which may queue. So an action may run after
    // the base closed, and each checks for that itself. The running loop judges an event closed by its state bit
    // (exact on that thread), other threads by closeRequested (which includes their own close still queued).

    void addEvent(Event e, long nanos, CommonTimeout ct) {
        if (owner.isLooping()) { // (a base cannot be closed while its loop runs)
            if ((e.state & Event.CLOSED) != 0) {
                throw new IllegalStateException(e + " was closed; create a new event");
            }
            addNow(e, nanos, ct);
            return;
        }
        if (e.isClosed()) {
            throw new IllegalStateException(e + " was closed; create a new event");
        }
        if (owner.isClosed()) {
            throw new IllegalStateException("the EventBase is closed; " + e + " cannot be added");
        }
        if (!owner.isStranger()) {
            synchronized (owner) {
                if (owner.mayActNow()) {
                    if (!owner.isClosed()) { // else closed since the check above: nothing can fire any more
                        addNow(e, nanos, ct);
                    }
                    return;
                }
            }
        }
        actOrQueue(() -> {
            if (!owner.isClosed()) { // else closed since the check above: nothing can fire any more
                addNow(e, nanos, ct);
            }
        });
    }

    void removeEvent(Event e) {
        if (owner.isLooping()) {
            removeNow(e, true);
            return;
        }
        if (!owner.isStranger()) {
            synchronized (owner) {
                if (owner.mayActNow()) {
                    removeIfOpen(e);
                    return;
                }
            }
        }
        actOrQueue(() -> removeIfOpen(e));
    }

    /** Removes {@code e}; on a closed base nothing is left to remove (close() took every event out). */
    private void removeIfOpen(Event e) {
        if (!owner.isClosed()) {
            removeNow(e, true);
        }
    }

    /**
     * Closes {@code e}. Marked closed at once on the calling thread, so that this thread's later add() or
     * activate() throws even while the close itself is still queued for the loop.
     */
    void closeEvent(Event e) {
        e.closeRequested = true;
        if (owner.isLooping()) {
            closeNow(e);
            return;
        }
        if (!owner.isStranger()) {
            synchronized (owner) {
                if (owner.mayActNow()) {
                    closeNow(e);
                    return;
                }
            }
        }
        actOrQueue(() -> closeNow(e));
    }

    /** Removes {@code e} for good. After the base closed, only marks it: there is nothing left to release. */
    private void closeNow(Event e) {
        removeIfOpen(e);
        e.state |= Event.CLOSED;
    }

    /**
     * Activates {@code e}. From another thread the activation is queued, and dropped if the event is closed by
     * the time the loop gets to it (a close queued just before, by this or another thread): a closed event's
     * callback never runs. On a closed base it does nothing.
     */
    void activateEvent(Event e, int what) {
        if (owner.isLooping()) {
            if ((e.state & Event.CLOSED) != 0) {
                throw new IllegalStateException(e + " was closed; create a new event");
            }
            activate(e, what);
            return;
        }
        if (e.isClosed()) {
            throw new IllegalStateException(e + " was closed; create a new event");
        }
        if (!owner.isStranger()) {
            synchronized (owner) {
                if (owner.mayActNow()) {
                    if ((e.state & Event.CLOSED) == 0 && !owner.isClosed()) {
                        activate(e, what);
                    }
                    return;
                }
            }
        }
        actOrQueue(() -> {
            if ((e.state & Event.CLOSED) == 0 && !owner.isClosed()) {
                activate(e, what);
            }
        });
    }

    /**
     * Sets {@code e}'s priority. The running loop (or the holder) is refused for an active event, as in libevent;
     * from another thread, which cannot know whether the event is active, the change is queued and moves an
     * active event to its new queue (the active queues are indexed by priority: changing the field under a queued
     * event would corrupt them).
     */
    void setPriority(Event e, int p) {
        if (p < 0 || p >= priorities) {
            throw new IllegalArgumentException("expected 0 <= priority < " + priorities + ", got " + p
                    + "; raise EventConfig.priorities(n) for more");
        }
        if (owner.isLooping()) {
            setPriorityNow(e, p);
            return;
        }
        if (!owner.isStranger()) {
            synchronized (owner) {
                if (owner.mayActNow()) {
                    setPriorityNow(e, p);
                    return;
                }
            }
        }
        actOrQueue(() -> {
            if ((e.state & Event.ACTIVE) != 0) {
                int what = e.result;
                unlinkActive(e);
                e.priority = p;
                activate(e, what);
            } else {
                e.priority = p;
            }
        });
    }

    private void setPriorityNow(Event e, int p) {
        if ((e.state & Event.ACTIVE) != 0) {
            throw new IllegalStateException(e + " is active; change its priority before it fires or after its"
                    + " callback");
        }
        e.priority = p;
    }

    private void checkHandleKind(Handle h) {
        Class<? extends Handle> kind = backend.handleType();
        if (!kind.isInstance(h)) {
            throw new IllegalArgumentException("the " + backend.name() + " backend works on "
                    + kind.getSimpleName() + ", got " + h.getClass().getSimpleName() + " (" + h + "): create"
                    + " handles with base.netOps(), or choose a backend for this kind of handle");
        }
    }

    private void addNow(Event e, long nanos, CommonTimeout ct) {
        if ((e.state & Event.CLOSED) != 0) {
            return; // closed between the call and this task
        }
        if ((e.state & Event.INSERTED) == 0) {
            if ((e.events & Ev.IO_MASK) != 0) {
                io.insert(e);
            } else if ((e.events & Ev.SIGNAL) != 0) {
                insertSignal(e);
            }
            e.state |= Event.INSERTED;
            e.insertedPrev = null;
            e.insertedNext = insertedHead;
            if (insertedHead != null) {
                insertedHead.insertedPrev = e;
            }
            insertedHead = e;
            insertedCount++;
            if (nanos < 0) {
                e.timeoutNanos = -1; // pending with no timeout: a persistent event must not restart an old one
            }
        }
        if (nanos >= 0) {
            // rescheduling a timeout before its callback ran cancels the pending TIMEOUT activation (libevent)
            if ((e.state & Event.ACTIVE) != 0 && e.result == Ev.TIMEOUT) {
                unlinkActive(e);
            }
            e.timeoutNanos = nanos;
            timers.schedule(e, timers.now(), nanos, ct); // sets e.common once the old timeout is gone
        }
    }

    private void insertSignal(Event e) {
        List<Event> list = signalEvents.get(e.signo);
        if (list == null) {
            list = new ArrayList<>(2);
            signalEvents.put(e.signo, list);
            signalNames.put(e.signo, e.signalName);
            SignalRelay.subscribe(e.signalName, signalTarget);
        }
        list.add(e);
    }

    private void removeSignal(Event e) {
        List<Event> list = signalEvents.get(e.signo);
        if (list != null && list.remove(e) && list.isEmpty()) {
            signalEvents.remove(e.signo);
            signalNames.remove(e.signo);
            SignalRelay.unsubscribe(e.signalName, signalTarget);
        }
    }

    private void deliverSignal(int signo) {
        List<Event> list = signalEvents.get(signo);
        if (list != null) {
            for (Event e : list) {
                activate(e, Ev.SIGNAL);
            }
        }
    }

    /**
     * Takes an event out of everything. {@code eager}: a deregistration is sent to the backend now rather than
     * batched, because the caller may close the handle next (a user's remove()); the library's own removal of a
     * firing one-shot event stays batched, since its callback may add it again.
     */
    private void removeNow(Event e, boolean eager) {
        if ((e.state & Event.ACTIVE) != 0) {
            unlinkActive(e);
        }
        if ((e.state & Event.TIMED) != 0) {
            timers.unschedule(e);
        }
        IoSlot s = e.slot;
        if ((e.state & Event.INSERTED) != 0) {
            removeInserted(e);
        }
        if (eager && s == null && e.handle != null) {
            s = io.slotFor(e.handle);
        }
        if (eager && s != null && s.live && s.interest == 0) {
            io.flush(s);
        }
    }

    private void removeInserted(Event e) {
        e.state &= ~Event.INSERTED;
        if (e.insertedPrev == null) {
            insertedHead = e.insertedNext;
        } else {
            e.insertedPrev.insertedNext = e.insertedNext;
        }
        if (e.insertedNext != null) {
            e.insertedNext.insertedPrev = e.insertedPrev;
        }
        e.insertedPrev = null;
        e.insertedNext = null;
        insertedCount--;
        if (e.slot != null) {
            io.remove(e);
        } else if ((e.events & Ev.SIGNAL) != 0) {
            removeSignal(e);
        }
    }

    // -------------------------------------------------------------------------------------------------- timers

    /** For tests in this package: timers follow {@code clock} instead of {@link System#nanoTime()}. */
    void useClock(LongSupplier clock) {
        timers.useClock(clock);
    }

    /** A timeout passed: a one-shot event stops being pending, and the event runs with TIMEOUT. */
    void expire(Event e) {
        e.state &= ~Event.TIMED;
        if ((e.events & Ev.PERSIST) == 0 && (e.state & Event.INSERTED) != 0) {
            removeInserted(e);
        }
        activate(e, Ev.TIMEOUT);
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    /**
     * Makes {@code e} active with {@code what} (merged into its result if already active). Loop thread. An event
     * more urgent than the queue being run ends that queue's pass, as in libevent's {@code event_active}: it runs
     * next, before the rest of the queue whose callback activated it.
     *
     * <p>An event whose callback already ran {@link #RUNS_PER_PASS} times in this pass goes to the next-pass list
     * instead. Without that bound a callback that activates its own event again (a socket writer refilling its
     * output from its write callback, whose write handler is activated rather than registered, to save a system
     * call per message) keeps the queue non-empty for as long as the kernel takes bytes: no poll, no timer and no
     * other connection runs meanwhile. The bound is per event, so an echo (one read, one write per message) and a
     * chain of events that activate one another once each keep running in one pass, as before.
     */
    void activate(Event e, int what) {
        if ((e.state & Event.ACTIVE) != 0) {
            e.result |= what;
            return;
        }
        e.state |= Event.ACTIVE;
        e.result = what;
        activeCount++;
        long stamp = e.runStamp;
        if (stamp >>> RUN_BITS == polls && (stamp & ((1 << RUN_BITS) - 1)) >= RUNS_PER_PASS) {
            e.state |= Event.LATER;
            e.activeNext = null;
            e.activePrev = laterTail;
            if (laterTail == null) {
                laterHead = e;
            } else {
                laterTail.activeNext = e;
            }
            laterTail = e;
            return;
        }
        linkActive(e);
    }

    /** Appends the ACTIVE event {@code e} to its priority's queue. */
    private void linkActive(Event e) {
        int p = e.priority;
        if (p < runningPriority) {
            continueRequested = true;
        }
        e.activeNext = null;
        e.activePrev = activeTail[p];
        if (activeTail[p] == null) {
            activeHead[p] = e;
        } else {
            activeTail[p].activeNext = e;
        }
        activeTail[p] = e;
    }

    /** Moves the next-pass list to the priority queues. Called just before the poll that starts a new pass. */
    private void activateLater() {
        Event e;
        while ((e = laterHead) != null) {
            laterHead = e.activeNext;
            e.state &= ~Event.LATER;
            linkActive(e);
        }
        laterTail = null;
    }

    private void unlinkActive(Event e) {
        if ((e.state & Event.LATER) != 0) {
            unlinkLater(e);
            return;
        }
        int p = e.priority;
        if (e.activePrev == null) {
            activeHead[p] = e.activeNext;
        } else {
            e.activePrev.activeNext = e.activeNext;
        }
        if (e.activeNext == null) {
            activeTail[p] = e.activePrev;
        } else {
            e.activeNext.activePrev = e.activePrev;
        }
        e.activePrev = null;
        e.activeNext = null;
        e.state &= ~Event.ACTIVE;
        activeCount--;
    }

    private void unlinkLater(Event e) {
        if (e.activePrev == null) {
            laterHead = e.activeNext;
        } else {
            e.activePrev.activeNext = e.activeNext;
        }
        if (e.activeNext == null) {
            laterTail = e.activePrev;
        } else {
            e.activeNext.activePrev = e.activePrev;
        }
        e.activePrev = null;
        e.activeNext = null;
        e.state &= ~(Event.ACTIVE | Event.LATER);
        activeCount--;
    }

    /**
     * Runs the most urgent non-empty priority; returns callbacks run, or -1 after loopBreak. The pass ends early
     * (the loop polls, then starts again from the most urgent queue) after loopContinue, the maxDispatch limits, or
     * the activation of a more urgent event.
     */
    private int processActive() {
        long end = maxDispatchNanos >= 0 ? System.nanoTime() + maxDispatchNanos : 0;
        for (int p = 0; p < priorities; p++) {
            if (activeHead[p] != null) {
                boolean limited = p >= limitAfterPriority;
                runningPriority = p;
                try {
                    return processQueue(p, limited ? maxDispatchCallbacks : Integer.MAX_VALUE,
                            limited && maxDispatchNanos >= 0, end);
                } finally {
                    runningPriority = -1;
                }
            }
        }
        return 0;
    }

    private int processQueue(int p, int max, boolean timed, long end) {
        int count = 0;
        Event e;
        while ((e = activeHead[p]) != null) {
            int what = e.result;
            unlinkActive(e);
            if ((e.events & Ev.PERSIST) != 0) {
                restartPersistentTimeout(e, what);
            } else {
                removeNow(e, false);
            }
            count++;
            long stamp = e.runStamp; // counts this run against the event's share of the pass (see activate)
            e.runStamp = stamp >>> RUN_BITS == polls ? stamp + 1 : polls << RUN_BITS | 1;
            invoke(e, what);
            if ((e.state & Event.ONCE) != 0) {
                removeNow(e, false);
                e.state |= Event.CLOSED;
            }
            if (gotBreak) {
                return -1;
            }
            if (count >= max || (timed && System.nanoTime() - end >= 0) || continueRequested) {
                break;
            }
        }
        return count;
    }

    private void restartPersistentTimeout(Event e, int what) {
        if (e.timeoutNanos < 0 || (e.state & Event.INSERTED) == 0) {
            return;
        }
        long now = timers.now();
        if (e.common == null && (what & Ev.TIMEOUT) != 0) {
            // periodic timers keep their phase: the next deadline follows the last one, unless we are so late
            // that it is already past
            long next = e.deadline + e.timeoutNanos;
            timers.schedule(e, next - now > 0 ? e.deadline : now, e.timeoutNanos, null);
        } else {
            timers.schedule(e, now, e.timeoutNanos, e.common);
        }
    }

    private void invoke(Event e, int what) {
        counters.callbackRan();
        long start = watching ? watchStart() : 0;
        try {
            e.callback.onEvent(e, what);
        } catch (Error err) {
            throw err;
        } catch (Throwable t) {
            callbackFailed(e, t);
        }
        if (watching) {
            watchEnd(false, e, e.callback, start);
        }
    }

    private void runTasks() {
        Runnable r;
        int n = 0;
        while (n < MAX_TASKS_PER_ITERATION && !gotBreak && (r = tasks.poll()) != null) {
            n++;
            counters.taskRan();
            long start = watching ? watchStart() : 0;
            try {
                r.run();
            } catch (Error err) {
                throw err;
            } catch (Throwable t) {
                callbackFailed(null, t);
            }
            if (watching) {
                watchEnd(true, r, r, start);
            }
        }
    }

    /** A watched callback starts: {@return its start for the stall detector (0 when it is off)} */
    private long watchStart() {
        if (flightTiming) {
            flight.begin();
        }
        return timing ? System.nanoTime() : 0;
    }

    /** A watched callback (or task) that started at {@code start} returned. */
    private void watchEnd(boolean task, Object what, Object callback, long start) {
        if (flightTiming) {
            flight.end(task, what, callback);
        }
        if (timing) {
            counters.timed(what, start);
        }
    }

    private void callbackFailed(Event e, Throwable t) {
        if (rethrowCallbackErrors) {
            if (t instanceof RuntimeException) {
                throw (RuntimeException) t;
            }
            throw new IllegalStateException((e == null ? "a task" : e.toString()) + " threw " + t, t);
        }
        try {
            errorHandler.onCallbackError(e, t);
        } catch (RuntimeException again) {
            log.warn("the callback error handler itself threw while handling {}", t.toString(), again);
        }
    }
}
