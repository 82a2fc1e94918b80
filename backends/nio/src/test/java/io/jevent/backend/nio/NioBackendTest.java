package io.jevent.backend.nio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.EventConfig;
import io.jevent.internal.Backends;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Readiness;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class NioBackendTest {
    @Test
    void shouldBeFoundByServiceLoaderUnderItsName() {
        assertInstanceOf(NioBackend.class, Backends.find("nio"));
    }

    @Test
    void shouldNameTheArtifactOfABackendMissingFromTheClassPath() {
        // Only the NIO backend is on this module's test class path.
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.jevent.EventBase.create(new EventConfig().method("epoll")));
        assertTrue(e.getMessage().contains("io.jevent:jevent-backend-epoll"), e.getMessage());
        assertTrue(e.getMessage().contains("(module io.jevent.backend.epoll)"), e.getMessage());
        assertTrue(e.getMessage().contains("available here: [nio]"), e.getMessage());
        IllegalArgumentException typo = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> io.jevent.EventBase.create(new EventConfig().method("epol")));
        assertTrue(typo.getMessage().contains("unknown backend 'epol'"), typo.getMessage());
        assertTrue(typo.getMessage().contains("epoll, iocp, kqueue, nio, poll, uring"), typo.getMessage());
    }

    @Test
    void shouldDescribeItselfAsAlwaysAvailableWithNoFeatures() {
        Backend b = new NioBackend();
        assertEquals("nio", b.name());
        assertEquals(50, b.preference());
        assertTrue(b.features().isEmpty());
        assertEquals(EnumSet.noneOf(Feature.class), EnumSet.copyOf(b.features()), "copyable as an EnumSet");
        assertTrue(b.isAvailable());
        assertNull(b.unavailabilityCause());
        assertSame(b.netOps(), new NioBackend().netOps());
    }

    @Test
    void shouldOpenAnIndependentReadinessPerCall() throws Exception {
        Backend b = new NioBackend();
        try (Readiness one = b.open(new EventConfig()); Readiness two = b.open(new EventConfig())) {
            assertTrue(one != two);
            assertEquals(0, one.poll(0, (t, bits) -> { }));
        }
    }
}
