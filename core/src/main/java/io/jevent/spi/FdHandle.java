package io.jevent.spi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.ClosedChannelException;

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
 * <p>A descriptor closed <em>outside</em> {@code NetOps} (by libc, by another wrapper of the same number) cannot be
 * seen here: the handle still looks open and its operations reach whatever has the number now. Wrap a descriptor
 * once and close it through {@code NetOps} only.
 *
 * <p>Thread-safe; the state is one int changed by compare-and-set, and nothing allocates.
 */
public final class FdHandle implements Handle {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(FdHandle.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@link #state} bit set once the handle is closed. */
    private static final int CLOSED = 0x8000_0000;
    /** {@link #state} bits counting system calls in flight (between {@link #acquire} and {@link #release}). */
    private static final int IN_FLIGHT = 0x7fff_ffff;

    private final int fd;
    /** {@link #CLOSED} once closed, plus the number of operations in flight ({@link #IN_FLIGHT} bits). */
    private volatile int state;

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
     * Marks the handle closed: every later {@link #acquire()} throws. Only the first call counts. For backends,
     * from their {@link NetOps#close}.
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
            if (STATE.compareAndSet(this, s, s | CLOSED)) {
                return s == 0;
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
