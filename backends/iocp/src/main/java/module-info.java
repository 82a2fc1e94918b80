/**
 * The IOCP completion engine (Windows), through JNA direct mapping; readiness comes from the NIO backend.
 *
 * @provides io.jevent.spi.Backend as {@code "iocp"}
 */
// JNA has no module descriptor: com.sun.jna is its automatic module name
@SuppressWarnings({"requires-automatic"})
module io.jevent.backend.iocp {
    requires transitive io.jevent.core;
    requires io.jevent.backend.nio;
    requires io.jevent.backend.posix;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.jevent.backend.iocp;

    provides io.jevent.spi.Backend with io.jevent.backend.iocp.IocpBackend;
}
