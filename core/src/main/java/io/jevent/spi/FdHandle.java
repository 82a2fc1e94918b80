package io.jevent.spi;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;
import java.util.Arrays;

/**
 * A raw POSIX file descriptor, used by the native (JNA) backends. Equal when the descriptor numbers are equal.
 *
 * <p><b>Lifetime.</b> A descriptor number outlives the socket it named: once closed, the kernel gives the same
 * number to the next socket anyone opens. So the handle, not the number, carries the state: once closed through
 * its backend's {@link NetOps#close}, a handle is <em>dead</em> and no system call ever receives its number again
 * on its behalf. Every operation on it throws {@link ClosedChannelException}, even when another socket has the
 * number by then. A new handle with the same number is {@code equal} to the dead one (equality is by number so
 * that one descriptor wrapped twice is one handle); code that must tell them apart compares with {@code ==} and
 * asks {@link #isOpen()}, as the base's handle table does.
 *
 * <p><b>Operations in flight.</b> A backend brackets each system call on the descriptor with {@link #acquire()} and
 * {@link #release()}. A close that arrives while a call is in flight on another thread marks the handle dead at
 * once and leaves the real {@code close(2)} to the last {@link #release()}, so a number is never closed, and so
 * never reused, while a call still uses it (the JDK's channels defer their close the same way).
 *
 * <p><b>Registrations that outlive the number.</b> Some kernel registrations belong to the socket, not to the
 * number: epoll's are keyed by the open file, and live on after {@code close(2)} wherever the socket does (a call
 * still in flight, a {@code dup}, a child process), reporting the old socket under a token its base has given to
 * another handle since. A backend that makes such registrations records each with {@link #addRegistration}, and
 * {@link #markClosed()} undoes them all before the handle dies, while the number still names the socket.
 *
 * <p>A descriptor closed <em>outside</em> {@code NetOps} (by libc, by another wrapper of the same number) cannot be
 * seen here: the handle still looks open and its operations reach whatever has the number now. Wrap a descriptor
 * once and close it through {@code NetOps} only.
 *
 * <p>Thread-safe; the state is one int changed by compare-and-set, and nothing allocates (but a second backend's
 * registration of the same descriptor).
 */
