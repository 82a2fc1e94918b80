package io.jevent.backend.nio;

import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Handle;
import java.nio.channels.SelectableChannel;

/** Unwraps handles, turning a handle of the wrong kind into an {@link IllegalArgumentException} that says why. */
final class NioHandles {
    private NioHandles() {
    }

    /**
     * The channel behind a handle.
     *
     * @throws IllegalArgumentException if it is not a {@link ChannelHandle} (a native backend's fd, or null)
     */
    static SelectableChannel channel(Handle handle) {
        if (handle instanceof ChannelHandle) {
            return ((ChannelHandle) handle).channel();
        }
        throw new IllegalArgumentException("the nio backend works on ChannelHandle (SelectableChannel); got "
                + handle + ": create handles with this backend's NetOps or choose a native backend");
    }

    /**
     * The channel behind a handle, which must be of {@code type}.
     *
     * @param what the operation, for the message ("read")
     * @throws IllegalArgumentException if it is not a {@link ChannelHandle} or its channel is not a {@code type}
     */
    static <T> T channel(Handle handle, Class<T> type, String what) {
        SelectableChannel c = channel(handle);
        if (!type.isInstance(c)) {
            throw new IllegalArgumentException(what + " needs a handle on a " + type.getSimpleName() + ", got a "
                    + c.getClass().getSimpleName() + ": " + c);
        }
        return type.cast(c);
    }
}
