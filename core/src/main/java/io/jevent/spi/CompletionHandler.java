package io.jevent.spi;

import java.nio.ByteBuffer;

/**
 * Receives the completion of one operation posted to a {@link CompletionEngine}. Called on the loop thread, from
 * inside {@link Readiness#poll}, once per completion; a multishot operation (accept) completes several times, with
 * {@link CompletionEngine#MORE} set on every completion but its last.
 *
 * <p>A handler is a long-lived object (one per connection and kind of operation, say), never one allocated per
 * operation: posting and completing allocate nothing. It may post and cancel operations; what it posts goes out
 * with the next poll.
 */
@FunctionalInterface
public interface CompletionHandler {
    /**
     * One completion.
     *
     * @param result what the operation returns: bytes moved ({@code >= 0}; {@code 0} on a read is end of stream),
     *     a new descriptor for an accept, {@code 0} for a connect, shutdown, close or wait, or a negated errno
     *     ({@code -ECANCELED} once the operation was cancelled; {@link CompletionEngine#failure} turns it into an
     *     exception)
     * @param flags {@link CompletionEngine#MORE} and {@link CompletionEngine#BUFFER} bits
     * @param data for {@link CompletionEngine#readAny} with {@code result > 0}: the engine's buffer holding the bytes,
     *     from position 0 to {@code result}; valid only during this call (the engine reuses it afterwards), so copy
     *     what is needed. {@code null} otherwise.
     */
    void completed(int result, int flags, ByteBuffer data);
}
