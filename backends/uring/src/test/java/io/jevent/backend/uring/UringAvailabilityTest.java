package io.jevent.backend.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Feature;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chooser where io_uring runs (see {@link UringDisabledTest} for where it does not). */
class UringAvailabilityTest {
    @BeforeEach
    void requireUring() {
        Assumptions.assumeTrue(Uring.isAvailable(), () -> "io_uring unavailable: " + Uring.unavailabilityCause());
    }

    @Test
    void shouldBeChosenWhenCompletionsAreRequired() {
        EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true)
                .requireFeatures(Feature.COMPLETIONS));
        try {
            assertEquals("uring", base.method());
            assertNotNull(base.completionEngine());
        } finally {
            base.close();
        }
    }

    @Test
    void shouldComeAfterEpollByDefault() {
        EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true));
        try {
            assertEquals("epoll", base.method());
        } finally {
            base.close();
        }
    }
}
