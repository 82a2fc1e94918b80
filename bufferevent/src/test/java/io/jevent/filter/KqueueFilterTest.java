package io.jevent.filter;

import io.jevent.backend.kqueue.LibkqueueDifferences;
import io.jevent.conformance.ConformanceBackend;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.ExtendWith;

/** The filter suites on the kqueue backend (libkqueue on Linux: see {@link LibkqueueDifferences}). */
@ConformanceBackend("kqueue")
@ExtendWith(LibkqueueDifferences.class)
class KqueueFilterTest {
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
    // 5 s measurements against a python3 reader (see RateLimitTimingSuite): on kqueue too, the default where it runs
    @Nested class RateLimitTiming extends RateLimitTimingSuite { }
    // real TLS peers (python3 ssl, openssl CLI; see TlsPeerSuite): on kqueue too, the default where it runs
    @Nested class TlsPeers extends TlsPeerSuite { }
}