public final class FdHandle implements Handle {
    private static final Logger LOG = LoggerFactory.getLogger(FdHandle.class);
    private static final VarHandle STATE;
    private static final VarHandle REGISTRATIONS;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(FdHandle.class, "state", int.class);
            REGISTRATIONS = lookup.findVarHandle(FdHandle.class, "registrations", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A kernel registration of the descriptor that the close of the number alone would not end (an epoll
     * instance's). Made by a backend; see the class comment.
     */
    @FunctionalInterface
    public interface Registration {
        /**
         * Ends the registration of {@code fd}, which still names this handle's socket; the handle is closed and
         * no new call can begin on it. Any thread. Must not throw: failures are the backend's to log.
         *
         * @param fd the descriptor number the handle had
         */
        void undo(int fd);
    }


    /** {@link #state} bit set once the handle is closed. */
    private static final int CLOSED = 0x8000_0000;
    /** {@link #state} bits counting system calls in flight (between {@link #acquire} and {@link #release}). */
    private static final int IN_FLIGHT = 0x7fff_ffff;

    private final int fd;
    /** {@link #CLOSED} once closed, plus the number of operations in flight ({@link #IN_FLIGHT} bits). */
    private volatile int state;
    /**
     * Registrations to undo on close: {@code null}, one {@link Registration} (the usual case, which allocates
     * nothing), or a {@code Registration[]} of two or more, replaced and never modified. {@code null} once closed.
     */
    private volatile Object registrations;

    /**
     * Wraps a descriptor.
     *
     * @param fd the descriptor, {@code >= 0}
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public FdHandle(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("expected a file descriptor >= 0, got " + fd);
        }
        this.fd = fd;
    }

    /**
     * The descriptor number. Once the handle is closed the number may name another socket: pass it to a system
     * call only between {@link #acquire()} and {@link #release()}; otherwise use it for messages only.
     *
     * @return the descriptor number
     */
    public int fd() {
        return fd;
    }

    /** Whether the handle is still open: not yet closed through {@link NetOps#close}. */
    @Override
    public boolean isOpen() {
        return state >= 0;
    }

    /**
     * Begins a system call on the descriptor: until the matching {@link #release()}, a close only marks the handle
     * dead and the number stays allocated. For backends.
     *
     * @return the descriptor number
     * @throws ClosedChannelException if the handle is closed
     */
    public int acquire() throws ClosedChannelException {
        for (;;) {
            int s = state;
            if (s < 0) {
                throw new ClosedChannelException();
            }
            if ((s & IN_FLIGHT) == IN_FLIGHT) {
                throw new IllegalStateException("more than " + IN_FLIGHT + " operations in flight on " + this
                        + ": acquire() without release()");
            }
            if (STATE.compareAndSet(this, s, s + 1)) {
                return fd;
            }
        }
    }

    /**
     * Ends what {@link #acquire()} began. For backends.
     *
     * @return {@code true} if the handle was closed meanwhile and this was the last call in flight: the caller
     *     must now {@code close(2)} the descriptor, which nobody else will do
     * @throws IllegalStateException if no call is in flight (a release without its acquire)
     */
    public boolean release() {
        for (;;) {
            int s = state;
            if ((s & IN_FLIGHT) == 0) {
                throw new IllegalStateException("release() without acquire() on " + this);
            }
            if (STATE.compareAndSet(this, s, s - 1)) {
                return s - 1 == CLOSED;
            }
        }
    }

    /**
     * Marks the handle closed: every later {@link #acquire()} throws. Only the first call counts. Before it returns,
     * every {@link Registration} recorded on the handle is undone, on the calling thread, while the descriptor is
     * still open (this close holds it as if it were a call in flight). For backends, from their
     * {@link NetOps#close}.
     *
     * @return {@code true} if the caller must {@code close(2)} the descriptor now; {@code false} if the handle was
     *     already closed, or a call in flight will close it from its {@link #release()}
     */
    public boolean markClosed() {
        for (;;) {
            int s = state;
            if (s < 0) {
                return false;
            }
            if ((s & IN_FLIGHT) == IN_FLIGHT) {
                throw new IllegalStateException("more than " + IN_FLIGHT + " operations in flight on " + this
                        + ": acquire() without release()");
            }
            // closed, and held by this close until its registrations are undone: the number cannot be reused
            if (STATE.compareAndSet(this, s, (s | CLOSED) + 1)) {
                break;
            }
        }
        // Taken after CLOSED is set: a backend recording a registration after this sees CLOSED and undoes it itself.
        Object rs = REGISTRATIONS.getAndSet(this, null);
        if (rs instanceof Registration) {
            undo((Registration) rs);
        } else if (rs != null) {
            for (Registration r : (Registration[]) rs) {
                undo(r);
            }
        }
        return release();
    }

    private void undo(Registration r) {
        try {
            r.undo(fd);
        } catch (RuntimeException e) {
            LOG.debug("undoing a registration of {} on close failed", this, e);
        }
    }

    /**
     * Records a registration that {@link #markClosed()} must undo. Recording one already recorded does nothing, and
     * the first one allocates nothing. For backends, while they hold the descriptor ({@link #acquire()}).
     *
     * @param r the registration to undo on close, not null
     * @return {@code true} if recorded; {@code false} if the handle was closed meanwhile, in which case the close
     *     may not have seen it: the caller, still holding the descriptor, must undo the registration itself
     */
    public boolean addRegistration(Registration r) {
        for (;;) {
            if (!isOpen()) {
                return false;
            }
            Object rs = registrations;
            Object more;
            if (rs == null) {
                more = r;
            } else if (rs == r) {
                return true; // recorded before the close, if any, takes it: that close undoes it
            } else if (rs instanceof Registration) {
                more = new Registration[] {(Registration) rs, r};
            } else {
                Registration[] a = (Registration[]) rs;
                for (Registration x : a) {
                    if (x == r) {
                        return true;
                    }
                }
                Registration[] b = Arrays.copyOf(a, a.length + 1);
                b[a.length] = r;
                more = b;
            }
            if (REGISTRATIONS.compareAndSet(this, rs, more)) {
                return isOpen(); // read after the write: a close that did not see the registration is seen here
            }
        }
    }

    /**
     * Forgets a registration the backend ended itself (the descriptor left its set). For backends.
     *
     * @param r a registration recorded by {@link #addRegistration}; one not recorded is ignored
     */
    public void removeRegistration(Registration r) {
        for (;;) {
            Object rs = registrations;
            Object fewer;
            if (rs == r) {
                fewer = null;
            } else if (rs instanceof Registration[]) {
                Registration[] a = (Registration[]) rs;
                int i = 0;
                while (i < a.length && a[i] != r) {
                    i++;
                }
                if (i == a.length) {
                    return;
                }
                if (a.length == 2) {
                    fewer = a[1 - i];
                } else {
                    Registration[] b = new Registration[a.length - 1];
                    System.arraycopy(a, 0, b, 0, i);
                    System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                    fewer = b;
                }
            } else {
                return; // not recorded
            }
            if (REGISTRATIONS.compareAndSet(this, rs, fewer)) {
                return;
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FdHandle && ((FdHandle) o).fd == fd;
    }

    @Override
    public int hashCode() {
        return fd;
    }

    @Override
    public String toString() {
        return isOpen() ? "fd " + fd : "fd " + fd + " (closed)";
    }
}
