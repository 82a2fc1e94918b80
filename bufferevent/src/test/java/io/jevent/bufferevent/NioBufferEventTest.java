package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The BufferEvent suites on the nio backend. */
@ConformanceBackend("nio")
class NioBufferEventTest {
    @Nested class Sockets extends SocketBufferEventConformance { }
}
