package io.jevent.backend.iocp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Platform;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Feature;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Where IOCP cannot run it says why, the chooser passes it over, and naming it fails with that reason. */
class IocpAvailabilityTest {
    @Test
    void shouldBeUnavailableOffWindowsWithTheReason() {
        Assumptions.assumeFalse(Platform.isWindows(), "this is Windows: IOCP is expected to be available");
        assertFalse(Iocp.isAvailable());
        assertEquals("IOCP requires Windows (this is " + System.getProperty("os.name") + ")",
                Iocp.unavailabilityCause().getMessage());
        IllegalStateException e = assertThrows(IllegalStateException.class, Iocp::ensureAvailability);
        assertTrue(e.getMessage().contains("IOCP requires Windows"), e.getMessage());
    }

    @Test
    void shouldBePassedOverByTheChooserAndFailWhenNamed() {
        Assumptions.assumeFalse(Platform.isWindows(), "this is Windows: IOCP is expected to be available");
        EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true));
        try {
            assertNotEquals("iocp", base.method()); // poll or nio, whichever this class path prefers
        } finally {
            base.close();
        }
        IllegalArgumentException named = assertThrows(IllegalArgumentException.class,
                () -> EventBase.create(new EventConfig().ignoreEnvironment(true).method("iocp")));
        assertTrue(named.getMessage().contains("IOCP requires Windows"), named.getMessage());
        String old = System.getProperty(EventConfig.BACKEND_PROPERTY);
        System.setProperty(EventConfig.BACKEND_PROPERTY, "iocp");
        try {
            IllegalArgumentException byProperty = assertThrows(IllegalArgumentException.class,
                    () -> EventBase.create(new EventConfig()));
            assertTrue(byProperty.getMessage().contains("IOCP requires Windows"), byProperty.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(EventConfig.BACKEND_PROPERTY);
            } else {
                System.setProperty(EventConfig.BACKEND_PROPERTY, old);
            }
        }
    }

    @Test
    void shouldBeChosenForCompletionsOnWindows() {
        Assumptions.assumeTrue(Iocp.isAvailable(), () -> "[iocp] unavailable: " + Iocp.unavailabilityCause());
        EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true)
                .requireFeatures(Feature.COMPLETIONS));
        try {
            assertEquals("iocp", base.method());
            assertNotNull(base.completionEngine());
        } finally {
            base.close();
        }
        EventBase plain = EventBase.create(new EventConfig().ignoreEnvironment(true));
        try {
            assertEquals("nio", plain.method()); // NIO stays the default for the low-level API
        } finally {
            plain.close();
        }
    }
}
