package io.jevent.backend.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.BackendInfo;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Feature;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chooser where io_uring is refused. Runs in a JVM of its own started with {@code -Djevent.uring.disable=true}
 * (the pom's {@code uring-disabled} execution), since availability is probed once per JVM.
 */
class UringDisabledTest {
    @BeforeEach
    void onlyWhereDisabled() {
        Assumptions.assumeTrue(Boolean.getBoolean(Uring.DISABLE_PROPERTY),
                "runs only in the JVM started with -D" + Uring.DISABLE_PROPERTY + "=true");
    }

    @Test
    void shouldReportTheReasonItIsUnavailable() {
        assertFalse(Uring.isAvailable());
        assertTrue(Uring.unavailabilityCause().getMessage().contains(Uring.DISABLE_PROPERTY),
                Uring.unavailabilityCause().toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, Uring::ensureAvailability);
        assertTrue(e.getMessage().contains(Uring.DISABLE_PROPERTY), e.getMessage());
        BackendInfo info = EventBase.methods().stream().filter(m -> m.name().equals("uring")).findFirst()
                .orElseThrow();
        assertFalse(info.available());
    }

    @Test
    void shouldFallBackToEpollByDefault() {
        EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true));
        try {
            assertEquals("epoll", base.method());
            assertEquals(null, base.completionEngine());
        } finally {
            base.close();
        }
    }

    @Test
    void shouldFailNamingUringWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EventBase.create(new EventConfig().method("uring")));
        assertTrue(e.getMessage().contains("uring") && e.getMessage().contains(Uring.DISABLE_PROPERTY),
                e.getMessage());
    }

    @Test
    void shouldFailRequiringCompletionsWithTheReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EventBase.create(new EventConfig().ignoreEnvironment(true).requireFeatures(Feature.COMPLETIONS)));
        assertTrue(e.getMessage().contains(Uring.DISABLE_PROPERTY), e.getMessage());
    }
}
