/**
 * Buffered connections over the core loop: {@code BufferEvent}s on readiness and on completion engines, the
 * {@code Listener}, the filters (TLS, zlib, rate limits) and the stub DNS resolver.
 */
module io.jevent.bufferevent {
    requires transitive io.jevent.core;
    requires org.slf4j;

    exports io.jevent.bufferevent;
    exports io.jevent.dns;
    exports io.jevent.filter;
}
