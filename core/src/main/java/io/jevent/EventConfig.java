package io.jevent;

import io.jevent.spi.Feature;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * How to build an {@link EventBase}: libevent's {@code event_config}. Mutable until passed to
 * {@link EventBase#create(EventConfig)}, which copies what it needs.
 *
 * <pre>{@code
 * EventConfig cfg = new EventConfig().avoidMethod("poll").requireFeatures(Feature.ET).priorities(3);
 * }</pre>
 */
public final class EventConfig {
    /** System property naming the backend; overrides {@link #JEVENT_BACKEND_ENV}. */
    public static final String BACKEND_PROPERTY = "jevent.backend";
    /** Environment variable naming the backend, as libevent's {@code EVENT_NOEPOLL} family. */
    public static final String JEVENT_BACKEND_ENV = "JEVENT_BACKEND";

    private final Set<String> avoided = new LinkedHashSet<>();
    private final EnumSet<Feature> required = EnumSet.noneOf(Feature.class);
    private String method;
    private boolean ignoreEnvironment;
    private int priorities = 1;
    private long maxDispatchNanos = -1;
    private int maxDispatchCallbacks = Integer.MAX_VALUE;
    private int limitAfterPriority = 0;
    private boolean rethrowCallbackErrors;
    private long stallNanos;

    /** A configuration with libevent's defaults: one priority, no limits, the preferred backend. */
    public EventConfig() {
    }

    /**
     * Never use the named backend (for example {@code "epoll"}).
     *
     * @param name a backend's name
     * @return this configuration
     */
    public EventConfig avoidMethod(String name) {
        avoided.add(Objects.requireNonNull(name, "name"));
        return this;
    }

    /**
     * Only accept a backend that has all these features.
     *
     * @param features the features required, added to those required before
     * @return this configuration
     */
    public EventConfig requireFeatures(Feature... features) {
        Collections.addAll(required, features);
        return this;
    }

    /**
     * Uses exactly this backend; wins over {@code -Djevent.backend} and {@code JEVENT_BACKEND}. An unknown or
     * unavailable name makes {@link EventBase#create(EventConfig)} throw, naming the available ones.
     *
     * @param name a backend's name, such as {@code "epoll"}
     * @return this configuration
     */
    public EventConfig method(String name) {
        this.method = Objects.requireNonNull(name, "name");
        return this;
    }

    /**
     * Ignore {@code jevent.backend} and {@code JEVENT_BACKEND} (libevent's EVENT_BASE_FLAG_IGNORE_ENV).
     *
     * @param ignore {@code true} to ignore them
     * @return this configuration
     */
    public EventConfig ignoreEnvironment(boolean ignore) {
        this.ignoreEnvironment = ignore;
        return this;
    }

    /**
     * Number of priorities; events get priority {@code n / 2} by default, and lower numbers run first.
     *
     * @param n between 1 and 256
     * @return this configuration
     */
    public EventConfig priorities(int n) {
        if (n < 1 || n > 256) {
            throw new IllegalArgumentException("expected 1 <= priorities <= 256, got " + n);
        }
        this.priorities = n;
        return this;
    }

    /**
     * Bounds the work done between two polls of the backend (libevent's
     * {@code event_config_set_max_dispatch_interval}): after {@code maxCallbacks} callbacks or
     * {@code maxInterval}, whichever comes first, the loop re-checks timers and I/O before running more callbacks
     * of priority {@code >= minPriority}. Higher-urgency priorities (below {@code minPriority}) are never cut.
     *
     * @param maxInterval a positive duration, or {@code null} for no time bound
     * @param maxCallbacks {@code >= 1}, or {@link Integer#MAX_VALUE} for none
     * @param minPriority the first priority the limits apply to, {@code >= 0}
     * @return this configuration
     */
    public EventConfig maxDispatch(Duration maxInterval, int maxCallbacks, int minPriority) {
        if (maxInterval != null && (maxInterval.isNegative() || maxInterval.isZero())) {
            throw new IllegalArgumentException("expected a positive maxInterval or null, got " + maxInterval);
        }
        if (maxCallbacks < 1) {
            throw new IllegalArgumentException("expected maxCallbacks >= 1, got " + maxCallbacks);
        }
        if (minPriority < 0) {
            throw new IllegalArgumentException("expected minPriority >= 0, got " + minPriority);
        }
        this.maxDispatchNanos = maxInterval == null ? -1 : maxInterval.toNanos();
        this.maxDispatchCallbacks = maxCallbacks;
        this.limitAfterPriority = minPriority;
        return this;
    }

    /**
     * When a callback throws, rethrow from {@code dispatch}/{@code loop} instead of logging and carrying on.
     * An {@link Error} is always rethrown.
     *
     * @param rethrow {@code true} to rethrow
     * @return this configuration
     */
    public EventConfig rethrowCallbackErrors(boolean rethrow) {
        this.rethrowCallbackErrors = rethrow;
        return this;
    }

    /**
     * Turns the stall detector on (issue 14): a callback or task that runs longer than {@code threshold} is
     * reported once, after it returns, through an SLF4J warning naming the event (or task) and the time it took,
     * and counted in {@link EventBase#statistics()} ({@code stalls}, {@code longestCallbackNanos}). Off by
     * default; off costs one branch per callback, on two clock reads per callback and no allocation (the warning's
     * text is built only for a stall). Completion handlers that an engine runs inside its poll are not timed one
     * by one: their time shows in the statistics' {@code waitNanos}.
     *
     * @param threshold a positive duration, or {@code null} to turn the detector off
     * @return this configuration
     * @throws IllegalArgumentException if {@code threshold} is zero or negative
     */
    public EventConfig warnOnStall(Duration threshold) {
        if (threshold != null && (threshold.isNegative() || threshold.isZero())) {
            throw new IllegalArgumentException("expected a positive stall threshold or null for none, got "
                    + threshold);
        }
        this.stallNanos = threshold == null ? 0 : threshold.toNanos();
        return this;
    }

    /** {@return the stall threshold in nanoseconds, 0 when the detector is off} */
    public long stallThresholdNanos() {
        return stallNanos;
    }

    /** {@return the names of backends never to use} */
    public Set<String> avoidedMethods() {
        return Collections.unmodifiableSet(avoided);
    }

    /** {@return the features the backend must have} */
    public Set<Feature> requiredFeatures() {
        return Collections.unmodifiableSet(required);
    }

    /** {@return the backend named in code, or {@code null}} */
    public String method() {
        return method;
    }

    /** {@return whether the property and environment variable are ignored} */
    public boolean ignoresEnvironment() {
        return ignoreEnvironment;
    }

    /** {@return the number of priorities} */
    public int priorities() {
        return priorities;
    }

    /** {@return the time bound per dispatch pass in nanoseconds, {@code -1} for none} */
    public long maxDispatchNanos() {
        return maxDispatchNanos;
    }

    /** {@return the callback bound per dispatch pass} */
    public int maxDispatchCallbacks() {
        return maxDispatchCallbacks;
    }

    /** {@return the first priority the dispatch bounds apply to} */
    public int limitAfterPriority() {
        return limitAfterPriority;
    }

    /** {@return whether callback exceptions are rethrown} */
    public boolean rethrowsCallbackErrors() {
        return rethrowCallbackErrors;
    }
}
