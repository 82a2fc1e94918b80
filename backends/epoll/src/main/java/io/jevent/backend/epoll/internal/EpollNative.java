package io.jevent.backend.epoll.internal;

import com.sun.jna.Native;
import com.sun.jna.Platform;

/**
 * epoll(7) through JNA direct mapping, primitive and address arguments only (see {@code posix.internal.LibC}
 * for the errno rules: read it with {@code Errors.errno()}, never through LastErrorException).
 */
public final class EpollNative {
    static {
        Native.register(EpollNative.class, Platform.C_LIBRARY_NAME);
    }

    /** {@code EPOLLIN}. */
    public static final int EPOLLIN = 0x001;
    /** {@code EPOLLOUT}. */
    public static final int EPOLLOUT = 0x004;
    /** {@code EPOLLERR}. */
    public static final int EPOLLERR = 0x008;
    /** {@code EPOLLHUP}. */
    public static final int EPOLLHUP = 0x010;
    /** {@code EPOLLRDHUP}. */
    public static final int EPOLLRDHUP = 0x2000;
    /** {@code EPOLLET}. */
    public static final int EPOLLET = 1 << 31;
    /** {@code EPOLL_CTL_ADD}. */
    public static final int EPOLL_CTL_ADD = 1;
    /** {@code EPOLL_CTL_DEL}. */
    public static final int EPOLL_CTL_DEL = 2;
    /** {@code EPOLL_CTL_MOD}. */
    public static final int EPOLL_CTL_MOD = 3;
    /** {@code EPOLL_CLOEXEC}. */
    public static final int EPOLL_CLOEXEC = 0x80000;

    private EpollNative() {
    }

    public static native int epoll_create1(int flags);

    /** {@code event} is the address of one {@code struct epoll_event} laid out as {@link EpollEventLayout}. */
    public static native int epoll_ctl(int epfd, int op, int fd, long event);

    /** {@code events} is the address of {@code maxEvents} {@code struct epoll_event}s. */
    public static native int epoll_wait(int epfd, long events, int maxEvents, int timeoutMillis);
}
