package io.jevent.spi;

import java.nio.channels.SelectableChannel;
import java.util.Objects;

/** A NIO channel, used by the NIO backend. Equal when they wrap the same channel object. */
public final class ChannelHandle implements Handle {
    private final SelectableChannel channel;

    /**
     * Wraps a channel. The NIO backend puts it in non-blocking mode when it is registered.
     *
     * @param channel the channel, not null
     */
    public ChannelHandle(SelectableChannel channel) {
        this.channel = Objects.requireNonNull(channel, "channel");
    }

    /** {@return the channel, never null} */
    public SelectableChannel channel() {
        return channel;
    }

    /** Whether the channel is open; the JDK keeps a closed channel dead, whatever reuses its descriptor. */
    @Override
    public boolean isOpen() {
        return channel.isOpen();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChannelHandle && ((ChannelHandle) o).channel == channel;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(channel);
    }

    @Override
    public String toString() {
        return channel.toString();
    }
}
