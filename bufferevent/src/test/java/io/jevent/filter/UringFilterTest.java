package io.jevent.filter;

import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;

/** The filter suites on the io_uring backend (over SocketBufferEvents on its completion engine). */
@ConformanceBackend("uring")
class UringFilterTest {
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
    // 5 s measurements against a python3 reader: one backend only, see RateLimitTimingSuite
    @Nested class RateLimitTiming extends RateLimitTimingSuite { }
    // real TLS peers (python3 ssl, openssl CLI): one backend only, see TlsPeerSuite
    @Nested class TlsPeers extends TlsPeerSuite { }
}
