/**
 * The io_uring backend (Linux 6.0 and later): {@link io.jevent.backend.uring.UringBackend} (found through
 * {@link java.util.ServiceLoader}, preference 20, after epoll), its availability holder
 * {@link io.jevent.backend.uring.Uring}, and per base one ring that is both a readiness backend
 * ({@code UringReadiness}) and a completion engine ({@code UringEngine}).
 *
 * <p><b>One ring, one call.</b> Interest changes, re-arms and posted operations are SQEs written into the mmapped
 * submission queue as they arise; each poll of the loop submits all of them and waits in the same
 * {@code io_uring_enter} (with {@code IORING_ENTER_EXT_ARG} for the timeout), and makes no call at all when it need
 * not wait and has nothing to submit. Completions are read from the mmapped CQ: readiness goes to the base's sink,
 * operations to their handlers through the {@link io.jevent.spi.OperationTable}.
 *
 * <p><b>Readiness.</b> Level-triggered interest is a one-shot poll request armed again before each wait (arming
 * checks the state at once, so what is still ready completes again); edge-triggered is a multishot poll, which the
 * kernel runs as {@code EPOLLET}. User data with bit 63 set, the token and a per-token generation, so that the
 * completion of a replaced poll is dropped. Requests hold their file, so a handle's close cancels everything the ring
 * has on its socket ({@code IORING_REGISTER_SYNC_CANCEL}) while the number still names it: the socket really closes,
 * and nothing is reported for the dead handle.
 *
 * <p><b>Completions.</b> Operations hold their handle from post to last completion, so a descriptor number is never
 * reused while the kernel may act on it; reads into engine-picked memory use a provided-buffer ring, so a connection
 * waiting to read holds no buffer. Sockets come from the posix layer ({@code PosixNetOps}), as for epoll.
 *
 * <p><b>Setup flags.</b> {@code SUBMIT_ALL | COOP_TASKRUN | TASKRUN_FLAG} where the kernel has them (each dropped in
 * turn on EINVAL). Not {@code SINGLE_ISSUER}/{@code DEFER_TASKRUN}: they tie the ring to one thread, and a base may be
 * looped by one thread after another.
 */
package io.jevent.backend.uring;
