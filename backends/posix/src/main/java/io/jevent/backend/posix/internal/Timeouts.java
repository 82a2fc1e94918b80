package io.jevent.backend.posix.internal;

/** Converts the SPI's nanosecond timeouts to the milliseconds poll(2) and epoll_wait(2) take. */
public final class Timeouts {
    private Timeouts() {
    }

    /**
     * Nanoseconds to milliseconds, rounded <em>up</em> so that a wait never ends before its timer is due
     * (rounding down would wake the loop early and spin with a 0 ms poll until the time came).
     *
     * @return {@code -1} for {@code nanos < 0} (for ever), {@code 0} for {@code 0}, else at least 1 and at most
     *     {@link Integer#MAX_VALUE}
     */
    public static int toMillisRoundUp(long nanos) {
        if (nanos < 0) {
            return -1;
        }
        long ms = nanos / 1_000_000 + (nanos % 1_000_000 != 0 ? 1 : 0);
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }
}
