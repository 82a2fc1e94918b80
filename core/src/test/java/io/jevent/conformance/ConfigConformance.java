package io.jevent.conformance;

import io.jevent.BackendInfo;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Feature;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Choosing a backend: by property, by configuration, and clear refusals. */
public abstract class ConfigConformance extends ConformanceBase {

    @Test
    void shouldChooseBackendNamedByProperty() {
        String before = System.getProperty(EventConfig.BACKEND_PROPERTY);
        System.setProperty(EventConfig.BACKEND_PROPERTY, backendName());
        try (EventBase base = EventBase.create()) {
            assertEquals(backendName(), base.method());
        } finally {
            restore(before);
        }
    }

    @Test
    void shouldRejectUnknownBackendNamingAvailableOnes() {
        String before = System.getProperty(EventConfig.BACKEND_PROPERTY);
        System.setProperty(EventConfig.BACKEND_PROPERTY, "no-such-backend");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, EventBase::create);
            assertTrue(e.getMessage().contains("no-such-backend") && e.getMessage().contains(backendName()),
                    e.getMessage());
        } finally {
            restore(before);
        }
    }

    @Test
    void shouldRejectBackendThatConflictsWithConfiguration() {
        IllegalArgumentException avoided = assertThrows(IllegalArgumentException.class,
                () -> EventBase.create(new EventConfig().method(backendName()).avoidMethod(backendName())));
        assertTrue(avoided.getMessage().contains("avoided"), avoided.getMessage());
        for (Feature f : Feature.values()) {
            if (!backend.features().contains(f)) {
                IllegalArgumentException lacks = assertThrows(IllegalArgumentException.class,
                        () -> EventBase.create(new EventConfig().method(backendName()).requireFeatures(f)));
                assertTrue(lacks.getMessage().contains(f.name()), lacks.getMessage());
            }
        }
    }

    @Test
    void shouldSkipAvoidedBackendWhenChoosingByDefault() {
        try (EventBase base = EventBase.create(new EventConfig().ignoreEnvironment(true).avoidMethod(backendName()))) {
            assertTrue(!base.method().equals(backendName()));
        } catch (IllegalStateException onlyOne) {
            assertTrue(onlyOne.getMessage().contains("avoided"), onlyOne.getMessage());
        }
    }

    @Test
    void shouldListThisBackendInMethods() {
        List<BackendInfo> methods = EventBase.methods();
        BackendInfo me = methods.stream().filter(m -> m.name().equals(backendName())).findFirst().orElseThrow();
        assertTrue(me.available());
        assertEquals(backend.features(), me.features());
    }

    private static void restore(String before) {
        if (before == null) {
            System.clearProperty(EventConfig.BACKEND_PROPERTY);
        } else {
            System.setProperty(EventConfig.BACKEND_PROPERTY, before);
        }
    }
}
