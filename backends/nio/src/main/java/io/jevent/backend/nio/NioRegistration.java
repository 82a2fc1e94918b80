package io.jevent.backend.nio;

/**
 * The attachment of one {@link java.nio.channels.SelectionKey}: the base's token for the handle, kept in a mutable
 * int so that {@link NioReadiness#poll} reads it without unboxing and a re-registration with a new token
 * allocates nothing. Created once, when the channel is first registered with the selector; it lives as long as
 * the key, that is until the channel is closed (a removal only clears the key's interest).
 *
 * <p>Touched on the loop thread only.
 */
final class NioRegistration {
    /** The token to report, as last passed to {@code update}. */
    int token;

    NioRegistration(int token) {
        this.token = token;
    }
}
