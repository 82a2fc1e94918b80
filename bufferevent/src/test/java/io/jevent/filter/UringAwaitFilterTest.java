package io.jevent.filter;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/**
 * The filter suites on io_uring with engines that read without provided buffers ({@code [uring-await]}: wait for
 * readability, then read), the path an engine without buffer selection (IOCP's zero-byte receive) takes.
 */
@ConformanceBackend("uring-await")
class UringAwaitFilterTest {
    @Nested class Zlib extends ZlibConformance { }
    @Nested class RateLimit extends RateLimitConformance { }
    @Nested class Tls extends TlsConformance { }
    @Nested class TlsFlow extends TlsFlowConformance { }
    @Nested class FilterTimeouts extends FilterTimeoutConformance { }
    @Nested class TlsLifetime extends TlsLifetimeConformance { }
    @Nested class FlightRecorder extends FlightRecorderConformance { }
    @Nested class TlsHandshakeRecording extends TlsHandshakeRecordingConformance { }
    @Nested class TlsFutures extends TlsFuturesConformance { }
    @Nested class HostilePeers extends HostilePeerFilterConformance { }
}
