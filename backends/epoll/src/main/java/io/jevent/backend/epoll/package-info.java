/**
 * The epoll backend, Linux's default: {@link io.jevent.backend.epoll.EpollBackend} (found through
 * {@link java.util.ServiceLoader}), its availability holder {@link io.jevent.backend.epoll.Epoll}, and the
 * per-base {@code EpollReadiness}.
 *
 * <p>Sockets, reads and writes are the posix module's ({@code PosixNetOps}); this package only waits. One
 * {@code epoll_ctl} per interest change (the base batches changes per iteration), one {@code epoll_wait} per
 * poll into a reused native array read with {@code getInt}/{@code getLong}, an eventfd for cross-thread wakeups
 * (coalesced: one write per burst). The token and interest ride in {@code epoll_data}, so reporting needs no
 * table lookup and allocates nothing. A handle closed while registered is forgotten without {@code EPOLL_CTL_DEL}:
 * the kernel dropped the registration with the descriptor, and a DEL on the number would hit the socket that
 * reused it.
 */
package io.jevent.backend.epoll;
