/**
 * The kqueue backend, the default on macOS and the BSDs: {@link io.jevent.backend.kqueue.KqueueBackend} (found
 * through {@link java.util.ServiceLoader}), its availability holder {@link io.jevent.backend.kqueue.Kqueue}, and the
 * per-base {@code KqueueReadiness}. On Linux it runs over libkqueue when {@code -Djevent.kqueue.library} (or JNA's
 * library path) provides it, preferred there after epoll, io_uring and poll (preference 40).
 *
 * <p>Sockets, reads and writes are the posix module's ({@code PosixNetOps}); this package only waits. Interest
 * changes of a loop pass are written into a reused changelist and reach the kernel in the one {@code kevent} call
 * that also waits; a change that fails comes back as an {@code EV_ERROR} entry and wakes that handle's events.
 * (Over libkqueue, which goes on waiting after an error entry, changes carry {@code EV_RECEIPT} and go in a call
 * of their own before the wait.)
 * Deregistrations delete at once, and closing a registered handle deletes its filters first (libkqueue, unlike the
 * kernels, does not notice a close). {@code EV_CLEAR} gives edge-triggered events, {@code EV_EOF} on the read filter
 * {@code Ev.CLOSED}, and an {@code EVFILT_USER} event the cross-thread wake-up (coalesced: one trigger per burst).
 * The token rides in {@code udata}; the interest behind it is an int array indexed by token, so reporting allocates
 * nothing.
 */
package io.jevent.backend.kqueue;
