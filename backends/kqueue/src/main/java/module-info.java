/**
 * The kqueue(2) backend (macOS and the BSDs; libkqueue on Linux), through JNA direct mapping.
 *
 * @provides io.jevent.spi.Backend as {@code "kqueue"}
 */
// JNA has no module descriptor: com.sun.jna is its automatic module name
@SuppressWarnings({"requires-automatic"})
module io.jevent.backend.kqueue {
    requires transitive io.jevent.core;
    requires io.jevent.backend.posix;
    requires com.sun.jna;
    requires org.slf4j;

    exports io.jevent.backend.kqueue;

    provides io.jevent.spi.Backend with io.jevent.backend.kqueue.KqueueBackend;
}
