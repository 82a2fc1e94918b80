package io.jevent.examples;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The example suites on the poll backend. */
@ConformanceBackend("poll")
class PollExamplesTest {
    @Nested class EchoServerTests extends EchoServerConformance { }
    @Nested class RelayTests extends RelayConformance { }
    @Nested class EchoServerChainTests extends EchoServerChainConformance { }
    @Nested class TlsClientTests extends TlsClientConformance { }
    @Nested class ServerTimeoutsTests extends ServerTimeoutsConformance { }
    @Nested class FetchTests extends FetchConformance { }
}
