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
 */
final class StrangerCalls {
    private final BufferEvent bev;
    private final ConcurrentLinkedQueue<Runnable> calls = new ConcurrentLinkedQueue<>();
    /** A drain is queued on some loop and has not begun taking calls. */
    private final AtomicBoolean scheduled = new AtomicBoolean();

    StrangerCalls(BufferEvent bev) {
        this.bev = bev;
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
