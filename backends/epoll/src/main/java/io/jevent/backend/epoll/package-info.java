/**
 * The epoll backend, Linux's default: {@link io.jevent.backend.epoll.EpollBackend} (found through
 * {@link java.util.ServiceLoader}), its availability holder {@link io.jevent.backend.epoll.Epoll}, and the
 * per-base {@code EpollReadiness}.
 *
 * <p>Sockets, reads and writes are the posix module's ({@code PosixNetOps}); this package only waits. One
 * {@code epoll_ctl} per interest change (the base batches changes per iteration), one {@code epoll_wait} per
 * poll into a reused native array read with {@code getInt}/{@code getLong}, an eventfd for cross-thread wakeups
 * (coalesced: one write per burst). The token and interest ride in {@code epoll_data}, so reporting needs no
 * table lookup and allocates nothing. The kernel keeps a registration while the socket lives, which may be past
 * our close (another thread's call in flight, a dup, a child process), so each registration is recorded on its
 * {@code FdHandle}, and closing the handle sends {@code EPOLL_CTL_DEL} first, while the number is still the
 * socket's. The base's later deregistration of the dead handle makes no system call: a DEL on the number would hit
 * the socket that reused it.
 */
package io.jevent.backend.epoll;
