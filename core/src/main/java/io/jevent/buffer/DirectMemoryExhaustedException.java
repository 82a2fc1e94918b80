package io.jevent.buffer;

import java.io.IOException;

/**
 * {@link EvBuffer#readFrom} found no room to read into: the buffer's tail had no free space and no segment could
 * be had because direct memory is exhausted ({@code -XX:MaxDirectMemorySize}). Nothing was read, so no byte is
 * lost: the bytes wait in the socket. A back-pressure condition, not a failure of the connection: the caller
 * should stop reading for a while and try again (a {@code SocketBufferEvent} pauses its reading with a back-off).
 *
 * <p>Only reads report this; the buffer's other operations ({@link EvBuffer#add(byte[], int, int)}, ...) still
 * throw the {@link OutOfMemoryError} of the allocation.
 */
public final class DirectMemoryExhaustedException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * With the reason read into nothing.
     *
     * @param message the reason, for the exception's message
     */
    public DirectMemoryExhaustedException(String message) {
        super(message);
    }
}
