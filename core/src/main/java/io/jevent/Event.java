package io.jevent;

import io.jevent.spi.Handle;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Something to wait for: readiness of a {@link Handle}, a timeout, a signal, or a user activation; libevent's
 * {@code struct event}. Made by {@link EventBase#newEvent}, {@link EventBase#newTimer},
 * {@link EventBase#newSignal} or {@link EventBase#newUserEvent}.
 *
 * <p>An event is <em>pending</em> between {@link #add} and the moment it fires (for ever, with {@link Ev#PERSIST},
 * until {@link #remove}), and <em>active</em> between firing and its callback. A non-persistent event is no longer
 * pending when its callback runs, so the callback may {@link #add} it again; a persistent event with a timeout
 * has the timeout restarted each time it fires, which makes it an idle timeout.
 *
 * <p><b>Threading.</b> Methods may be called from any thread. On the thread that owns the base (see
 * {@link EventBase}) they act at once; from another thread they are handed to the loop through
 * {@link EventBase#execute} and act before its next poll. Arguments are checked on the calling thread either way,
 * so misuse throws where it happens. {@link #pending} read from another thread is a snapshot that may already be
 * stale. Once the base is closed, {@link #remove} and {@link #close} still work from any thread (there is nothing
 * left to release) and {@link #activate} does nothing.
 *
 * <p>Not {@code AutoCloseable} on purpose: an event is cheap, and {@link #close()} is for giving up one that will
 * not be used again, so that a later {@code add} by mistake throws instead of silently re-arming.
 */
public final class Event {
    // --- state bits (field 'state'); one word so that a dump shows the whole life cycle at once
    static final int INSERTED = 1;   // pending: in the base's inserted list (and I/O slot / signal table)
    static final int ACTIVE = 2;     // in an active queue, 'result' holds why
    static final int TIMED = 4;      // in the timer heap or a common-timeout FIFO
    static final int CLOSED = 8;     // close() was called; add() throws
    static final int INTERNAL = 16;  // made by the library (once, loopExit); not counted, not dumped
    static final int ONCE = 32;      // closed after its callback runs
    static final int LATER = 64;     // with ACTIVE: waits in the base's next-pass list, not in a priority queue

    final EventBase base;
    final Handle handle;
    final int events;
    final EventCallback callback;
    /** Signal number for SIGNAL events, else -1. */
    final int signo;
    /** Signal name for SIGNAL events ("USR1"), else null. */
    final String signalName;
    int priority;

    /** Life-cycle bits, see the constants above. Loop thread only. */
    int state;
    /**
     * {@link #close()} was called, on whatever thread: set at once by the caller, while CLOSED in {@link #state}
     * is set when the loop carries the close out. Lets that thread's later add() or activate() throw even while
     * its close is still queued.
     */
    volatile boolean closeRequested;
    /** Why the event is active (bits of Ev); valid while ACTIVE. */
    int result;

    /** Monotonic deadline (System.nanoTime) while TIMED. */
    long deadline;
    /** Insertion order, breaks deadline ties so equal deadlines fire first-added first. */
    long seq;
    /** Index in the timer heap, or -1 when not in the heap (also -1 when on a common-timeout FIFO). */
    int heapIndex = -1;
    /** The timeout the event was last added with, in ns, -1 for none; used to restart persistent timeouts. */
    long timeoutNanos = -1;
    /**
     * The common timeout the event was last added with, or null; while TIMED, the FIFO it waits on (null: the
     * heap). Written only by {@link TimerQueue#schedule}, which needs the old value to cancel the old timeout.
     */
    CommonTimeout common;
    Event commonPrev;
    Event commonNext;

    /**
     * When the callback last ran and how often in that pass: {@code (pass << 16) | runs}, the pass being the
     * base's poll count. Lets the base defer an event that already ran its share of a pass to the next one.
     */
    long runStamp;

    Event activePrev;
    Event activeNext;

    IoSlot slot;
    Event slotPrev;
    Event slotNext;

    Event insertedPrev;
    Event insertedNext;

    Event(EventBase base, Handle handle, int events, EventCallback callback, int signo, String signalName,
          int priority) {
        this.base = base;
        this.handle = handle;
        this.events = events;
        this.callback = callback;
        this.signo = signo;
        this.signalName = signalName;
        this.priority = priority;
    }

    /** Makes the event pending with no timeout. */
    public void add() {
        base.addEvent(this, -1, null);
    }

    /**
     * Makes the event pending; it fires with {@link Ev#TIMEOUT} if nothing else happens first. Adding a pending
     * event again replaces its timeout.
     *
     * @param timeout {@code >= 0}; zero fires on the next loop iteration
     */
    public void add(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("expected a timeout >= 0, got " + timeout
                    + "; use add() for no timeout");
        }
        base.addEvent(this, saturatedNanos(timeout), null);
    }

    /**
     * Makes the event pending with a timeout.
     *
     * @param timeout {@code >= 0}
     * @param unit its unit
     */
    public void add(long timeout, TimeUnit unit) {
        Objects.requireNonNull(unit, "unit");
        if (timeout < 0) {
            throw new IllegalArgumentException("expected a timeout >= 0, got " + timeout + " " + unit
                    + "; use add() for no timeout");
        }
        base.addEvent(this, unit.toNanos(timeout), null);
    }

    /**
     * Makes the event pending with a shared timeout from {@link EventBase#commonTimeout}: O(1), for many events
     * with the same duration (idle connections).
     *
     * @param timeout a common timeout of this event's base
     */
    public void add(CommonTimeout timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.base != base) {
            throw new IllegalArgumentException("the common timeout belongs to another EventBase; create one with"
                    + " this event's base.commonTimeout(duration)");
        }
        base.addEvent(this, timeout.nanos, timeout);
    }

    /** Makes the event non-pending and non-active. Removing a non-pending event does nothing. */
    public void remove() {
        base.removeEvent(this);
    }

    /**
     * Makes the event active as if {@code what} had happened: its callback runs with {@code what} (libevent's
     * {@code event_active}), in the loop pass under way when called from a callback, else in the next. An event
     * whose callback already ran {@code jevent.eventRunsPerPass} times (default 16) in the current pass waits for
     * the next pass, which polls first without blocking: an event that keeps activating itself (a writer
     * refilling its output from its write callback) cannot hold the loop. Works whether or not the event is
     * pending; activating an active event adds the bits. From another thread the activation is queued, and
     * dropped if the event has been closed by the time the loop runs it.
     *
     * @param what the bits the callback sees, such as {@link Ev#READ}
     * @throws IllegalStateException if the event was closed (as far as the calling thread can tell)
     */
    public void activate(int what) {
        base.activateEvent(this, what);
    }

    /**
     * Which of {@code what} the event is pending or active on ({@code 0}: neither).
     *
     * @param what bits of {@link Ev#READ}, {@link Ev#WRITE}, {@link Ev#SIGNAL}, {@link Ev#TIMEOUT},
     *     {@link Ev#CLOSED}
     * @return the subset of {@code what} the event is pending or active on
     */
    public int pending(int what) {
        int s = state;
        int flags = 0;
        if ((s & INSERTED) != 0) {
            flags |= events & (Ev.READ | Ev.WRITE | Ev.SIGNAL | Ev.CLOSED);
        }
        if ((s & TIMED) != 0) {
            flags |= Ev.TIMEOUT;
        }
        if ((s & ACTIVE) != 0) {
            flags |= result;
        }
        return flags & what;
    }

    /** {@return whether the event is pending (added and not yet fired, or persistent)} */
    public boolean isPending() {
        return (state & (INSERTED | TIMED)) != 0;
    }

    /**
     * Removes the event and forbids adding or activating it again. Idempotent. Called on the loop thread, the
     * callback does not run after this returns; from another thread, it does not run after the loop has carried
     * out the close, and an activation from this thread after the close throws.
     */
    public void close() {
        base.closeEvent(this);
    }

    /** {@return whether {@link #close()} was called (or, for a {@code once} event, it has run)} */
    public boolean isClosed() {
        return closeRequested || (state & CLOSED) != 0;
    }

    /**
     * Sets the priority; lower runs first. From a thread that does not own the base the change is queued, and an
     * event active by then moves to its new priority's queue.
     *
     * @param priority {@code 0 <= priority < base.priorities()}
     * @throws IllegalStateException if the event is active and the calling thread owns the base
     */
    public void priority(int priority) {
        base.setPriority(this, priority);
    }

    /** {@return the priority} */
    public int priority() {
        return priority;
    }

    /** {@return the handle, or {@code null} for timers, signals and user events} */
    public Handle handle() {
        return handle;
    }

    /** {@return the flags it was made with} */
    public int events() {
        return events;
    }

    /** {@return the callback} */
    public EventCallback callback() {
        return callback;
    }

    /** {@return the base it belongs to} */
    public EventBase base() {
        return base;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Event[");
        if (handle != null) {
            sb.append(handle).append(' ');
        }
        if (signalName != null) {
            sb.append("SIG").append(signalName).append(' ');
        }
        sb.append(events == 0 ? (handle == null && signalName == null ? "timer/user" : "0") : Ev.toString(events));
        sb.append(" prio ").append(priority);
        if ((state & INSERTED) != 0 || (state & TIMED) != 0) {
            sb.append(" pending");
        }
        if ((state & TIMED) != 0) {
            sb.append(" timeout in ").append((deadline - System.nanoTime()) / 1_000_000).append(" ms");
            if (common != null) {
                sb.append(" (common ").append(common.nanos / 1_000_000).append(" ms)");
            }
        }
        if ((state & ACTIVE) != 0) {
            sb.append(" active ").append(Ev.toString(result));
            if ((state & LATER) != 0) {
                sb.append(" (next pass)");
            }
        }
        if ((state & CLOSED) != 0) {
            sb.append(" closed");
        }
        return sb.append(']').toString();
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }
}
