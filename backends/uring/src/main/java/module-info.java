/**
 * The io_uring backend (Linux): a readiness backend and a completion engine, through JNA direct mapping.
 *
 * @provides io.jevent.spi.Backend as {@code "uring"}
 */
// JNA has no module descriptor: com.sun.jna is its automatic module name
@SuppressWarnings({"requires-automatic"})
module io.jevent.backend.uring {
    requires transitive io.jevent.core;
    requires io.jevent.backend.posix;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.jevent.backend.uring;

    provides io.jevent.spi.Backend with io.jevent.backend.uring.UringBackend;
}
