package io.jevent.internal;

import io.jevent.CallbackErrorHandler;
import io.jevent.Event;
import org.slf4j.Logger;
import org.slf4j.helpers.NOPLogger;

/**
 * What a base does with a callback's exception until the user sets a handler: log it at WARN and go on. The
 * failure must never vanish, and SLF4J with no provider on the class path drops everything (it warns once on
 * stderr, then hands out no-op loggers); in that case the report goes to the JDK's {@link System.Logger} instead,
 * which writes to standard error through {@code java.util.logging} unless the application configured otherwise.
 */
public final class DefaultErrorHandler {
    private DefaultErrorHandler() {
    }

    /**
     * The default handler for a base whose logger is {@code log}.
     *
     * @param log the base's SLF4J logger
     * @param fallbackName the name of the {@link System.Logger} used instead of a no-op {@code log}
     * @return a handler that reports through {@code log}, or through {@link System.Logger} when {@code log} is
     *     SLF4J's no-op logger
     */
    public static CallbackErrorHandler forLogger(Logger log, String fallbackName) {
        if (log instanceof NOPLogger) {
            System.Logger fallback = System.getLogger(fallbackName);
            return (ev, t) -> fallback.log(System.Logger.Level.WARNING, describe(ev) + " threw; the loop goes on"
                    + " (reported through System.Logger: no SLF4J provider is on the class path)", t);
        }
        return (ev, t) -> log.warn("{} threw; the loop goes on", describe(ev), t);
    }

    private static String describe(Event ev) {
        return ev == null ? "a task" : String.valueOf(ev);
    }
}
