package io.jevent.bench;

import io.jevent.EventBase;
import io.jevent.EventConfig;

/** Builds the base a benchmark measures. */
final class Bases {
    private Bases() {
    }

    /**
     * A base on exactly {@code backend}, whatever {@code JEVENT_BACKEND} says, so that a figure labelled "nio" is
     * nio's.
     *
     * @throws IllegalStateException if the base ended up on another backend
     */
    static EventBase open(String backend) {
        EventBase base = EventBase.create(new EventConfig().method(backend).ignoreEnvironment(true));
        if (!base.method().equals(backend)) {
            base.close();
            throw new IllegalStateException("asked for backend " + backend + ", got " + base.method());
        }
        return base;
    }
}
