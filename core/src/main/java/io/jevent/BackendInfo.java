package io.jevent;

import io.jevent.spi.Feature;

import java.util.Set;

/**
 * One backend on the class path, as reported by {@link EventBase#methods()}.
 *
 * @param name the name to choose it by ({@code -Djevent.backend=name})
 * @param available whether it can run on this machine
 * @param unavailabilityCause why not, or {@code null}
 * @param features what it supports
 * @param preference lower is chosen first by default
 */
public record BackendInfo(String name, boolean available, Throwable unavailabilityCause, Set<Feature> features,
                          int preference) {
    @Override
    public String toString() {
        return name + (available ? " " + features : " (unavailable: " + unavailabilityCause + ")");
    }
}
