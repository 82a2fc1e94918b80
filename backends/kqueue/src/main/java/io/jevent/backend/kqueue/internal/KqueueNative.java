package io.jevent.backend.kqueue.internal;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * kqueue(2) and kevent(2) through JNA direct mapping, primitive and address arguments only (errno as in
 * {@code posix.internal.LibC}: read it with {@code Errors.errno()}, never through LastErrorException).
 *
 * <p><b>Which library.</b> The system property {@code jevent.kqueue.library} ({@link KqueueLibrary}), read once
 * when this class is initialised, names it: a path ({@code /opt/libkqueue/lib/libkqueue.so}) or a name JNA looks
 * up on {@code jna.library.path} and the system's paths. Unset, it is the C library on macOS and the BSDs, and
 * {@code kqueue} (libkqueue, kqueue emulated over epoll) on Linux. Initialising this class loads that library and
 * fails if it cannot; {@code Kqueue} does it once and keeps the reason.
 */
public final class KqueueNative {
    /** The library bound here, as named by {@link KqueueLibrary#name()} when this class was initialised. */
    public static final String LIBRARY = KqueueLibrary.name();

    static {
        Native.register(KqueueNative.class, NativeLibrary.getInstance(LIBRARY));
    }

    private KqueueNative() {
    }

    /** {@code kqueue()}: a new kernel event queue, or {@code -1}. */
    public static native int kqueue();

    /**
     * {@code kevent(kq, changelist, nchanges, eventlist, nevents, timeout)}.
     *
     * @param changelist address of {@code nchanges} kevents ({@link KeventLayout}), or 0
     * @param eventlist address of room for {@code nevents} kevents, or 0
     * @param timeout address of a {@code struct timespec} ({@code tv_sec}, {@code tv_nsec}: two longs), or 0 to
     *     wait for ever
     * @return the number of entries written to {@code eventlist}, or {@code -1}
     */
    public static native int kevent(int kq, long changelist, int nchanges, long eventlist, int nevents, long timeout);
}
