package io.jevent.bufferevent;

import io.jevent.EventBase;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The calls other threads make on a {@link BevOption#THREADSAFE} BufferEvent, in the order they were made, run by
 * whichever loop owns it when they are drained. One queue per BufferEvent rather than one task per call: a task
 * left on the old loop by a {@link BufferEvent#moveTo} would be forwarded to the new loop behind calls made after
 * the move (one thread's two writes reaching the socket swapped). A drain that finds the BufferEvent moved is
 * forwarded whole, so the calls keep their order. The drain is an owner action ({@link EventBase#runAsOwner}): a
 * base that closes first runs it in its close() instead of dropping it.
 *
 * <p>The owner's own calls act at once, but only after the calls queued before them ({@link #call},
 * {@link #catchUp}): a thread whose call was queued while the BufferEvent was on another loop may own the loop it
 * has moved to by the time of its next call (it runs that loop, or holds it because the loop has not started), and
 * that call must not overtake the first one, still on its way from the old loop.
 */
final class StrangerCalls {
    private final BufferEvent bev;
    private final ConcurrentLinkedQueue<Runnable> calls = new ConcurrentLinkedQueue<>();
    /** A drain is queued on some loop and has not begun taking calls. */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    StrangerCalls(BufferEvent bev) {
        this.bev = bev;
    }

    /**
     * Runs {@code call} at once, after the calls queued before it, if the calling thread may act on the BufferEvent's
     * loop (see {@link EventBase#runIfOwner}); else queues it for that loop. Any thread.
     *
     * @param call what to run as the owner
     */
    void call(Runnable call) {
        EventBase b = bev.base();
        if (b.inRunningLoop()) { // the loop itself: no lock
            catchUp(b);
            call.run();
        } else if (!b.runIfOwner(() -> {
            catchUp(b);
            call.run();
        })) {
            add(call);
        }
    }

    /** Queues {@code call} for the owning loop. Any thread. */
    void add(Runnable call) {
        calls.add(call);
        if (scheduled.compareAndSet(false, true)) {
            schedule(bev.base());
        }
    }

    private void schedule(EventBase b) {
        b.runAsOwner(() -> drain(b));
    }

    /** On {@code b}'s loop (or its closing thread): runs the calls queued, or follows the BufferEvent to its loop. */
    private void drain(EventBase b) {
        EventBase now = bev.base();
        if (now != b) {
            schedule(now); // moved meanwhile: the whole queue follows, in order
            return;
        }
        scheduled.set(false); // from here a new call schedules a drain of its own (behind this one)
        catchUp(b);
    }

    /**
     * Runs the calls queued so far, in order, before an owner's call acts, or from the drain. On {@code b}'s loop (or
     * as its owner), {@code b} being the BufferEvent's base. A drain still queued somewhere then finds nothing to do.
     * Nothing is allocated when the queue is empty.
     *
     * @param b the BufferEvent's base, which the calling thread may act on
     */
    void catchUp(EventBase b) {
        Runnable call;
        while ((call = calls.poll()) != null) {
            try {
                call.run();
            } catch (RuntimeException e) {
                if (b.isClosed()) {
                    throw e;
                }
                b.reportCallbackError(e); // as a task's would be; the calls behind it still run
            }
        }
    }
}
