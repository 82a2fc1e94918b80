package io.jevent.backend.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.jevent.conformance.ConformanceBackend;
import io.jevent.conformance.ConformanceBase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Runs the shared conformance suite (core's test-jar) on the nio backend. Each suite class becomes one
 * {@code @Nested} class here as it is written; for now, only the check that the harness finds this backend.
 */
@ConformanceBackend("nio")
class NioConformanceTest {
    @Nested
    class Harness extends ConformanceBase {
        @Test
        void shouldResolveTheNioBackendThroughTheServiceLoader() {
            assertEquals("nio", backendName());
            assertInstanceOf(NioNetOps.class, netOps());
        }
    }
}
