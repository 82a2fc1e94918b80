package io.jevent.backend.kqueue;

import static io.jevent.backend.kqueue.internal.KeventLayout.EV_ADD;
import static io.jevent.backend.kqueue.internal.KeventLayout.EV_CLEAR;
import static io.jevent.backend.kqueue.internal.KeventLayout.EV_DELETE;
import static io.jevent.backend.kqueue.internal.KeventLayout.EV_EOF;
import static io.jevent.backend.kqueue.internal.KeventLayout.EV_ERROR;
import static io.jevent.backend.kqueue.internal.KeventLayout.EV_RECEIPT;

import io.jevent.Ev;
import io.jevent.backend.kqueue.internal.KeventLayout;
import io.jevent.backend.kqueue.internal.KqueueNative;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.Timeouts;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One kqueue (libevent's kqueue.c): one {@code EVFILT_READ} and one {@code EVFILT_WRITE} registration per handle,
 * an {@code EVFILT_USER} event for cross-thread wake-ups.
 *
 * <p><b>Changelist.</b> {@link #update} only writes kevents into {@link #changes}; {@link #poll} hands them to the
 * kernel in the same {@code kevent} call that waits, so a loop pass costs one system call however many interests
 * changed. A change that fails comes back in the event list as an {@code EV_ERROR} entry carrying its errno and its
 * token, and goes to that handle's events as {@code READ | WRITE}, so that their next read or write meets the error
 * (ENOENT, a delete of a filter the kernel no longer had, is only logged). No {@code EV_RECEIPT} on the kernels:
 * a call that produced any {@code EV_ERROR} entry returns at once without waiting, and a receipt per change would
 * turn every pass with changes into two calls. The event list always has room for every change's error, or the
 * kernel would fail the call and leave the rest of the list unapplied. libkqueue, unlike the kernels, goes on to
 * wait after writing an error entry, and a wait that times out returns 0 and so loses the entry. So there
 * ({@code KeventLayout.submitApart}) the changes carry {@code EV_RECEIPT} and go in a call of their own whose list
 * has room for exactly their receipts (a full list returns at once), and the wait follows unless a change failed:
 * two calls for a pass with changes, on the emulation only.
 *
 * <p><b>Numbers held until applied.</b> Between {@link #update} and the {@code kevent} that applies its changes, the
 * handle is held ({@link FdHandle#acquire()}), so its number cannot be closed and given to another socket meanwhile;
 * a close on another thread then completes when the handle is released after the call. Such a close wakes the wait
 * (see {@link Shared#waitingWithHeld}), and a handle found closed after the call has its filters deleted before its
 * release, since the close's own delete ran before the pending add.
 *
 * <p><b>Deletes are immediate.</b> A deregistration ({@code newInterest == 0}) deletes the filters at once: the base
 * removes events eagerly before a user closes the descriptor outside {@code NetOps}, and libkqueue (unlike the
 * kernels, which drop a descriptor's registrations on {@code close}) would otherwise keep a registration for a number
 * that is gone. For the same reason each registered handle records {@link #unregister}
 * ({@link FdHandle#addRegistration}), which deletes both filters from whichever thread closes it.
 *
 * <p><b>Encoded state.</b> {@code udata} is the token; the interest the token was last given is kept in
 * {@link #interests} (tokens are small and dense), so that reporting allocates nothing. A read filter registered
 * only for {@code Ev.CLOSED} uses {@code EV_CLEAR}, so unread data does not report it on every pass.
 *
 * <p>Every method but {@link #wakeup()} must be called on the loop thread.
 */
final class KqueueReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(KqueueReadiness.class);

    /** Events array length at open. */
    static final int INITIAL_EVENTS = 64;
    /** The events array does not grow past this many entries (unless one pass has more changes). */
    static final int MAX_EVENTS = 64 * 1024;
    /** The most entries of room libkqueue gives one {@code kevent} call (its {@code MAX_KEVENT}). */
    static final int RECEIPTS_PER_CALL = 512;
    /** {@code ident} of the wake-up {@code EVFILT_USER} event (its own name space: not a descriptor). */
    private static final long WAKE_IDENT = 0;
    /** {@code udata} of the wake-up event; tokens are non-negative. */
    private static final long WAKE_UDATA = -1L;
    /** {@link #readFlags}/{@link #writeFlags} of a filter that is not wanted. */
    private static final int NONE = -1;

    private final KeventLayout layout;
    private final int kq;
    /** What other threads use: the kqueue as a handle, and the wake-up. */
    private final Shared shared;
    /** Recorded on each registered handle; deletes its filters when the handle is closed. */
    private final Unregister unregister;

    /** Changes of this pass, {@link #changeCount} of {@link #changeCapacity}. */
    private ByteBuffer changes;
    private long changesAddress;
    private int changeCapacity;
    private int changeCount;
    /** Handles whose changes are in {@link #changes}, held until they are applied; {@link #heldCount} used. */
    private FdHandle[] held = new FdHandle[16];
    private int heldCount;

    private ByteBuffer events;
    private long eventsAddress;
    private int maxEvents;
    /** One kevent for the immediate deletes. */
    private final ByteBuffer single;
    private final long singleAddress;
    /** {@code struct timespec} for the wait. */
    private final ByteBuffer timespec = NativeMemory.allocate(16);
    private final long timespecAddress = NativeMemory.address(timespec);
    /** A zero {@code struct timespec}: do not wait. */
    private final long zeroTimespecAddress = NativeMemory.address(NativeMemory.allocate(16));
    /** Interest last given to each token, for reporting; grows with the largest token seen. */
    private int[] interests = new int[64];
    private boolean closed;

    KqueueReadiness(int initialEvents) throws IOException {
        layout = KeventLayout.current();
        kq = Errors.check("kqueue", KqueueNative.kqueue());
        try {
            single = NativeMemory.allocate(layout.size);
            singleAddress = NativeMemory.address(single);
            // the wake-up: EV_CLEAR, so that one trigger is reported once
            layout.put(single, 0, WAKE_IDENT, layout.evfiltUser, EV_ADD | EV_CLEAR, 0, 0, WAKE_UDATA);
            Errors.check("kevent(EVFILT_USER, EV_ADD)", KqueueNative.kevent(kq, singleAddress, 1, 0, 0, 0));
        } catch (IOException | RuntimeException e) {
            LibC.close(kq);
            throw e;
        }
        shared = new Shared(layout, new FdHandle(kq));
        unregister = new Unregister(shared);
        allocateChanges(64);
        allocateEvents(initialEvents);
    }

    /**
     * The part of a kqueue that other threads touch, kept apart so that a handle that outlives its base (through
     * its {@link Unregister}) holds nothing else.
     */
    private static final class Shared {
        final KeventLayout layout;
        /** The kqueue as a handle: a call from another thread holds it, so its number is not closed under it. */
        final FdHandle kqHandle;
        /** The {@code NOTE_TRIGGER} change, written once and only read after: shared by every waking thread. */
        final ByteBuffer trigger;
        final long triggerAddress;
        /** True from a wake-up's trigger until the loop has seen the event: a burst of wake-ups costs one call. */
        final java.util.concurrent.atomic.AtomicBoolean pending = new java.util.concurrent.atomic.AtomicBoolean();
        /**
         * True while the loop waits holding handles whose changes that wait applies: a close of one of them on
         * another thread cannot complete until the wait ends, so it wakes the loop. Volatile on both sides (the
         * loop writes this then reads each handle's state; a close writes the state then reads this), so at least
         * one of them sees the other.
         */
        volatile boolean waitingWithHeld;

        Shared(KeventLayout layout, FdHandle kqHandle) {
            this.layout = layout;
            this.kqHandle = kqHandle;
            trigger = NativeMemory.allocate(layout.size);
            triggerAddress = NativeMemory.address(trigger);
            layout.put(trigger, 0, WAKE_IDENT, layout.evfiltUser, 0, KeventLayout.NOTE_TRIGGER, 0, WAKE_UDATA);
        }

        void wakeup() {
            if (!pending.compareAndSet(false, true)) {
                return;
            }
            int k;
            try {
                k = kqHandle.acquire();
            } catch (ClosedChannelException gone) {
                return; // the kqueue is closed: nobody waits on it any more
            }
            try {
                if (KqueueNative.kevent(k, triggerAddress, 1, 0, 0, 0) < 0) {
                    LOG.debug("kqueue wake-up: {}", Errors.name(Errors.errno()));
                }
            } finally {
                PosixNetOps.release(kqHandle);
            }
        }
    }

    /**
     * Deletes a handle's filters from the close of the handle, on any thread, while the number still names its
     * socket. Both filters: deleting one that is not there costs an ENOENT, which is ignored.
     */
    private static final class Unregister implements FdHandle.Registration {
        /** One kevent per thread for the deletes (64 bytes: the largest layout). */
        private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> NativeMemory.allocate(64));
        private final Shared shared;

        Unregister(Shared shared) {
            this.shared = shared;
        }

        @Override
        public void undo(int fd) {
            int k;
            try {
                k = shared.kqHandle.acquire();
            } catch (ClosedChannelException gone) {
                return; // the kqueue was closed, and its registrations went with it
            }
            try {
                ByteBuffer buf = SCRATCH.get();
                deleteFilter(k, buf, NativeMemory.address(buf), shared.layout, fd, shared.layout.evfiltRead);
                deleteFilter(k, buf, NativeMemory.address(buf), shared.layout, fd, shared.layout.evfiltWrite);
            } finally {
                PosixNetOps.release(shared.kqHandle);
            }
            if (shared.waitingWithHeld) {
                shared.wakeup(); // the loop may hold this handle across its wait: let it release it now
            }
        }
    }

    /** One {@code EV_DELETE}, alone in its call (so that an ENOENT does not stop another change); errno or 0. */
    private static int deleteFilter(int k, ByteBuffer buf, long address, KeventLayout layout, int fd, int filter) {
        layout.put(buf, 0, fd, filter, EV_DELETE, 0, 0, 0);
        if (KqueueNative.kevent(k, address, 1, 0, 0, 0) == 0) {
            return 0;
        }
        int errno = Errors.errno();
        if (errno != Errors.ENOENT) {
            LOG.debug("kevent(EV_DELETE) of fd {} filter {}: {}", fd, filter, Errors.name(errno));
        }
        return errno;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Adds and changes are queued for the next {@link #poll}; a deregistration deletes at once (see the class
     * comment). A dead handle is forgotten without a system call: its close already deleted its filters.
     */
    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        ensureOpen();
        FdHandle h = PosixNetOps.fdHandle(handle);
        if (token < 0) {
            throw new IllegalArgumentException("expected token >= 0, got " + token);
        }
        if ((newInterest & Ev.IO_MASK) == 0) {
            if ((oldInterest & Ev.IO_MASK) != 0) {
                deregister(h, oldInterest);
            }
            return;
        }
        int fd = h.acquire(); // ClosedChannelException for a dead handle
        int mark = changeCount;
        boolean resync = oldInterest == newInterest; // the base re-sends a registration: add again, it is idempotent
        queue(fd, token, layout.evfiltRead, readFlags(oldInterest), readFlags(newInterest), resync);
        queue(fd, token, layout.evfiltWrite, writeFlags(oldInterest), writeFlags(newInterest), resync);
        setInterest(token, newInterest);
        if (!h.addRegistration(unregister)) {
            // closed on another thread meanwhile, maybe without seeing this registration: send nothing for it
            changeCount = mark;
            h.removeRegistration(unregister);
            PosixNetOps.release(h);
            throw new ClosedChannelException();
        }
        if (changeCount == mark) {
            PosixNetOps.release(h);
        } else {
            hold(h);
        }
    }

    /** The read filter's flags for an interest ({@link #NONE}: not wanted). */
    private static int readFlags(int interest) {
        if ((interest & Ev.READ) != 0) {
            return (interest & Ev.ET) != 0 ? EV_CLEAR : 0;
        }
        return (interest & Ev.CLOSED) != 0 ? EV_CLEAR : NONE;
    }

    /** The write filter's flags for an interest ({@link #NONE}: not wanted). */
    private static int writeFlags(int interest) {
        if ((interest & Ev.WRITE) == 0) {
            return NONE;
        }
        return (interest & Ev.ET) != 0 ? EV_CLEAR : 0;
    }

    /**
     * Queues what takes one filter from {@code was} to {@code now}. The kernels keep {@code EV_CLEAR} as it was
     * when the filter was added, so a change of it deletes and adds again. So does a re-sent registration
     * ({@code resync}: the base found another handle object on the number, its descriptor maybe closed outside
     * NetOps and reopened): an add over a registration left by the old socket would only modify it, and libkqueue
     * still ties it to the old socket (it cannot see a close) and refuses to modify a socket's filter anyway. The
     * delete of a registration that is not there costs an ENOENT entry, which is ignored.
     */
    private void queue(int fd, int token, int filter, int was, int now, boolean resync) {
        if (now == NONE) {
            if (was != NONE) {
                change(fd, filter, EV_DELETE, token);
            }
            return;
        }
        if (was != NONE && (was != now || resync)) {
            change(fd, filter, EV_DELETE, token);
        } else if (was == now) {
            return;
        }
        change(fd, filter, EV_ADD | now, token);
    }

    private void change(int fd, int filter, int flags, int token) {
        if (changeCount == changeCapacity) {
            ByteBuffer old = changes;
            allocateChanges(changeCapacity * 2);
            for (int i = 0; i < changeCount * layout.size; i += 8) {
                changes.putLong(i, old.getLong(i));
            }
            LOG.debug("kqueue: changelist grown to {}", changeCapacity);
        }
        layout.put(changes, changeCount++, fd, filter, layout.submitApart ? flags | EV_RECEIPT : flags, 0, 0, token);
    }

    private void hold(FdHandle h) {
        if (heldCount == held.length) {
            held = Arrays.copyOf(held, heldCount * 2);
        }
        held[heldCount++] = h;
    }

    private void setInterest(int token, int interest) {
        if (token >= interests.length) {
            interests = Arrays.copyOf(interests, Math.max(interests.length * 2, token + 1));
        }
        interests[token] = interest;
    }

    private void deregister(FdHandle h, int oldInterest) throws IOException {
        int fd;
        try {
            fd = h.acquire();
        } catch (ClosedChannelException dead) {
            LOG.trace("kqueue: {} was closed while registered; its close deleted its filters", h);
            return;
        }
        try {
            h.removeRegistration(unregister);
            dropPending(h, fd);
            if (readFlags(oldInterest) != NONE) {
                checkDelete(deleteFilter(kq, single, singleAddress, layout, fd, layout.evfiltRead));
            }
            if (writeFlags(oldInterest) != NONE) {
                checkDelete(deleteFilter(kq, single, singleAddress, layout, fd, layout.evfiltWrite));
            }
        } finally {
            PosixNetOps.release(h);
        }
    }

    /**
     * Takes back changes queued for {@code h} in this pass (a deregistration came after them, before the poll):
     * applied after the delete, they would register it again.
     */
    private void dropPending(FdHandle h, int fd) {
        int kept = 0;
        for (int i = 0; i < heldCount; i++) {
            if (held[i] == h) {
                PosixNetOps.release(h); // still held by this deregistration: never the last release
            } else {
                held[kept++] = held[i];
            }
        }
        if (kept == heldCount) {
            return;
        }
        Arrays.fill(held, kept, heldCount, null);
        heldCount = kept;
        int n = 0;
        for (int i = 0; i < changeCount; i++) {
            if (layout.ident(changes, i) != fd) {
                if (n != i) {
                    for (int b = 0; b < layout.size; b += 8) {
                        changes.putLong(n * layout.size + b, changes.getLong(i * layout.size + b));
                    }
                }
                n++;
            }
        }
        changeCount = n;
    }

    /** A descriptor closed outside NetOps left the set already (EBADF, or ENOENT): ignored, as epoll does. */
    private static void checkDelete(int errno) throws IOException {
        if (errno != 0 && errno != Errors.ENOENT && errno != Errors.EBADF) {
            throw Errors.newException("kevent(EV_DELETE)", errno);
        }
    }

    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        ensureOpen();
        int nchanges = changeCount;
        if (nchanges > maxEvents) {
            allocateEvents(nchanges); // room for an error per change, see the class comment
        }
        if (nchanges > 0 && layout.submitApart) {
            // every change has EV_RECEIPT and the list has room for exactly their receipts: libkqueue returns them
            // without waiting; the wait follows, without changes, unless a change failed. libkqueue takes at most
            // RECEIPTS_PER_CALL entries of room per call (and fails with EFAULT when the receipts need more), so a
            // long changelist goes in slices of that size.
            int reported = 0;
            try {
                for (int from = 0; from < nchanges; from += RECEIPTS_PER_CALL) {
                    int k = Math.min(RECEIPTS_PER_CALL, nchanges - from);
                    int n = KqueueNative.kevent(kq, changesAddress + (long) from * layout.size, k, eventsAddress, k,
                            zeroTimespecAddress);
                    if (n < 0) {
                        int errno = Errors.errno();
                        if (errno != Errors.EINTR) { // EINTR: the slice was applied, its receipts are lost
                            throw Errors.newException("kevent", errno);
                        }
                    } else if (n > 0) {
                        reported += report(n, sink);
                    }
                }
            } finally {
                changeCount = 0;
                shared.waitingWithHeld = false;
                releaseHeld();
            }
            if (reported > 0) {
                return reported;
            }
            nchanges = 0;
        }
        if (heldCount > 0) {
            shared.waitingWithHeld = true;
            for (int i = 0; i < heldCount; i++) {
                if (!held[i].isOpen()) {
                    timeoutNanos = 0; // closed before we said we wait: release it soon
                }
            }
        }
        int n = kevent(nchanges, maxEvents, timeout(timeoutNanos));
        if (n <= 0) {
            return 0; // nothing, or EINTR
        }
        int reported = report(n, sink);
        if (n == maxEvents && maxEvents < MAX_EVENTS) {
            allocateEvents(Math.min(maxEvents * 2, MAX_EVENTS));
            LOG.debug("kqueue: events array grown to {}", maxEvents);
        }
        return reported;
    }

    /** Reports the {@code n} entries a {@code kevent} call wrote; returns how many reached the sink. */
    private int report(int n, ReadySink sink) {
        int reported = 0;
        ByteBuffer evs = events;
        for (int i = 0; i < n; i++) {
            long udata = layout.udata(evs, i);
            int flags = layout.flags(evs, i);
            if (udata == WAKE_UDATA) {
                shared.pending.set(false); // after the call returned it: a later wake-up triggers again
                continue;
            }
            int token = (int) udata;
            if ((flags & EV_ERROR) != 0) {
                int err = (int) layout.data(evs, i);
                if (err == 0) {
                    continue;
                }
                if (err == Errors.ENOENT) {
                    LOG.debug("kqueue: change of fd {} filter {}: ENOENT, ignored", layout.ident(evs, i),
                            layout.filter(evs, i));
                    continue;
                }
                LOG.debug("kqueue: change of fd {} filter {} failed: {}", layout.ident(evs, i),
                        layout.filter(evs, i), Errors.name(err));
                sink.ready(token, Ev.READ | Ev.WRITE);
                reported++;
                continue;
            }
            int interest = token < interests.length ? interests[token] : 0;
            int bits = readyBits(layout.filter(evs, i) == layout.evfiltRead, flags, layout.fflags(evs, i), interest);
            if (bits != 0) {
                sink.ready(token, bits);
                reported++;
            }
        }
        return reported;
    }

    /**
     * One {@code kevent} call with the queued changes ({@code nchanges}: all of them, or none) and room for
     * {@code nevents} entries, then releases the handles held for the changes.
     *
     * @return the entries written to {@link #events}, or {@code -1} after EINTR (changes are applied before a wait)
     */
    private int kevent(int nchanges, int nevents, long timeout) throws IOException {
        int n = KqueueNative.kevent(kq, changesAddress, nchanges, eventsAddress, nevents, timeout);
        int errno = n < 0 ? Errors.errno() : 0;
        if (nchanges > 0) {
            changeCount = 0;
            shared.waitingWithHeld = false;
            releaseHeld();
        }
        if (n < 0) {
            if (errno == Errors.EINTR) {
                return -1;
            }
            throw Errors.newException("kevent", errno);
        }
        return n;
    }

    /** The address of a {@code timespec} for the wait, or 0 (for ever) when {@code timeoutNanos < 0}. */
    private long timeout(long timeoutNanos) {
        if (timeoutNanos < 0) {
            return 0;
        }
        int ms = Timeouts.toMillisRoundUp(timeoutNanos);
        timespec.putLong(0, ms / 1000);
        timespec.putLong(8, (ms % 1000) * 1_000_000L);
        return timespecAddress;
    }

    /**
     * One filter's event to Ev bits. Read filter: READ if asked, CLOSED on {@code EV_EOF} if asked. Write filter:
     * WRITE. {@code EV_EOF} with an error ({@code fflags}) on the read filter, or any {@code EV_EOF} on the write
     * filter (the socket can send no more), is an error or hang-up: READ|WRITE, so that the next read or write
     * meets it.
     */
    static int readyBits(boolean readFilter, int flags, int fflags, int interest) {
        boolean eof = (flags & EV_EOF) != 0;
        if (readFilter) {
            int bits = interest & Ev.READ;
            if (eof) {
                bits |= interest & Ev.CLOSED;
                if (fflags != 0) {
                    bits |= Ev.READ | Ev.WRITE;
                }
            }
            return bits;
        }
        return eof ? Ev.READ | Ev.WRITE : Ev.WRITE;
    }

    /**
     * Releases the handles held across the call. One closed meanwhile had its close's delete run before the add
     * this call applied: delete its filters now, while the number is still its socket's.
     */
    private void releaseHeld() {
        for (int i = 0; i < heldCount; i++) {
            FdHandle h = held[i];
            held[i] = null;
            if (!h.isOpen()) {
                deleteFilter(kq, single, singleAddress, layout, h.fd(), layout.evfiltRead);
                deleteFilter(kq, single, singleAddress, layout, h.fd(), layout.evfiltWrite);
            }
            PosixNetOps.release(h);
        }
        heldCount = 0;
    }

    @Override
    public void wakeup() {
        shared.wakeup();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            changeCount = 0;
            releaseHeld();
            if (shared.kqHandle.markClosed()) { // else a wake-up or a handle's close is in a call: it closes kq
                LibC.close(kq);
            }
        }
    }

    /** Current length of the events array; for tests. */
    int eventsCapacity() {
        return maxEvents;
    }

    private void allocateChanges(int capacity) {
        changes = NativeMemory.allocate(capacity * layout.size);
        changesAddress = NativeMemory.address(changes);
        changeCapacity = capacity;
    }

    private void allocateEvents(int capacity) {
        events = NativeMemory.allocate(capacity * layout.size);
        eventsAddress = NativeMemory.address(events);
        maxEvents = capacity;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this kqueue backend instance is closed");
        }
    }
}
