package io.jevent.conformance;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.internal.Backends;
import io.jevent.spi.Backend;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.jevent.spi.Feature;
import io.jevent.spi.Handle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "conformance-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final List<EventBase> bases = new ArrayList<>();
    private final List<Handle> handles = new ArrayList<>();

    @AfterEach
    final void closeBasesAndHandles() {
        for (EventBase b : bases) {
            if (!b.isClosed()) {
                b.close();
            }
        }
        bases.clear();
        for (Handle h : handles) {
            try {
                netOps().close(h);
            } catch (IOException | RuntimeException ignored) {
                // already closed by the test
            }
        }
        handles.clear();
    }

    /** A new base on the backend under test, closed after the test. */
    protected final EventBase newBase() {
        return newBase(new EventConfig());
    }

    /** A new base on the backend under test with {@code config} (its method is set to the backend). */
    protected final EventBase newBase(EventConfig config) {
        EventBase b = EventBase.create(config.method(backendName()));
        assertEquals(backendName(), b.method());
        bases.add(b);
        return b;
    }

    /** A connected non-blocking pair of the backend's kind, closed after the test. */
    protected final Handle[] socketPair() throws IOException {
        Handle[] pair = netOps().socketPair();
        handles.add(pair[0]);
        handles.add(pair[1]);
        return pair;
    }

    /** Registers a handle to be closed after the test. */
    protected final <H extends Handle> H closeLater(H h) {
        handles.add(h);
        return h;
    }

    /** Skips the test, naming the backend and the feature it lacks. */
    protected final void assumeFeature(Feature f) {
        Assumptions.assumeTrue(backend.features().contains(f),
                () -> "[" + backendName() + "] lacks " + f + " (features " + backend.features() + ")");
    }

    /**
     * Runs {@code base.loop(flags)} with a watchdog: if it has not returned after {@code limit}, the watchdog
     * breaks the loop (thread-safely) and the test fails, instead of hanging the build.
     */
    protected static int loopWithin(EventBase base, int flags, Duration limit) {
        AtomicBoolean fired = new AtomicBoolean();
        ScheduledFuture<?> f = WATCHDOG.schedule(() -> {
            fired.set(true);
            base.loopBreak();
        }, limit.toMillis(), TimeUnit.MILLISECONDS);
        int r;
        try {
            r = base.loop(flags);
        } finally {
            f.cancel(false);
        }
        assertFalse(fired.get(), "the loop did not finish within " + limit + " and was broken by the watchdog");
        return r;
    }

    /** {@link #loopWithin} for {@code dispatch()}, with a 20 s limit. */
    protected static int dispatchWithin(EventBase base) {
        return loopWithin(base, 0, Duration.ofSeconds(20));
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
