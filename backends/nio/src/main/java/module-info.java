/**
 * The NIO {@code Selector} backend: runs on any JVM, needs no native access.
 *
 * @provides io.jevent.spi.Backend as {@code "nio"}
 */
module io.jevent.backend.nio {
    requires transitive io.jevent.core;
    requires org.slf4j;

    exports io.jevent.backend.nio;

    provides io.jevent.spi.Backend with io.jevent.backend.nio.NioBackend;
}
