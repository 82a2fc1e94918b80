package io.jevent.spi;

import java.util.Objects;

/**
 * The answer of a native backend's availability holder (netty's {@code Epoll}): whether the backend can run on this
 * machine and, if not, why. A holder such as {@code Epoll} probes once, in its static initialiser, through
 * {@link #probe(String, Probe)}, keeps the result in a constant, and answers its static {@code isAvailable()},
 * {@code unavailabilityCause()} and {@code ensureAvailability()} from it.
 *
 * <p>Probing never throws, so that loading the holder never fails (epoll's classes load on macOS): whatever the
 * probe throws, {@link Error}s included (a missing native library is an {@link UnsatisfiedLinkError}), becomes the
 * cause. Immutable, so safe to read from any thread.
 */
public final class Availability {
    /** What the backend is called in {@link #ensure()}'s message, such as {@code "epoll"}. */
    private final String what;
    /** Why it cannot run here, or null if it can. */
    private final Throwable cause;

    private Availability(String what, Throwable cause) {
        this.what = what;
        this.cause = cause;
    }

    /**
     * Checks whether a backend can run here; see {@link Availability}.
     *
     * @param what the backend's name for {@link #ensure()}'s message, such as {@code "epoll"}
     * @param probe the checks; returns why the backend cannot run, or null if it can
     * @return the answer, never null
     */
    public static Availability probe(String what, Probe probe) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(probe, "probe");
        Throwable cause;
        try {
            cause = probe.unavailabilityCause();
        } catch (Throwable t) {
            cause = t;
        }
        return new Availability(what, cause);
    }

    /** Whether the backend works on this machine. */
    public boolean isAvailable() {
        return cause == null;
    }

    /** Why it does not, or {@code null} when {@link #isAvailable()}. */
    public Throwable cause() {
        return cause;
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException "<i>what</i> is unavailable: <i>cause</i>", with the cause attached
     */
    public void ensure() {
        if (cause != null) {
            throw new IllegalStateException(what + " is unavailable: " + cause, cause);
        }
    }

    @Override
    public String toString() {
        return what + (cause == null ? " is available" : " is unavailable: " + cause);
    }

    /** The checks of one backend, run once by {@link Availability#probe(String, Probe)}. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Runs the checks.
         *
         * @return why the backend cannot run here, or null if it can
         * @throws Throwable when a check fails by throwing; it is taken as the cause
         */
        Throwable unavailabilityCause() throws Throwable;
    }
}
