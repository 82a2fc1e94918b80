package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The BufferEvent suites on the epoll backend. */
@ConformanceBackend("epoll")
class EpollBufferEventTest {
    @Nested class Sockets extends SocketBufferEventConformance { }
}
