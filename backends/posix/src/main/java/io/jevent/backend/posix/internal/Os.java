package io.jevent.backend.posix.internal;

import java.util.Locale;

/**
 * Which system's numbers the libc layer uses: the one place that decides (constants in {@link LibC}, errno in
 * {@link Errors}, the {@code sockaddr} header in {@link SockAddr}). Linux and macOS are described; {@code Posix}
 * refuses the others.
 */
public final class Os {
    private static final String NAME = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    /** Linux: {@code accept4}, {@code SOCK_NONBLOCK}, eventfd; {@code sa_family} is a 16-bit field. */
    public static final boolean LINUX = NAME.startsWith("linux");
    /**
     * macOS: no {@code accept4}, {@code SOCK_NONBLOCK}, {@code pipe2} or eventfd (descriptors are made non-blocking
     * and close-on-exec with {@code fcntl}); BSD errno numbers and socket options; {@code sockaddr} starts with a
     * length byte ({@code sin_len}) and a one-byte family.
     */
    public static final boolean MAC = NAME.startsWith("mac") || NAME.startsWith("darwin");

    private Os() {
    }

    /** {@code linux} on Linux, {@code mac} on macOS. */
    static int pick(int linux, int mac) {
        return MAC ? mac : linux;
    }
}
