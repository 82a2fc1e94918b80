package io.jevent.spi;

/**
 * Something the operating system lets us wait on: a raw file descriptor ({@link FdHandle}) for the native
 * backends, a {@link java.nio.channels.SelectableChannel} ({@link ChannelHandle}) for NIO.
 *
 * <p>A handle is opened, read, written and closed through the {@link NetOps} of the backend that made it. Handles
 * are compared by what they name ({@code equals}/{@code hashCode}): the same descriptor wrapped twice is the same
 * handle.
 *
 * <p><b>A closed handle is dead.</b> Once closed through {@link NetOps#close} (for a {@link ChannelHandle}, also
 * through its channel's own {@code close()}), every operation on it throws
 * {@link java.nio.channels.ClosedChannelException}, and nothing it does can reach another socket that was given
 * the same descriptor number afterwards. Since numbers are reused, a dead {@link FdHandle} may be {@code equal} to
 * a live one: {@link #isOpen()} and identity tell them apart.
 */
public interface Handle {
    /**
     * Whether the handle is open: {@code false} once it was closed through {@link NetOps#close} (or, for a channel,
     * its own {@code close()}). Any thread; never blocks.
     *
     * @return {@code true} until the handle is closed
     */
    boolean isOpen();
}
