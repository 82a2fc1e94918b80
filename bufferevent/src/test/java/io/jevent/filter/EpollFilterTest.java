package io.jevent.filter;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The filter suites on the epoll backend. */
@ConformanceBackend("epoll")
class EpollFilterTest {
    @Nested class Zlib extends ZlibConformance { }
}
