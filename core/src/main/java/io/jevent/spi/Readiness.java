package io.jevent.spi;

import java.io.IOException;

/**
 * One opened readiness backend (epoll, kqueue, poll, NIO): libevent's {@code struct eventop} in Java.
 *
 * <p><b>Threading.</b> Every method except {@link #wakeup()} must be called on the loop thread that owns the
 * {@code EventBase}; the base guarantees it. {@link #wakeup()} may be called from any thread.
 *
 * <p><b>Changelist.</b> The base keeps the interest of each handle and calls {@link #update} at most once per
 * handle per loop iteration, just before {@link #poll}, with the interest the backend last saw and the one it
 * should now have. A backend therefore needs no bookkeeping of its own to save system calls.
 *
 * <p><b>Closing handles.</b> As in libevent, remove a handle's events before closing it. A handle closed while
 * registered is dead ({@link Handle}) and is never reported again: epoll's close of the handle takes it out of the
 * set (through {@link FdHandle.Registration}, since the kernel would keep it as long as the socket lives on), NIO
 * cancels the channel's key, poll stops watching the number. Its descriptor number may meanwhile belong to a new socket,
 * registered under another token; the two never share a registration. Deregistering a dead handle
 * ({@code newInterest == 0}) only forgets it and makes no system call with its number; registering one throws
 * {@link java.nio.channels.ClosedChannelException}.
 */
public interface Readiness extends AutoCloseable {
    /**
     * Changes the interest of a handle.
     *
     * @param handle the handle, of this backend's kind (the base checks the kind first)
     * @param token a small non-negative int the base uses to find the handle's events; report it back
     *     through {@link ReadySink#ready}. Stable while the handle is registered.
     * @param oldInterest what the backend was last told ({@code 0}: not registered)
     * @param newInterest what it should now watch ({@code 0}: deregister); bits of
     *     {@code Ev.READ | Ev.WRITE | Ev.CLOSED | Ev.ET}
     * @throws java.nio.channels.ClosedChannelException if {@code newInterest != 0} and the handle is closed
     * @throws IOException if the OS refuses
     */
    void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException;

    /**
     * Waits for readiness and reports it into {@code sink}, without allocating.
     *
     * <p>The calling thread's interrupt status neither ends nor shortens the wait, and is left as found (an
     * interrupt during the wait may end it early once, and stays set): the loop neither spins nor loses the
     * status for its callbacks and its caller.
     *
     * @param timeoutNanos how long to wait: {@code < 0} for ever, {@code 0} not at all
     * @param sink receives each ready handle
     * @return the number of handles reported, plus, for a completion engine, the completions delivered (the base's
     *     {@code LoopFlag.ONCE} ends a pass that delivered some even when no event became active)
     * @throws IOException if the wait itself fails (EINTR is retried or reported as {@code 0}, never thrown)
     */
    int poll(long timeoutNanos, ReadySink sink) throws IOException;

    /** Interrupts a {@link #poll} in progress, or makes the next one return at once. Any thread; cheap. */
    void wakeup();

    /**
     * The completion engine this backend also is (io_uring), or {@code null} for a readiness-only backend. Its
     * completions are delivered from inside {@link #poll}.
     *
     * @return the engine, the same object on every call, or {@code null}
     */
    default CompletionEngine completions() {
        return null;
    }

    /** Releases the backend's descriptors. Idempotent. */
    @Override
    void close();
}
