package io.jevent.conformance;

import io.jevent.internal.Backends;
import io.jevent.spi.Backend;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;

/**
 * Base of every conformance test class: finds the backend named by {@link ConformanceBackend} on the test class
 * (or an enclosing class) and skips, with the backend's own unavailability cause as the visible reason, where it
 * cannot run on this machine.
 */
@DisplayNameGeneration(BackendDisplayNames.class)
public abstract class ConformanceBase {

    /** The backend under test, resolved before each test. */
    protected Backend backend;

    static String backendOf(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            ConformanceBackend a = k.getAnnotation(ConformanceBackend.class);
            if (a != null) {
                return a.value();
            }
        }
        return null;
    }

    @BeforeEach
    final void resolveBackend() {
        String name = backendOf(getClass());
        if (name == null) {
            throw new IllegalStateException(getClass().getName()
                    + " runs the conformance suite but names no backend: annotate it (or its enclosing class)"
                    + " with @ConformanceBackend(\"name\")");
        }
        Backend b = Backends.find(name);
        if (b == null) {
            throw new IllegalStateException("backend '" + name + "' is not on the test class path; found "
                    + Backends.all().stream().map(Backend::name).toList());
        }
        Assumptions.assumeTrue(b.isAvailable(),
                () -> "[" + name + "] backend unavailable on this machine: " + b.unavailabilityCause());
        this.backend = b;
    }

    /** The backend's name. */
    protected final String backendName() {
        return backend.name();
    }

    /** Socket operations for handles of the backend's kind. */
    protected final NetOps netOps() {
        return backend.netOps();
    }
}
