/**
 * The backend SPI: what a backend module implements so that {@code EventBase} can run on it.
 *
 * <p>Kept as small as libevent's {@code struct eventop}: a {@link io.jevent.spi.Backend} describes itself and
 * opens a {@link io.jevent.spi.Readiness} per base (update interest, poll into a {@link io.jevent.spi.ReadySink},
 * wake up), and provides {@link io.jevent.spi.NetOps} for handles of its own kind ({@link io.jevent.spi.FdHandle}
 * for native backends, {@link io.jevent.spi.ChannelHandle} for NIO). The threading contract is written on each
 * method: everything but {@code wakeup()} runs on the loop thread.
 *
 * <p>A native backend's module keeps an availability holder ({@code Epoll}, {@code Kqueue}, ...): it probes once, in
 * its static initialiser, through {@link io.jevent.spi.Availability#probe}, which turns anything the probe throws into
 * the cause, so that loading the backend never fails where it cannot run; its {@code Backend} answers
 * {@code isAvailable()} and {@code unavailabilityCause()} from it.
 *
 * <p>Readiness reports an int token rather than an object so that a poll allocates nothing; the base maps tokens
 * to its per-handle slots.
 *
 * <p><b>Handle lifetime.</b> The kernel reuses a closed descriptor's number for the next socket, so a number is not
 * an identity. A handle closed through {@link io.jevent.spi.NetOps#close} is dead: its operations throw
 * {@link java.nio.channels.ClosedChannelException} before any system call (an {@link io.jevent.spi.FdHandle}
 * brackets its calls with {@code acquire}/{@code release}, and a close that races a call is completed by that
 * call), backends forget its registration without touching the number, and the base gives a new handle with the
 * same number a registration of its own. What is not guaranteed: a descriptor closed outside {@code NetOps}
 * leaves its {@code FdHandle} looking open, so its operations reach whatever has the number next (the base still
 * re-registers a new handle object on that number, so the new socket is watched). Registrations the kernel keys
 * by the open file rather than the number (epoll's) would outlive the close wherever the socket lives on (another
 * thread's call in flight, a dup, a child process): the backend records them on the {@code FdHandle}, and its close
 * ends them first.
 *
 * <p><b>Completion engines.</b> io_uring (and IOCP) finish reads and writes and report them done. Such a backend's
 * {@code Readiness} also answers {@link io.jevent.spi.Readiness#completions()} with a
 * {@link io.jevent.spi.CompletionEngine}: one poll submits what was posted, waits, and delivers readiness into the
 * sink and completions to each operation's {@link io.jevent.spi.CompletionHandler}, on the loop thread. Posted
 * operations are named by a slot and a generation ({@link io.jevent.spi.OperationTable}), so a completion that comes
 * after its operation was cancelled never reaches the slot's next owner; memory and handles lent to an operation
 * stay lent until its completion.
 */
package io.jevent.spi;
