package io.jevent.spi;

/**
 * Receives readiness from {@link Readiness#poll}. Called on the loop thread, once per ready handle per poll,
 * with no allocation: the backend passes the token it was given at registration, not an object.
 *
 * <p>A sink must not call {@link Readiness#update} while {@link Readiness#poll} is reporting into it (the poll
 * backend compacts its arrays on removal); the base only marks events active here and sends interest changes
 * before the next poll.
 */
@FunctionalInterface
public interface ReadySink {
    /**
     * Reports that a handle is ready.
     *
     * @param token the token passed to {@link Readiness#update} for this handle
     * @param readyBits a subset of {@code Ev.READ | Ev.WRITE | Ev.CLOSED}; errors and hang-ups are reported as
     *     {@code READ | WRITE} within the handle's interest (so that the next read or write surfaces the error), plus {@code CLOSED} where
     *     the handle asked for it
     */
    void ready(int token, int readyBits);
}
