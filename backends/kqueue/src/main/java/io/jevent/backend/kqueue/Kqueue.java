package io.jevent.backend.kqueue;

import io.jevent.backend.kqueue.internal.KeventLayout;
import io.jevent.backend.kqueue.internal.KqueueLibrary;
import io.jevent.backend.kqueue.internal.KqueueNative;
import io.jevent.backend.posix.Posix;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.Availability;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether kqueue can run here (netty's {@code Epoll} holder): probed once when this class is initialised, which
 * never fails. Needs the posix layer ({@link Posix}), a {@code struct kevent} layout for this system
 * ({@code KeventLayout}), the library that provides {@code kqueue}/{@code kevent} (the C library on macOS and the
 * BSDs; on Linux libkqueue, named by the system property {@code jevent.kqueue.library} or found on JNA's library
 * path), and a round trip through it: an {@code EVFILT_USER} event added, triggered and read back, which proves the
 * layout and the filter numbers before any socket relies on them.
 */
public final class Kqueue {
    private static final Logger LOG = LoggerFactory.getLogger(Kqueue.class);

    /** Whether kqueue can run, and why not. */
    private static final Availability AVAILABILITY = Availability.probe("kqueue", Kqueue::probe);

    private Kqueue() {
    }

    private static Throwable probe() throws IOException {
        KeventLayout layout = KeventLayout.current();
        if (layout == null) {
            return new UnsupportedOperationException("kqueue's struct kevent is not described for os.name "
                    + System.getProperty("os.name")
                    + " (known: macOS, FreeBSD, OpenBSD, NetBSD, Linux with libkqueue)");
        }
        if (!Posix.isAvailable()) {
            return Posix.unavailabilityCause();
        }
        String library = KqueueLibrary.name(); // loads nothing: KqueueNative loads the library
        try {
            int kq = KqueueNative.kqueue();
            if (kq < 0) {
                return Errors.errnoException("kqueue", Errors.errno());
            }
            try {
                roundTrip(kq, layout);
            } finally {
                LibC.close(kq);
            }
            LOG.debug("kqueue available: kevent from '{}', {}", library, layout);
            return null;
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            return unloadable(library, e);
        } catch (ExceptionInInitializerError e) {
            return unloadable(library, e.getCause() != null ? e.getCause() : e);
        }
    }

    /** Adds, triggers and reads back one {@code EVFILT_USER} event; throws if the library disagrees. */
    private static void roundTrip(int kq, KeventLayout layout) throws IOException {
        ByteBuffer change = NativeMemory.allocate(layout.size);
        ByteBuffer event = NativeMemory.allocate(layout.size);
        ByteBuffer zero = NativeMemory.allocate(16);
        long ident = 42;
        long udata = 0x1234_5678_9abcL;
        layout.put(change, 0, ident, layout.evfiltUser, KeventLayout.EV_ADD | KeventLayout.EV_CLEAR, 0, 0, udata);
        Errors.check("kevent(EVFILT_USER, EV_ADD)",
                KqueueNative.kevent(kq, NativeMemory.address(change), 1, 0, 0, 0));
        layout.put(change, 0, ident, layout.evfiltUser, 0, KeventLayout.NOTE_TRIGGER, 0, udata);
        int n = Errors.check("kevent(EVFILT_USER, NOTE_TRIGGER)", KqueueNative.kevent(kq,
                NativeMemory.address(change), 1, NativeMemory.address(event), 1, NativeMemory.address(zero)));
        if (n != 1 || layout.ident(event, 0) != ident || layout.filter(event, 0) != layout.evfiltUser
                || layout.udata(event, 0) != udata) {
            throw new IllegalStateException("kevent returned " + n + " event(s), the first ident "
                    + layout.ident(event, 0) + " filter " + layout.filter(event, 0) + " udata 0x"
                    + Long.toHexString(layout.udata(event, 0)) + "; expected 1 with ident " + ident + " filter "
                    + layout.evfiltUser + " udata 0x" + Long.toHexString(udata) + ": " + layout
                    + " does not match the library '" + KqueueNative.LIBRARY + "'");
        }
    }

    private static Throwable unloadable(String library, Throwable e) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String how = os.startsWith("linux")
                ? "on Linux kqueue comes from libkqueue (https://github.com/mheily/libkqueue; Debian/Ubuntu package"
                        + " libkqueue0, or build it with cmake): pass -D" + KqueueLibrary.PROPERTY
                        + "=/path/to/libkqueue.so, or put its folder on jna.library.path"
                : "set -D" + KqueueLibrary.PROPERTY + " to the library that provides kqueue and kevent";
        String why = String.valueOf(e.getMessage()).lines().map(String::strip).filter(l -> !l.isEmpty())
                .reduce((a, b) -> a.endsWith(":") ? a + " " + b : a).orElse(e.toString()); // JNA's first reason
        return new UnsupportedOperationException("kqueue: cannot load the library '" + library + "' (" + why + "); "
                + how, e);
    }

    /**
     * Whether kqueue works on this machine. The probe runs once; later calls return its answer.
     *
     * @return {@code true} if kqueue can be used, {@code false} if not ({@link #unavailabilityCause()} says why)
     */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /**
     * Why kqueue does not work on this machine.
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
