package io.jevent;

import io.jevent.internal.Backends;
import io.jevent.spi.Availability;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks the backend for a new base from the configuration, the property and the environment. */
final class BackendChooser {
    private static final Logger LOG = LoggerFactory.getLogger(BackendChooser.class);
    /** Backends whose denied native access was already reported at WARN. */
    private static final java.util.Set<String> WARNED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The artifact that provides each backend this project ships, for "add this to your build" messages. */
    private static final Map<String, String> ARTIFACTS = Map.of(
            "epoll", "jevent-backend-epoll",
            "poll", "jevent-backend-posix",
            "uring", "jevent-backend-uring",
            "kqueue", "jevent-backend-kqueue",
            "iocp", "jevent-backend-iocp",
            "nio", "jevent-backend-nio");

    private BackendChooser() {
    }

    static Backend choose(EventConfig config) {
        List<Backend> all = Backends.all();
        if (all.isEmpty()) {
            throw new IllegalStateException("no jevent backend on the class or module path: add"
                    + " jevent-backend-epoll (Linux), jevent-backend-posix (poll) or jevent-backend-nio (any JVM)"
                    + " (modules io.jevent.backend.epoll, .posix, .nio; in a jlink image, add them or"
                    + " --bind-services)");
        }
        String named = config.method();
        String source = "EventConfig.method";
        if (named == null && !config.ignoresEnvironment()) {
            named = System.getProperty(EventConfig.BACKEND_PROPERTY);
            source = "-D" + EventConfig.BACKEND_PROPERTY;
            if (named == null || named.isBlank()) {
                named = System.getenv(EventConfig.JEVENT_BACKEND_ENV);
                source = EventConfig.JEVENT_BACKEND_ENV;
            }
        }
        if (named != null && !named.isBlank()) {
            return named(config, named.trim(), source, all);
        }
        List<String> why = new ArrayList<>();
        for (Backend b : all) {
            String refusal = refusal(config, b);
            if (refusal == null) {
                return b;
            }
            if (!b.isAvailable() && Availability.isNativeAccessDenied(b.unavailabilityCause())
                    && WARNED.add(b.name())) {
                // The user can fix this one, and would otherwise never learn why they run on a slower backend.
                // Once per backend and JVM: every base would repeat it.
                LOG.warn("passing over backend {}: {}", b.name(), b.unavailabilityCause().getMessage());
            } else {
                LOG.debug("passing over backend {}: {}", b.name(), refusal);
            }
            why.add(b.name() + ": " + refusal);
        }
        throw new IllegalStateException("no backend satisfies the configuration: " + String.join("; ", why));
    }

    private static Backend named(EventConfig config, String name, String source, List<Backend> all) {
        Backend b = Backends.find(name);
        if (b == null) {
            String artifact = ARTIFACTS.get(name);
            if (artifact != null) {
                throw new IllegalArgumentException("backend '" + name + "' (from " + source + ") is not on the class"
                        + " or module path: add the artifact io.jevent:" + artifact + " to your dependencies (module "
                        + moduleOf(artifact) + "); available here: " + available(all));
            }
            throw new IllegalArgumentException("unknown backend '" + name + "' (from " + source + "); the backends"
                    + " are " + String.join(", ", new java.util.TreeSet<>(ARTIFACTS.keySet()))
                    + "; available here: " + available(all));
        }
        String refusal = refusal(config, b);
        if (refusal != null) {
            throw new IllegalArgumentException("backend '" + name + "' (from " + source + ") cannot be used: "
                    + refusal + "; available here: " + available(all));
        }
        return b;
    }

    /** The module name of a backend artifact: {@code jevent-backend-epoll} is {@code io.jevent.backend.epoll}. */
    private static String moduleOf(String artifact) {
        return "io.jevent." + artifact.substring("jevent-".length()).replace('-', '.');
    }

    private static String refusal(EventConfig config, Backend b) {
        if (!b.isAvailable()) {
            return "unavailable (" + b.unavailabilityCause() + ")";
        }
        if (config.avoidedMethods().contains(b.name())) {
            return "avoided by the configuration";
        }
        EnumSet<Feature> missing = EnumSet.noneOf(Feature.class);
        missing.addAll(config.requiredFeatures());
        missing.removeAll(b.features());
        if (!missing.isEmpty()) {
            return "lacks required features " + missing;
        }
        return null;
    }

    private static List<String> available(List<Backend> all) {
        List<String> names = new ArrayList<>();
        for (Backend b : all) {
            if (b.isAvailable()) {
                names.add(b.name());
            }
        }
        return names;
    }
}
