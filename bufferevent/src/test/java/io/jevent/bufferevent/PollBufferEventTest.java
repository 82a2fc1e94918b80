package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The BufferEvent suites on the poll backend. */
@ConformanceBackend("poll")
class PollBufferEventTest {
    @Nested class Sockets extends SocketBufferEventConformance { }
}
