package io.jevent.backend.kqueue;

import io.jevent.EventBase;

/**
 * Run in a JVM of its own by {@link KqueueAvailabilityTest}: prints whether kqueue is available, its reason, and
 * the methods the base reports, so that a library that does not load is seen from a fresh class initialisation.
 */
public final class AvailabilityProbe {
    private AvailabilityProbe() {
    }

    public static void main(String[] args) {
        System.out.println("available=" + Kqueue.isAvailable());
        System.out.println("cause=" + Kqueue.unavailabilityCause());
        System.out.println("backend=" + new KqueueBackend().isAvailable());
        System.out.println("methods=" + EventBase.methods());
    }
}
