package io.jevent.backend.epoll;

import io.jevent.backend.epoll.internal.EpollNative;
import io.jevent.backend.posix.Posix;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.spi.Availability;

/**
 * Whether epoll can run here (netty's {@code Epoll} holder): probed once when this class is initialised, which
 * never fails. Needs the posix layer ({@link Posix}) and a working {@code epoll_create1}.
 */
public final class Epoll {
    /** Whether epoll can run, and why not. */
    private static final Availability AVAILABILITY = Availability.probe("epoll", Epoll::probe);

    private Epoll() {
    }

    private static Throwable probe() {
        if (!Posix.isAvailable()) {
            return Posix.unavailabilityCause();
        }
        int fd = EpollNative.epoll_create1(EpollNative.EPOLL_CLOEXEC);
        if (fd < 0) {
            return Errors.errnoException("epoll_create1", Errors.errno());
        }
        LibC.close(fd);
        return null;
    }

    /**
     * Whether epoll works on this machine. The probe runs once; later calls return its answer.
     *
     * @return {@code true} if epoll can be used, {@code false} if not ({@link #unavailabilityCause()} says why)
     */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /**
     * Why epoll does not work on this machine.
     *
     * @return what stopped the probe (the exception it met, or one saying what to enable), or {@code null} when
     *         {@link #isAvailable()}
     */
    public static Throwable unavailabilityCause() {
        return AVAILABILITY.cause();
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException with the cause attached
     */
    public static void ensureAvailability() {
        AVAILABILITY.ensure();
    }
}
