package io.jevent.backend.posix;

import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.Os;
import io.jevent.spi.Availability;
import java.util.Locale;

/**
 * Whether the JNA libc layer can run here (netty's {@code Epoll} holder): probed once when this class is
 * initialised, which never fails. Needs Linux or macOS (the constants in {@code LibC}, chosen by {@code Os}), an
 * LP64 JVM, JNA on the class path or module path, and a JNA that saves errno after direct-mapped calls.
 */
public final class Posix {
    /** Whether the layer can run, and why not. */
    private static final Availability AVAILABILITY = Availability.probe("the posix (JNA libc) layer", Posix::probe);

    private Posix() {
    }

    private static Throwable probe() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!Os.LINUX && !Os.MAC) {
            return new UnsupportedOperationException(
                    "jevent's libc layer is written for Linux and macOS (their constants and errno numbers);"
                            + " os.name is " + os);
        }
        try {
            Class.forName("com.sun.jna.Native", false, Posix.class.getClassLoader());
        } catch (Throwable t) {
            return new IllegalStateException("JNA (net.java.dev.jna:jna) is not on the class path or module path", t);
        }
        LibC.probe();
        return null;
    }

    /**
     * Whether the libc layer works on this machine. The probe runs once; later calls return its answer.
     *
     * @return {@code true} if the libc layer can be used, {@code false} if not ({@link #unavailabilityCause()} says why)
     */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /**
     * Why the libc layer does not work on this machine.
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
