/**
 * The poll(2) backend and the POSIX socket operations that the epoll, io_uring and kqueue backends share with it
 * and with IOCP, through JNA direct mapping. The raw bindings ({@code io.jevent.backend.posix.internal}) are exported
 * only to those backends.
 *
 * @provides io.jevent.spi.Backend as {@code "poll"}
 */
// JNA has no module descriptor (com.sun.jna is its automatic module name); the modules named in the qualified export
// are built after this one
@SuppressWarnings({"requires-automatic", "module"})
module io.jevent.backend.posix {
    requires transitive io.jevent.core;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.jevent.backend.posix;
    exports io.jevent.backend.posix.internal to
            io.jevent.backend.epoll, io.jevent.backend.uring, io.jevent.backend.kqueue, io.jevent.backend.iocp;

    provides io.jevent.spi.Backend with io.jevent.backend.posix.PollBackend;
}
