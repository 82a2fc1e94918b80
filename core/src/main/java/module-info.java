/**
 * jevent's core: the event loop ({@code EventBase}), events and timers, the chained buffer ({@code EvBuffer}) and the
 * backend SPI. The backends are separate modules found through {@link java.util.ServiceLoader}: on the module path,
 * any module that provides {@link io.jevent.spi.Backend} is bound without an {@code --add-modules}.
 *
 * <p>{@code io.jevent.internal} is not API; only the buffered layer ({@code io.jevent.bufferevent}) reads it.
 *
 * @uses io.jevent.spi.Backend
 */
// the modules named in the qualified export are built after this one
@SuppressWarnings({"module"})
module io.jevent.core {
    requires org.slf4j;
    // sun.misc.Signal, the JDK's supported signal API (SignalRelay)
    requires jdk.unsupported;
    // flight-recorder events, off unless a recording enables them
    requires jdk.jfr;

    exports io.jevent;
    exports io.jevent.buffer;
    exports io.jevent.spi;
    exports io.jevent.internal to io.jevent.bufferevent;

    uses io.jevent.spi.Backend;
}
