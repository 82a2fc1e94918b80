package io.jevent.backend.kqueue.internal;

import com.sun.jna.Platform;

/**
 * Which library provides {@code kqueue} and {@code kevent}; loads nothing, so that naming it in a message can never
 * fail the way loading it can ({@link KqueueNative} loads it).
 */
public final class KqueueLibrary {
    /** The system property naming the library that provides {@code kqueue} and {@code kevent}. */
    public static final String PROPERTY = "jevent.kqueue.library";

    private KqueueLibrary() {
    }

    /**
     * The property's value (a path, or a name JNA looks up), else this system's default: the C library on macOS and
     * the BSDs, {@code kqueue} (libkqueue) on Linux.
     */
    public static String name() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return configured.trim();
        }
        return Platform.isLinux() ? "kqueue" : Platform.C_LIBRARY_NAME;
    }
}
