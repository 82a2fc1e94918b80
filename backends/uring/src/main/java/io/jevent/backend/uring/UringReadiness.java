package io.jevent.backend.uring;

import io.jevent.Ev;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.Waker;
import io.jevent.backend.uring.internal.CqeLayout;
import io.jevent.backend.uring.internal.Ring;
import io.jevent.backend.uring.internal.SqeLayout;
import io.jevent.backend.uring.internal.UringNative;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One io_uring instance as a readiness backend: interest is a poll request per handle, queued as an SQE and sent
 * with the next wait, so the changelist costs no system call of its own; the operations of its
 * {@link UringEngine} ride in the same ring, and one {@code io_uring_enter} per {@link #poll} submits them all and
 * waits.
 *
 * <p><b>Level and edge.</b> A level-triggered interest is a one-shot {@code IORING_OP_POLL_ADD}, armed again after
 * each completion, at the start of the next poll: arming checks the socket's state at once, so a handle that is
 * still readable completes again in that very enter, as epoll's level-triggered mode reports it again. An
 * edge-triggered interest ({@code Ev.ET}) is a multishot poll ({@code IORING_POLL_ADD_MULTI}), which the kernel
 * treats as {@code EPOLLET}: one completion per wake-up of the socket, including one at arming if it is ready then;
 * it is armed again only when a completion comes without {@code IORING_CQE_F_MORE}.
 *
 * <p><b>User data.</b> Bit 63 marks our own requests (the {@link io.jevent.spi.OperationTable} leaves it clear for
 * the engine's operations). Bits 61..62 say which: {@link #KIND_POLL}, {@link #WAKE_DATA}, {@link #IGNORE_DATA}
 * (removals, whose results say nothing we need). A poll's low 32 bits are its token and bits 32..60 the token's
 * generation, which every change of interest (and deregistration) advances: the completion of a removed or replaced
 * poll, even one already in the CQ, no longer matches and is dropped, so it never reaches a new registration under
 * the same token, whoever has the descriptor number by then.
 *
 * <p><b>Closing handles.</b> A request holds a reference to its file: a poll still armed when the handle's descriptor
 * is closed keeps the socket open (the peer sees no FIN) and may complete later. So every handle this ring has seen
 * records {@link #closer}, and its close ({@link FdHandle#markClosed}, on whatever thread) cancels every request on
 * the socket synchronously ({@code IORING_REGISTER_SYNC_CANCEL}) while the number still names it. A completion for a
 * handle that is closed is never reported.
 *
 * <p><b>Wake-ups.</b> The posix {@link Waker}'s eventfd, watched by a multishot poll: {@link #wakeup()} is one
 * coalesced {@code write(2)} from any thread, and a ring needs no submission from a foreign thread (a ring's SQ is
 * the loop's alone). {@code IORING_OP_MSG_RING} would need a ring on the waking thread.
 *
 * <p>Every method but {@link #wakeup()} must be called on the loop thread.
 */
final class UringReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(UringReadiness.class);

    /** SQ entries; the CQ has {@link #CQ_ENTRIES} (multishot requests complete many times per submission). */
    static final int SQ_ENTRIES = 256;
    /** CQ entries: 8x the SQ. */
    static final int CQ_ENTRIES = 2048;
    /** Flags the ring is set up with when the kernel has them; see {@link #SETUP_FLAGS}'s comment. */
    static final int OPTIONAL_FLAGS = UringNative.SETUP_SUBMIT_ALL | UringNative.SETUP_COOP_TASKRUN
            | UringNative.SETUP_TASKRUN_FLAG;
    /**
     * Flags the ring needs: none. {@code IORING_SETUP_SINGLE_ISSUER | DEFER_TASKRUN} are <em>not</em> used although
     * this kernel accepts them: they bind the ring to the thread that created it (any other thread's enter fails
     * with EEXIST), while an {@code EventBase} may be created on one thread and looped on another, and handed from
     * one looping thread to the next.
     */
    static final int SETUP_FLAGS = 0;

    /** Bit 63: a request of ours, not an engine operation. */
    static final long INTERNAL = 1L << 63;
    /** Kind bits (61..62) of a readiness poll. */
    static final long KIND_POLL = 0L;
    /** User data of the waker's poll. */
    static final long WAKE_DATA = INTERNAL | (1L << 61);
    /** User data of requests whose completion is ignored (poll removals). */
    static final long IGNORE_DATA = INTERNAL | (2L << 61);
    /** The generation bits of a poll's user data (29 bits). */
    private static final int GEN_MASK = (1 << 29) - 1;

    /** {@link #state} bit: a poll request is armed in the kernel for the token. */
    private static final byte ARMED = 1;
    /** {@link #state} bit: the token is in {@link #rearm}. */
    private static final byte QUEUED = 2;

    private final Ring ring;
    private final UringEngine engine;
    private final Waker waker;
    /** Recorded on every handle the ring acts on; cancels its requests when it is closed. */
    private final Closer closer;
    private boolean wakeArmed;
    /** {@link Closer#closes()} when {@link #dropDeadRequests} last looked. */
    private int seenCloses;

    /** Per token: the interest ({@code Ev} bits), 0 when not registered. */
    private int[] interest = new int[64];
    /** Per token: the generation of its registration. */
    private int[] generation = new int[64];
    /** Per token: {@link #ARMED}, {@link #QUEUED}. */
    private byte[] state = new byte[64];
    /** Per token: the handle, while registered. */
    private FdHandle[] handles = new FdHandle[64];
    /** Tokens whose one-shot poll completed and that want it armed again before the next wait. */
    private int[] rearm = new int[64];
    private int rearmCount;
    private boolean closed;

    UringReadiness(boolean providedBuffers) throws IOException {
        ring = Ring.open(SQ_ENTRIES, CQ_ENTRIES, SETUP_FLAGS, OPTIONAL_FLAGS);
        Waker w = null;
        try {
            w = Waker.eventFd();
            closer = new Closer(ring);
            engine = new UringEngine(this, ring, providedBuffers);
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                w.close();
            }
            ring.close();
            throw e;
        }
        waker = w;
        LOG.debug("io_uring: SQ {}, CQ {}, setup flags 0x{}, features 0x{}", ring.sqEntries(), ring.cqEntries(),
                Integer.toHexString(ring.setupFlags()), Integer.toHexString(ring.features()));
    }

    /**
     * Cancels, on the close of a handle (any thread), every request the ring has on its socket, while its number still
     * names it: see the class comment. Holds only the ring, which refuses the call once closed.
     */
    static final class Closer implements FdHandle.Registration {
        private final Ring ring;
        /** Closes seen so far, so that the loop looks for queued requests on dead handles only after one. */
        private final AtomicInteger closes = new AtomicInteger();

        Closer(Ring ring) {
            this.ring = ring;
        }

        int closes() {
            return closes.get();
        }

        @Override
        public void undo(int fd) {
            closes.incrementAndGet();
            int rc = ring.syncCancel(fd);
            if (rc < 0 && rc != -Errors.ENOENT && rc != -Errors.EBADF) {
                LOG.debug("io_uring: cancelling the requests on fd {} at its close: {}", fd, Errors.name(-rc));
            }
        }
    }

    /** The ring's closer, for the engine. */
    Closer closer() {
        return closer;
    }

    @Override
    public CompletionEngine completions() {
        return engine;
    }

    /** {@code io_uring_enter} calls so far (for tests and benchmarks: system calls per round trip). */
    long enterCount() {
        return ring.enterCount();
    }

    // -------------------------------------------------------------------------------------------- interest

    /**
     * {@inheritDoc}
     *
     * <p>A change queues a removal of the old poll (by its user data: no system call receives the number of a dead
     * handle) and a new poll under a new generation; both go out with the next wait.
     */
    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        ensureOpen();
        FdHandle h = PosixNetOps.fdHandle(handle);
        if (token < 0) {
            throw new IllegalArgumentException("expected token >= 0, got " + token);
        }
        ensureToken(token);
        if ((newInterest & Ev.IO_MASK) == 0) {
            disarm(token);
            interest[token] = 0;
            handles[token] = null;
            return;
        }
        int fd = h.acquire(); // ClosedChannelException for a dead handle
        try {
            disarm(token);
            interest[token] = newInterest;
            handles[token] = h;
            arm(token, fd);
            if (!h.addRegistration(closer)) {
                // closed on another thread meanwhile, maybe without seeing the registration: cancel it here, after
                // sending the poll, while this call still holds the number (through submit(), which first
                // neutralises queued requests of handles closed since the last pass, like every other submission)
                submit(0, true);
                closer.undo(fd);
                interest[token] = 0;
                handles[token] = null;
                state[token] &= ~ARMED;
                throw new ClosedChannelException();
            }
        } finally {
            PosixNetOps.release(h);
        }
    }

    /** Removes the token's armed poll, if any, and advances its generation so that its completions are dropped. */
    private void disarm(int token) throws IOException {
        if ((state[token] & ARMED) != 0) {
            int off = sqe();
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_POLL_REMOVE);
            sq.putInt(off + SqeLayout.FD, -1);
            sq.putLong(off + SqeLayout.ADDR, pollData(token));
            sq.putLong(off + SqeLayout.USER_DATA, IGNORE_DATA);
            state[token] &= ~ARMED;
        }
        generation[token] = (generation[token] + 1) & GEN_MASK;
    }

    /** Queues the poll of the token's interest on {@code fd}, which the caller holds. */
    private void arm(int token, int fd) throws IOException {
        int in = interest[token];
        int off = sqe();
        ByteBuffer sq = ring.sqes();
        sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_POLL_ADD);
        sq.putInt(off + SqeLayout.FD, fd);
        sq.putInt(off + SqeLayout.OP_FLAGS, pollEvents(in));
        sq.putInt(off + SqeLayout.LEN, (in & Ev.ET) != 0 ? UringNative.POLL_ADD_MULTI : 0);
        sq.putLong(off + SqeLayout.USER_DATA, pollData(token));
        state[token] |= ARMED;
    }

    private long pollData(int token) {
        return INTERNAL | KIND_POLL | ((long) generation[token] << 32) | (token & 0xffff_ffffL);
    }

    /** The next SQE's offset. */
    int sqe() throws IOException {
        int off = nextSqe();
        if (off < 0) {
            throw new IOException("io_uring: the submission queue is full and the kernel takes no more entries now");
        }
        return off;
    }

    /**
     * The next SQE's offset; when the SQ is full, submits what it holds (without waiting) and goes on.
     *
     * @return the offset, or {@code -1} if the kernel would not take the queued entries now
     */
    int nextSqe() throws IOException {
        int off = ring.nextSqe();
        if (off < 0) {
            submit(0, true);
            off = ring.nextSqe();
        }
        return off;
    }

    /**
     * Submits what is queued (and waits, see {@link Ring#submitAndWait}) so that no request on a handle closed
     * meanwhile stays in the kernel: those queued when the handle was closed become NOPs before the enter
     * ({@link #dropDeadRequests}); those a close on another thread missed while the enter submitted them are
     * cancelled after it, by user data. A close after that finds them itself.
     *
     * @param force enter even when nothing is queued and nothing waits (to flush overflowed completions)
     */
    private void submit(long timeoutNanos, boolean force) throws IOException {
        dropDeadRequests();
        int closes = seenCloses;
        int head = ring.sqHead();
        int queued = ring.unsubmitted();
        if (force) {
            ring.submit();
        } else {
            ring.submitAndWait(timeoutNanos);
        }
        if (closer.closes() != closes) {
            ByteBuffer sq = ring.sqes();
            for (int i = 0; i < queued; i++) {
                long data = sq.getLong(ring.sqeOffset(head + i) + SqeLayout.USER_DATA);
                if (isDead(data)) {
                    ring.syncCancelUserData(data);
                }
            }
        }
    }

    /** Whether the request of {@code data} acts on a handle that is closed now. */
    private boolean isDead(long data) {
        if (data >= 0) {
            return engine.isDead(data);
        }
        if (data == WAKE_DATA || data == IGNORE_DATA) {
            return false;
        }
        int token = (int) data;
        FdHandle h = token >= 0 && token < handles.length ? handles[token] : null;
        return h != null && !h.isOpen();
    }

    /**
     * Turns each queued SQE that acts on a handle closed since it was queued into a NOP, before the kernel sees it:
     * the close's synchronous cancel could not find it, and once submitted it would hold the socket (and, for an
     * operation, its descriptor number) until the peer acts. The operation completes with ECANCELED, as a cancel by
     * the close would have made it. Does nothing unless a handle was closed since the last look (one volatile read).
     */
    private void dropDeadRequests() {
        int c = closer.closes();
        if (c == seenCloses) {
            return;
        }
        seenCloses = c;
        ByteBuffer sq = ring.sqes();
        int n = ring.unsubmitted();
        for (int i = 0; i < n; i++) {
            int off = ring.unsubmittedSqe(i);
            long data = sq.getLong(off + SqeLayout.USER_DATA);
            if (isDead(data)) {
                for (int k = 0; k < SqeLayout.SIZE; k += 8) {
                    sq.putLong(off + k, 0L);
                }
                sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_NOP);
                sq.putInt(off + SqeLayout.FD, -1);
                sq.putLong(off + SqeLayout.USER_DATA, IGNORE_DATA);
                if (data >= 0) {
                    engine.refuse(data, -125); // ECANCELED
                }
            }
        }
    }

    static int pollEvents(int interest) {
        int ev = 0;
        if ((interest & Ev.READ) != 0) {
            ev |= LibC.POLLIN;
        }
        if ((interest & Ev.WRITE) != 0) {
            ev |= LibC.POLLOUT;
        }
        if ((interest & Ev.CLOSED) != 0) {
            ev |= LibC.POLLRDHUP;
        }
        return ev;
    }

    /** Poll results to Ev bits, as epoll's: errors and hang-ups become READ|WRITE, hang-ups CLOSED if asked. */
    static int readyBits(int revents, int interest) {
        int bits = 0;
        if ((revents & LibC.POLLIN) != 0) {
            bits |= Ev.READ;
        }
        if ((revents & LibC.POLLOUT) != 0) {
            bits |= Ev.WRITE;
        }
        if ((revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
            bits |= Ev.READ | Ev.WRITE;
        }
        if ((revents & (LibC.POLLHUP | LibC.POLLRDHUP)) != 0 && (interest & Ev.CLOSED) != 0) {
            bits |= Ev.CLOSED;
        }
        return bits;
    }

    private void ensureToken(int token) {
        if (token >= interest.length) {
            int n = Math.max(interest.length * 2, token + 1);
            interest = Arrays.copyOf(interest, n);
            generation = Arrays.copyOf(generation, n);
            state = Arrays.copyOf(state, n);
            handles = Arrays.copyOf(handles, n);
        }
    }

    /** Arms again the one-shot polls that completed, for tokens still interested (level-triggered). */
    private void rearmPolls() throws IOException {
        for (int i = 0; i < rearmCount; i++) {
            int token = rearm[i];
            state[token] &= ~QUEUED;
            FdHandle h = handles[token];
            if ((state[token] & ARMED) != 0 || interest[token] == 0 || h == null) {
                continue;
            }
            int fd;
            try {
                fd = h.acquire();
            } catch (ClosedChannelException dead) {
                continue; // closed while registered: never reported again
            }
            try {
                arm(token, fd);
            } finally {
                PosixNetOps.release(h);
            }
        }
        rearmCount = 0;
        if (!wakeArmed) {
            int off = sqe();
            ByteBuffer sq = ring.sqes();
            sq.put(off + SqeLayout.OPCODE, (byte) UringNative.OP_POLL_ADD);
            sq.putInt(off + SqeLayout.FD, waker.readFd());
            sq.putInt(off + SqeLayout.OP_FLAGS, LibC.POLLIN);
            sq.putInt(off + SqeLayout.LEN, UringNative.POLL_ADD_MULTI);
            sq.putLong(off + SqeLayout.USER_DATA, WAKE_DATA);
            wakeArmed = true;
        }
    }

    private void queueRearm(int token) {
        if ((state[token] & QUEUED) == 0) {
            state[token] |= QUEUED;
            if (rearmCount == rearm.length) {
                rearm = Arrays.copyOf(rearm, rearmCount * 2);
            }
            rearm[rearmCount++] = token;
        }
    }

    // -------------------------------------------------------------------------------------------- the wait

    /**
     * {@inheritDoc}
     *
     * <p>Queues the re-arms, delivers the engine's local completions, then submits everything queued and waits in one
     * {@code io_uring_enter} (not waiting at all when completions are already there to deliver), and delivers what
     * the CQ holds: readiness into {@code sink}, operations to their handlers.
     */
    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        ensureOpen();
        rearmPolls();
        engine.beforeWait();
        int local = engine.deliverLocal();
        boolean mayBlock = timeoutNanos != 0 && local == 0 && !engine.hasLocal() && !ring.cqReady();
        submit(mayBlock ? timeoutNanos : 0, false);
        int reported = reap(sink);
        // Completions the CQ had no room for wait in the kernel (IORING_FEAT_NODROP); an enter flushes them to the CQ.
        for (int i = 0; i < 16 && (ring.sqFlags() & UringNative.SQ_CQ_OVERFLOW) != 0; i++) {
            LOG.debug("io_uring: CQ overflowed; flushing");
            submit(0, true);
            reported += reap(sink);
        }
        return reported + local;
    }

    private int reap(ReadySink sink) throws IOException {
        ByteBuffer cq = ring.cq();
        int reported = 0;
        int head = ring.cqHead();
        int tail = ring.cqTail();
        while (head != tail) {
            int at = ring.cqeOffset(head);
            long data = cq.getLong(at + CqeLayout.USER_DATA);
            int res = cq.getInt(at + CqeLayout.RES);
            int flags = cq.getInt(at + CqeLayout.FLAGS);
            head++;
            ring.advanceCq(head); // before any handler runs: it may post, enter, and reap no entry twice
            if (data >= 0) {
                engine.complete(data, res, flags);
                reported++; // a completion counts, as a handle reported does (the base's LoopFlag.ONCE)
            } else if (data == WAKE_DATA) {
                waker.drain();
                if ((flags & UringNative.CQE_F_MORE) == 0) {
                    wakeArmed = false;
                }
            } else if (data != IGNORE_DATA) {
                reported += pollCompleted(data, res, flags, sink);
            }
            if (head == tail) {
                tail = ring.cqTail();
            }
        }
        return reported;
    }

    private int pollCompleted(long data, int res, int flags, ReadySink sink) {
        int token = (int) data;
        int gen = (int) (data >>> 32) & GEN_MASK;
        if (token < 0 || token >= generation.length || generation[token] != gen) {
            return 0; // a removed or replaced registration
        }
        if ((flags & UringNative.CQE_F_MORE) == 0) {
            state[token] &= ~ARMED;
            if (interest[token] != 0) {
                queueRearm(token);
            }
        }
        FdHandle h = handles[token];
        if (res <= 0 || h == null || !h.isOpen()) {
            if (res < 0 && res != -125) { // ECANCELED is the removal we asked for
                LOG.debug("io_uring: poll on token {} failed: {}", token, Errors.name(-res));
            }
            return 0;
        }
        sink.ready(token, readyBits(res, interest[token]));
        return 1;
    }

    @Override
    public void wakeup() {
        waker.wakeup();
    }

    /**
     * Closes the ring. Operations still in flight are cancelled first, synchronously, so that the kernel writes into
     * none of their memory afterwards; their handlers are not called, their handles are released, and connections
     * an accept took but never delivered are closed. Idempotent.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            try {
                submit(0, true); // what the last pass posted (a write) goes out, as one more poll would have sent it
            } catch (IOException | RuntimeException e) {
                LOG.debug("io_uring: submitting the last requests at close failed", e);
            }
            engine.close();
            waker.close();
            ring.close();
        }
    }

    boolean isClosed() {
        return closed;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this io_uring backend instance is closed");
        }
    }
}
