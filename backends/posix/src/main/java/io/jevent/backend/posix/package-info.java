/**
 * The JNA libc layer and the poll(2) backend.
 *
 * <p>{@link io.jevent.backend.posix.Posix} says once, without ever failing to load, whether the layer runs
 * here. {@link io.jevent.backend.posix.PosixNetOps} is the {@link io.jevent.spi.NetOps} for raw descriptors
 * ({@link io.jevent.spi.FdHandle}) and is shared with the epoll and kqueue backends.
 * {@link io.jevent.backend.posix.PollBackend} is the portable, level-triggered fallback (preference 30).
 *
 * <p>Rules kept throughout: direct-mapped calls with primitive and address arguments only (but macOS's variadic
 * {@code fcntl}, at socket set-up); native structs
 * (pollfd, iovec, sockaddr) live in direct buffers we own and are read with {@code getInt}/{@code getLong};
 * nothing allocates per read, write or poll; errno is interpreted only in {@code internal.Errors}; every system
 * call on a handle's descriptor runs between {@code FdHandle.acquire()} and {@code PosixNetOps.release}, so a
 * handle closed through {@code NetOps} never reaches the socket that reused its number. The poll backend, which
 * knows only numbers, stops watching (fd -1) a pollfd whose handle was closed while registered. The numbers
 * (socket constants, errno) are Linux's or macOS's, decided in one place ({@code internal.Os}); macOS lacks
 * {@code accept4}, {@code SOCK_NONBLOCK}, {@code pipe2} and eventfd, so its descriptors get their flags from
 * {@code fcntl}, and its {@code sockaddr} starts with {@code sin_len}.
 */
package io.jevent.backend.posix;
