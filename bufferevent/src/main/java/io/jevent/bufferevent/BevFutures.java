package io.jevent.bufferevent;

import io.jevent.EventBase;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * The futures a user asked of one BufferEvent ({@link BufferEvent#outputDrained()}, {@link BufferEvent#closeFuture()},
 * {@link SocketBufferEvent#connect}): extra listeners beside the callbacks, never in their place. Made at the first
 * such request and kept in the BufferEvent's extras, so a connection that asks for none pays one null check where
 * bytes leave its output, where an event is reported and at close, and allocates nothing.
 *
 * <p>What happened is <em>recorded</em> where it happens (an event reported, bytes leaving the output) and the
 * futures are <em>completed</em> later, from a task of the loop ({@link #settle}), never inside the engine's handler,
 * the buffer's change hook or the user's call that caused it: dependent stages are user code, and run where a
 * callback could. So in one loop pass the callbacks for an event run first, then the futures complete. With
 * {@link BevOption#DEFER_CALLBACKS} the callbacks themselves run later, from the deferred-callback event, and the
 * futures complete at the end of that same run instead (a task could overtake it). Only
 * {@link #closed} completes them at once, inside {@code close()}: a close may come after the last loop (from the
 * owner after {@code dispatch()} returned, from any thread once the base is closed), where no task would ever run.
 * Recording first also keeps the cause: an event callback that closes the BufferEvent on ERROR fails the pending
 * drains with that ERROR's cause, not with "closed".
 *
 * <p>Loop thread only (the BufferEvent's owner), like the state it watches.
 */
final class BevFutures {
    /** A {@link BufferEvent#outputDrained()} waiting for the output to have lost {@code mark} bytes in total. */
    private static final class Drain {
        final long mark;
        final CompletableFuture<Void> future;

        Drain(long mark, CompletableFuture<Void> future) {
            this.mark = mark;
            this.future = future;
        }
    }

    /** A future whose outcome is known and waits for {@link #settle}: {@code failure}, or success when null. */
    private static final class Owed {
        final CompletableFuture<Void> future;
        final Throwable failure;

        Owed(CompletableFuture<Void> future, Throwable failure) {
            this.future = future;
            this.failure = failure;
        }
    }

    private final BufferEvent bev;
    /** Runs {@link #settle} from the loop; one object, queued at most once at a time. */
    private final Runnable settleTask = this::settleTask;
    /** {@link #settleTask} is queued and has not run. */
    private boolean scheduled;

    /** The connect in progress, or null. */
    private CompletableFuture<Void> connect;
    /** Where {@link #connect} goes, for messages. */
    private Object connectTarget;
    /** The connect's outcome, recorded and not yet delivered: {@link #CONNECTED} or its failure; null: none yet. */
    private Throwable connectOutcome;
    /** Drains in the order asked, so with rising marks. Null until the first. */
    private ArrayDeque<Drain> drains;
    /** {@link #drains} is pruned of futures already done when it holds this many (twice what the last prune left). */
    private int pruneAt = PRUNE_MIN;
    /** Fewest drains held before pruning is worth a walk. */
    private static final int PRUNE_MIN = 16;
    /** Bytes that left the output since this object was made (sent, handed down, or removed by the user). */
    private long removed;
    /** Why the connection failed (an ERROR, either direction), for the drains, now and later; null: it has not. */
    private Throwable writeFailure;
    /**
     * {@link #writeFailure} when a connect's failure set it: a connect that timed out goes on, and may still come up
     * (CONNECTED then clears it). Null otherwise.
     */
    private Throwable failedConnect;
    /**
     * A write timeout fired: the drains pending fail with this, once. Not kept for later drains: writing may be
     * enabled again, and bytes then leave as usual. Null: none to deliver.
     */
    private Throwable timedOut;
    /**
     * Futures taken off {@link #connect} and {@link #drains} with their outcome when a new connect started before
     * that outcome was delivered (the event callback connecting elsewhere after a failure), in order; null: none.
     */
    private ArrayDeque<Owed> owed;
    /** Completes once fully closed: the layer above waits on it; never handed to the user. Null until asked. */
    private CompletableFuture<Void> closeFuture;
    /**
     * The users' {@link BufferEvent#closeFuture()}s, each its own (one asker cancelling cannot complete another's),
     * completed with {@link #closeFuture}. Null until the first.
     */
    private ArrayDeque<CompletableFuture<Void>> closeWaiters;
    /** {@link #closeWaiters} is pruned of futures already done when it holds this many. */
    private int closePruneAt = PRUNE_MIN;

    /** The marker outcome of a connect that succeeded. */
    private static final Throwable CONNECTED = new Throwable("connected", null, false, false) {
    };

    BevFutures(BufferEvent bev) {
        this.bev = bev;
    }

    // ------------------------------------------------------------------------------------------------ asking

    /** Completes {@code f} once everything now in the output has left it (and, for a layer, the chain below it). */
    void addDrain(CompletableFuture<Void> f) {
        if (bev.isClosed()) {
            f.completeExceptionally(closedBefore("its output drained", bev.output().length()));
            return;
        }
        if (writeFailure != null) {
            f.completeExceptionally(writeFailure);
            return;
        }
        long pending = bev.output().length();
        if (pending == 0) {
            drainedHere(f); // at once, or when the chain below has drained too
            return;
        }
        ArrayDeque<Drain> d = drains;
        if (d == null) {
            d = new ArrayDeque<>();
            drains = d;
        } else if (d.size() >= pruneAt) {
            // futures the user cancelled or timed out (orTimeout) are done already: a peer that never reads would
            // otherwise let a "drained yet?" poll grow this without bound. Pruning when the deque has doubled
            // since the last prune keeps the cost per ask constant.
            d.removeIf(BevFutures::givenUp);
            pruneAt = Math.max(PRUNE_MIN, 2 * d.size());
        }
        d.add(new Drain(removed + pending, f));
    }

    private static boolean givenUp(Drain d) {
        return d.future.isDone();
    }

    /**
     * Takes {@code f} as the future of the connect starting now, to {@code target}. A BufferEvent has no socket
     * then, so a previous connect has failed (or is still to report a synchronous failure): if its outcome is
     * recorded but not delivered yet (the event callback that got its ERROR starts this one), it stays that
     * future's, as the drains pending then keep that failure; drains asked from now on wait for this connect.
     */
    void connecting(CompletableFuture<Void> f, Object target) {
        if (connect != null && connectOutcome != null) {
            owe(connect, connectOutcome == CONNECTED ? null : connectOutcome);
        }
        if (writeFailure != null) { // a failed connect's: nothing else fails a BufferEvent without a socket
            ArrayDeque<Drain> d = drains;
            Drain x;
            while (d != null && (x = d.pollFirst()) != null) {
                owe(x.future, writeFailure);
            }
            writeFailure = null;
            failedConnect = null;
        }
        connect = f;
        connectTarget = target;
        connectOutcome = null;
    }

    /**
     * The one close future, made on first ask (complete already if the BufferEvent has fully closed). Never handed
     * to the user ({@link #addCloseWaiter} gives each asker a future of its own): one asker cancelling or timing out
     * what it got must not complete it for the others, nor for the layer above that waits on it.
     */
    CompletableFuture<Void> closeFuture() {
        CompletableFuture<Void> c = closeFuture;
        if (c == null) {
            c = new CompletableFuture<>();
            closeFuture = c;
            if (bev.isClosed()) {
                completeClose();
            }
        }
        return c;
    }

    private void owe(CompletableFuture<Void> f, Throwable failure) {
        if (owed == null) {
            owed = new ArrayDeque<>();
        }
        owed.add(new Owed(f, failure));
        schedule(); // normally scheduled already, by the event that recorded the outcome
    }

    /** Drains held, pending or not yet pruned: for tests of what abandoned futures cost. */
    int drainsHeld() {
        return drains == null ? 0 : drains.size();
    }

    /** Users' close futures held, pending or not yet pruned: for tests of what abandoned futures cost. */
    int closeWaitersHeld() {
        return closeWaiters == null ? 0 : closeWaiters.size();
    }

    /**
     * Completes {@code f}, a user's own future, once this BufferEvent has fully closed (at once if it has). Futures
     * the user cancelled or completed (orTimeout) are let go of, as for drains: a "closed yet?" poll holds nothing.
     */
    void addCloseWaiter(CompletableFuture<Void> f) {
        CompletableFuture<Void> c = closeFuture();
        if (c.isDone()) {
            f.complete(null);
            return;
        }
        ArrayDeque<CompletableFuture<Void>> w = closeWaiters;
        if (w == null) {
            w = new ArrayDeque<>();
            closeWaiters = w;
            c.whenComplete((v, e) -> completeCloseWaiters()); // one dependent, however many ask
        } else if (w.size() >= closePruneAt) {
            w.removeIf(CompletableFuture::isDone);
            closePruneAt = Math.max(PRUNE_MIN, 2 * w.size());
        }
        w.add(f);
    }

    private void completeCloseWaiters() {
        ArrayDeque<CompletableFuture<Void>> w = closeWaiters;
        CompletableFuture<Void> f;
        while ((f = w.pollFirst()) != null) {
            f.complete(null);
        }
    }

    // ---------------------------------------------------------------------------------------------- recording

    /** {@code n} bytes left the output (the buffer's change hook: record only). */
    void outputRemoved(long n) {
        removed += n;
        ArrayDeque<Drain> d = drains;
        if (d != null && !d.isEmpty() && removed >= d.peekFirst().mark) {
            schedule();
        }
    }

    /** An event is being reported ({@code BufferEvent.fireEvent}): records what it means for the futures. */
    void onEvent(int reasons, Throwable cause) {
        boolean error = (reasons & BevEvent.ERROR) != 0;
        int timeoutWriting = BevEvent.TIMEOUT | BevEvent.WRITING;
        boolean writeTimeout = (reasons & timeoutWriting) == timeoutWriting;
        if (connect != null && connectOutcome == null) {
            if ((reasons & BevEvent.CONNECTED) != 0) {
                connectOutcome = CONNECTED;
            } else if (error) {
                connectOutcome = cause;
            } else if (writeTimeout) {
                Duration t = bev.writeTimeoutDuration();
                connectOutcome = new SocketTimeoutException("connect to " + connectTarget + " timed out"
                        + (t == null ? "" : " after " + t) + " (the write timeout)");
            }
            if (connectOutcome != null) {
                if (connectOutcome != CONNECTED) {
                    writeFailure = connectOutcome; // never connected: drains asked from now on fail with it too
                    failedConnect = connectOutcome;
                }
                schedule();
            }
            return; // before CONNECTED, nothing was sent: the drains wait for the connect's outcome to reach them
        }
        if ((reasons & BevEvent.CONNECTED) != 0 && writeFailure != null && writeFailure == failedConnect) {
            // the connect whose write timeout had fired came up after all: the connection has not failed
            writeFailure = null;
            failedConnect = null;
            return;
        }
        boolean pending = drains != null && !drains.isEmpty();
        if (error && writeFailure == null) { // an ERROR either way: the connection has failed
            writeFailure = cause;
        } else if (writeTimeout && writeFailure == null && pending && timedOut == null) {
            Duration t = bev.writeTimeoutDuration();
            timedOut = new SocketTimeoutException("no output left " + bev + (t == null ? "" : " for " + t)
                    + " (the write timeout); writing is disabled until enabled again");
        } else {
            return;
        }
        if (pending) {
            schedule();
        }
    }

    private void schedule() {
        if (scheduled || bev.isClosed()) {
            return;
        }
        EventBase b = bev.base();
        if (b.isClosed()) {
            return; // no loop will run a task: close() settles what is left
        }
        if ((bev.options & BevOption.DEFER_CALLBACKS) != 0) {
            // the callbacks are deferred to an event of their own, which a task could overtake (on a completion
            // engine, whose completions arrive inside the poll, tasks run before the active events): the futures go
            // last in the same deferred run instead, behind the callbacks recorded with them
            bev.deferFutures();
            return;
        }
        scheduled = true;
        try {
            b.execute(settleTask);
        } catch (IllegalStateException closedMeanwhile) {
            scheduled = false;
        }
    }

    // ---------------------------------------------------------------------------------------------- completing

    /** The task: completes what was recorded, on the BufferEvent's loop. */
    private void settleTask() {
        scheduled = false;
        if (bev.isClosed()) {
            return; // closed() has settled everything
        }
        if (!bev.base().inRunningLoop()) {
            schedule(); // the BufferEvent moved to another loop meanwhile: complete there
            return;
        }
        settle();
    }

    /** Completes what was recorded; from the task, or last in a run of deferred callbacks. Loop thread. */
    void settle() {
        payOwed();
        CompletableFuture<Void> c = connect;
        Throwable outcome = connectOutcome;
        if (c != null && outcome != null) {
            connect = null;
            connectOutcome = null;
            if (outcome == CONNECTED) {
                c.complete(null);
            } else {
                failDrains(outcome); // a failed connect sent nothing, and will not
                c.completeExceptionally(outcome);
            }
        }
        ArrayDeque<Drain> d = drains;
        if (d == null) {
            return;
        }
        if (writeFailure != null) {
            failDrains(writeFailure);
            return;
        }
        Drain first;
        while (!bev.isClosed() && (first = d.peekFirst()) != null && removed >= first.mark) {
            d.pollFirst();
            drainedHere(first.future);
        }
        if (timedOut != null && !bev.isClosed()) {
            Throwable t = timedOut;
            timedOut = null;
            failDrains(t); // those whose bytes had not left when writing timed out
        }
    }

    /**
     * The bytes of a drain left this BufferEvent's output: done, unless it is a layer; then they now sit in the layer
     * below (filtered), and the drain completes when that one's output has lost what it holds now.
     */
    private void drainedHere(CompletableFuture<Void> f) {
        if (f.isDone()) {
            return; // the user cancelled it (or it timed out): nothing to wait for below
        }
        BufferEvent below = bev.layerBelow();
        if (below == null || below.isClosed()) {
            f.complete(null);
            return;
        }
        below.outputDrainedOnLoop().whenComplete((v, e) -> {
            if (e == null) {
                f.complete(null);
            } else {
                f.completeExceptionally(e);
            }
        });
    }

    /** Completes the {@link #owed} futures, in order (a dependent may add more: they complete too). */
    private void payOwed() {
        ArrayDeque<Owed> o = owed;
        Owed x;
        while (o != null && (x = o.pollFirst()) != null) {
            if (x.failure == null) {
                x.future.complete(null);
            } else {
                x.future.completeExceptionally(x.failure);
            }
        }
    }

    private void failDrains(Throwable cause) {
        ArrayDeque<Drain> d = drains;
        if (d == null) {
            return;
        }
        Drain x;
        while ((x = d.pollFirst()) != null) {
            x.future.completeExceptionally(cause);
        }
    }

    /** At the end of {@code close()}: completes every future, from the calling (owner) thread. */
    void closed() {
        payOwed();
        CompletableFuture<Void> c = connect;
        Throwable outcome = connectOutcome;
        Throwable connectFailure = outcome != null && outcome != CONNECTED ? outcome : null;
        if (c != null) {
            connect = null;
            if (outcome == CONNECTED) {
                c.complete(null); // it connected; the close came before the task delivering that ran
            } else if (outcome != null) {
                c.completeExceptionally(outcome);
            } else {
                c.completeExceptionally(closedBefore("its connect to " + connectTarget + " finished", -1));
            }
        }
        ArrayDeque<Drain> d = drains;
        if (d != null && !d.isEmpty()) {
            Throwable cause = writeFailure != null ? writeFailure : timedOut != null ? timedOut
                    : connectFailure != null ? connectFailure : closedBefore("its output drained", -1);
            failDrains(cause);
        }
        if (closeFuture != null) {
            completeClose();
        }
    }

    /** Completes {@link #closeFuture} now, or once the layer below closes too (it closes with this one). */
    private void completeClose() {
        BufferEvent below = bev.layerBelow();
        if (below != null && (bev.options & BevOption.CLOSE_ON_FREE) != 0 && !below.isFullyClosed()) {
            CompletableFuture<Void> mine = closeFuture;
            below.closeFutureOnOwner().whenComplete((v, e) -> mine.complete(null)); // a TLS layer's linger
        } else {
            closeFuture.complete(null);
        }
    }

    private IOException closedBefore(String what, long dropped) {
        return new IOException(bev + " was closed before " + what + (dropped > 0 ? " (" + dropped
                + " bytes never sent)" : "") + "; close() drops unsent output");
    }
}
