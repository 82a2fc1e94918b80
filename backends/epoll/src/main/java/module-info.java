/**
 * The epoll(7) backend (Linux), through JNA direct mapping.
 *
 * @provides io.jevent.spi.Backend as {@code "epoll"}
 */
// JNA has no module descriptor: com.sun.jna is its automatic module name
@SuppressWarnings({"requires-automatic"})
module io.jevent.backend.epoll {
    requires transitive io.jevent.core;
    requires io.jevent.backend.posix;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.jevent.backend.epoll;

    provides io.jevent.spi.Backend with io.jevent.backend.epoll.EpollBackend;
}
