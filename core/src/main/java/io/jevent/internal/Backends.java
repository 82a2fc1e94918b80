package io.jevent.internal;

import io.jevent.spi.Backend;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/** The backends on the class path or module path, found once through {@link ServiceLoader}, most preferred first. */
public final class Backends {
    private static final List<Backend> ALL = load();

    private Backends() {
    }

    private static List<Backend> load() {
        List<Backend> found = new ArrayList<>();
        for (Backend b : ServiceLoader.load(Backend.class, Backends.class.getClassLoader())) {
            found.add(b);
        }
        found.sort(Comparator.comparingInt(Backend::preference).thenComparing(Backend::name));
        return Collections.unmodifiableList(found);
    }

    /** Every backend on the class path or module path, available or not, most preferred first. */
    public static List<Backend> all() {
        return ALL;
    }

    /** The backend with this name, or {@code null}. */
    public static Backend find(String name) {
        for (Backend b : ALL) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        return null;
    }
}
