package io.jevent.examples;

import io.jevent.backend.kqueue.LibkqueueDifferences;
import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/** The example suites on the kqueue backend (libkqueue on Linux: see {@link LibkqueueDifferences}). */
@ConformanceBackend("kqueue")
@ExtendWith(LibkqueueDifferences.class)
class KqueueExamplesTest {
    @Nested class EchoServerTests extends EchoServerConformance { }
    @Nested class RelayTests extends RelayConformance { }
    @Nested class EchoServerChainTests extends EchoServerChainConformance { }
    @Nested class TlsClientTests extends TlsClientConformance { }
    @Nested class ServerTimeoutsTests extends ServerTimeoutsConformance { }
    @Nested class FetchTests extends FetchConformance { }
}
