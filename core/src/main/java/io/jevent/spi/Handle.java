package io.jevent.spi;

/**
 * Something the operating system lets us wait on: a raw file descriptor ({@link FdHandle}) for the native
 * backends, a {@link java.nio.channels.SelectableChannel} ({@link ChannelHandle}) for NIO.
 *
 * <p>A handle is only a name; it is opened, read, written and closed through the {@link NetOps} of the backend
 * that made it. Handles are compared by identity of what they name ({@code equals}/{@code hashCode}), so the
 * same descriptor wrapped twice is the same handle.
 */
public interface Handle {
}
