/**
 * The backend SPI: what a backend module implements so that {@code EventBase} can run on it.
 *
 * <p>Kept as small as libevent's {@code struct eventop}: a {@link io.jevent.spi.Backend} describes itself and
 * opens a {@link io.jevent.spi.Readiness} per base (update interest, poll into a {@link io.jevent.spi.ReadySink},
 * wake up), and provides {@link io.jevent.spi.NetOps} for handles of its own kind ({@link io.jevent.spi.FdHandle}
 * for native backends, {@link io.jevent.spi.ChannelHandle} for NIO). The threading contract is written on each
 * method: everything but {@code wakeup()} runs on the loop thread.
 *
 * <p>Readiness reports an int token rather than an object so that a poll allocates nothing; the base maps tokens
 * to its per-handle slots. Completion engines (IOCP, io_uring) will join this package with their own interface:
 * they do not pretend to be readiness backends.
 */
package io.jevent.spi;
