/**
 * The runnable examples ({@code io.jevent.examples.Main}). On the module path the backends are bound through the
 * core's {@code uses io.jevent.spi.Backend}: put them on the module path, no {@code --add-modules} needed.
 */
module io.jevent.examples {
    requires io.jevent.bufferevent;
    requires org.slf4j;
    // sun.misc.Signal for SIGINT/SIGTERM
    requires jdk.unsupported;
}
