package io.jevent.backend.epoll;

import static io.jevent.backend.epoll.internal.EpollNative.EPOLLERR;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLLET;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLLHUP;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLLIN;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLLOUT;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLLRDHUP;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLL_CTL_ADD;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLL_CTL_DEL;
import static io.jevent.backend.epoll.internal.EpollNative.EPOLL_CTL_MOD;

import io.jevent.Ev;
import io.jevent.backend.epoll.internal.EpollEventLayout;
import io.jevent.backend.epoll.internal.EpollNative;
import io.jevent.backend.posix.PosixNetOps;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.Timeouts;
import io.jevent.backend.posix.internal.Waker;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One epoll instance (libevent's epoll.c, netty's {@code EpollIoHandler}).
 *
 * <p><b>Encoded state.</b> Each registration's {@code epoll_data.u64} holds the token in its low 32 bits and the
 * interest ({@code Ev} bits) in its high 32, so a reported event carries everything needed to build the ready
 * bits (whether CLOSED was asked for): no lookup table, no allocation. The waker's eventfd is registered with
 * {@link #WAKE_DATA} ({@code -1}), which no registration can produce since tokens and interests are
 * non-negative.
 *
 * <p><b>Memory.</b> {@link #ctl} is one reused {@code epoll_event} for {@code epoll_ctl}; {@link #events} is the
 * reused array {@code epoll_wait} fills, read with {@code getInt}/{@code getLong}. When a wait fills it, it
 * doubles (up to {@link #MAX_EVENTS}) for the next one.
 *
 * <p><b>Registrations belong to sockets, not numbers.</b> The kernel keys a registration by the open file and drops
 * it only when the file's last descriptor closes, which may be long after our close: another thread's call in
 * flight holds the number, a {@code dup} or a child process holds the file. A registration left behind would go on
 * reporting the old socket under a token the base has given to another handle since (level-triggered: on every
 * poll). So each registered handle records {@link #unregister} ({@link FdHandle#addRegistration}), and closing the
 * handle runs it, {@code EPOLL_CTL_DEL} while the number still names the socket, from whichever thread closes.
 *
 * <p>Every method but {@link #wakeup()} must be called on the loop thread.
 */
final class EpollReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(EpollReadiness.class);

    /** Events array length at open. */
    static final int INITIAL_EVENTS = 64;
    /** The events array never grows past this many entries. */
    static final int MAX_EVENTS = 64 * 1024;
    /** {@code epoll_data} of the waker's eventfd. */
    private static final long WAKE_DATA = -1L;

    private final int epfd;
    /**
     * {@link #epfd} as a handle, so that a handle closed on another thread ({@link #unregister}) never calls
     * {@code epoll_ctl} on the number of an epoll instance closed meanwhile.
     */
    private final FdHandle epollHandle;
    /** Recorded on each registered handle; removes it from this instance when the handle is closed. */
    private final Unregister unregister;
    private final Waker waker;
    private final ByteBuffer ctl = NativeMemory.allocate(16);
    private final long ctlAddress = NativeMemory.address(ctl);
    private ByteBuffer events;
    private long eventsAddress;
    private int maxEvents;
    private boolean closed;

    EpollReadiness(int initialEvents) throws IOException {
        epfd = Errors.check("epoll_create1", EpollNative.epoll_create1(EpollNative.EPOLL_CLOEXEC));
        Waker w = null;
        try {
            w = Waker.eventFd();
            ctl(EPOLL_CTL_ADD, w.readFd(), EPOLLIN, WAKE_DATA);
        } catch (IOException | RuntimeException e) {
            if (w != null) {
                w.close();
            }
            LibC.close(epfd);
            throw e;
        }
        waker = w;
        epollHandle = new FdHandle(epfd);
        unregister = new Unregister(epollHandle);
        allocateEvents(initialEvents);
    }

    /**
     * Ends a registration from the close of its handle, on any thread: {@code EPOLL_CTL_DEL} while the number is
     * still the socket's. Holds only the epoll handle, so a handle that outlives its base keeps nothing else alive.
     */
    private static final class Unregister implements FdHandle.Registration {
        private final FdHandle epoll;

        Unregister(FdHandle epoll) {
            this.epoll = epoll;
        }

        @Override
        public void undo(int fd) {
            int ep;
            try {
                ep = epoll.acquire();
            } catch (ClosedChannelException gone) {
                return; // the epoll instance was closed, and its registrations went with it
            }
            try {
                // Linux ignores the event argument of a DEL (since 2.6.9); the loop thread's ctl buffer is not ours
                if (EpollNative.epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0L) < 0) {
                    int errno = Errors.errno();
                    LOG.debug("epoll_ctl(DEL) of fd {} on close: {}", fd, Errors.name(errno));
                }
            } finally {
                PosixNetOps.release(epoll);
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>A dead handle is forgotten without a system call: its close already took it out of the set (see the class
     * comment), and an {@code EPOLL_CTL_DEL} on its number would now remove the registration of the socket that
     * reused it.
     */
    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        ensureOpen();
        FdHandle h = PosixNetOps.fdHandle(handle);
        if (token < 0) {
            throw new IllegalArgumentException("expected token >= 0, got " + token);
        }
        boolean registered = (oldInterest & Ev.IO_MASK) != 0;
        if ((newInterest & Ev.IO_MASK) == 0) {
            if (registered) {
                deregister(h);
            }
            return;
        }
        int fd = h.acquire(); // ClosedChannelException for a dead handle
        try {
            register(fd, token, registered, newInterest);
            if (!h.addRegistration(unregister)) {
                // closed on another thread meanwhile, maybe without seeing this registration: end it here
                unregister.undo(fd);
                h.removeRegistration(unregister);
                throw new ClosedChannelException();
            }
        } finally {
            PosixNetOps.release(h);
        }
    }

    private void register(int fd, int token, boolean registered, int newInterest) throws IOException {
        int ev = epollEvents(newInterest);
        long data = (token & 0xffff_ffffL) | ((long) newInterest << 32);
        int op = registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
        if (EpollNative.epoll_ctl(epfd, op, fd, fill(ev, data)) == 0) {
            return;
        }
        int errno = Errors.errno();
        // The base's idea of "registered" can lag the kernel's when a descriptor was closed outside NetOps and its
        // number reopened: it left the set silently (ENOENT on MOD), or was added twice (EEXIST on ADD). libevent
        // retries with the other op; the base re-sends a slot whose handle object changed for this reason.
        if (op == EPOLL_CTL_MOD && errno == Errors.ENOENT) {
            op = EPOLL_CTL_ADD;
        } else if (op == EPOLL_CTL_ADD && errno == Errors.EEXIST) {
            op = EPOLL_CTL_MOD;
        } else {
            throw Errors.newException(op == EPOLL_CTL_ADD ? "epoll_ctl(ADD)" : "epoll_ctl(MOD)", errno);
        }
        LOG.debug("epoll_ctl on fd {}: {}, retrying as {}", fd, Errors.name(errno), op == EPOLL_CTL_ADD ? "ADD" : "MOD");
        ctl(op, fd, ev, data);
    }

    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        ensureOpen();
        int n = EpollNative.epoll_wait(epfd, eventsAddress, maxEvents, Timeouts.toMillisRoundUp(timeoutNanos));
        if (n < 0) {
            int errno = Errors.errno();
            if (errno == Errors.EINTR) {
                return 0;
            }
            throw Errors.newException("epoll_wait", errno);
        }
        ByteBuffer evs = events;
        int reported = 0;
        for (int i = 0; i < n; i++) {
            int at = i * EpollEventLayout.SIZE;
            long data = evs.getLong(at + EpollEventLayout.DATA_OFFSET);
            if (data == WAKE_DATA) {
                waker.drain();
                continue;
            }
            int ev = evs.getInt(at + EpollEventLayout.EVENTS_OFFSET);
            sink.ready((int) data, readyBits(ev, (int) (data >>> 32)));
            reported++;
        }
        if (n == maxEvents && maxEvents < MAX_EVENTS) {
            allocateEvents(Math.min(maxEvents * 2, MAX_EVENTS));
            LOG.debug("epoll: events array grown to {}", maxEvents);
        }
        return reported;
    }

    @Override
    public void wakeup() {
        waker.wakeup();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            waker.close();
            if (epollHandle.markClosed()) { // else a handle's close on another thread is in a DEL: it closes epfd
                LibC.close(epfd);
            }
        }
    }

    /** Current length of the events array; for tests. */
    int eventsCapacity() {
        return maxEvents;
    }

    static int epollEvents(int interest) {
        int ev = 0;
        if ((interest & Ev.READ) != 0) {
            ev |= EPOLLIN;
        }
        if ((interest & Ev.WRITE) != 0) {
            ev |= EPOLLOUT;
        }
        if ((interest & Ev.CLOSED) != 0) {
            ev |= EPOLLRDHUP;
        }
        if ((interest & Ev.ET) != 0) {
            ev |= EPOLLET;
        }
        return ev;
    }

    /** Kernel events to Ev bits: errors and hang-ups become READ|WRITE, hang-ups CLOSED too if it was asked. */
    static int readyBits(int ev, int interest) {
        int bits = 0;
        if ((ev & EPOLLIN) != 0) {
            bits |= Ev.READ;
        }
        if ((ev & EPOLLOUT) != 0) {
            bits |= Ev.WRITE;
        }
        if ((ev & (EPOLLERR | EPOLLHUP)) != 0) {
            bits |= Ev.READ | Ev.WRITE;
        }
        if ((ev & (EPOLLHUP | EPOLLRDHUP)) != 0 && (interest & Ev.CLOSED) != 0) {
            bits |= Ev.CLOSED;
        }
        return bits;
    }

    private void deregister(FdHandle h) throws IOException {
        int fd;
        try {
            fd = h.acquire();
        } catch (ClosedChannelException dead) {
            LOG.trace("epoll: {} was closed while registered; its close removed it from the set", h);
            return;
        }
        try {
            h.removeRegistration(unregister);
            if (EpollNative.epoll_ctl(epfd, EPOLL_CTL_DEL, fd, ctlAddress) == 0) {
                return;
            }
            int errno = Errors.errno();
            // A descriptor closed outside NetOps left the set already (EBADF, or ENOENT once its number is reused).
            if (errno == Errors.EBADF || errno == Errors.ENOENT || errno == Errors.EPERM) {
                LOG.debug("epoll_ctl(DEL) on fd {}: {}, ignored (closed before its event was removed)", fd,
                        Errors.name(errno));
                return;
            }
            throw Errors.newException("epoll_ctl(DEL)", errno);
        } finally {
            PosixNetOps.release(h);
        }
    }

    private void ctl(int op, int fd, int ev, long data) throws IOException {
        Errors.check("epoll_ctl", EpollNative.epoll_ctl(epfd, op, fd, fill(ev, data)));
    }

    private long fill(int ev, long data) {
        ctl.putInt(EpollEventLayout.EVENTS_OFFSET, ev);
        ctl.putLong(EpollEventLayout.DATA_OFFSET, data);
        return ctlAddress;
    }

    private void allocateEvents(int capacity) {
        events = NativeMemory.allocate(capacity * EpollEventLayout.SIZE);
        eventsAddress = NativeMemory.address(events);
        maxEvents = capacity;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this epoll backend instance is closed");
        }
    }
}
