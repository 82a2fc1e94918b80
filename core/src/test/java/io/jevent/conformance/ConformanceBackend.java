package io.jevent.conformance;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the backend a conformance test class runs on. Put it on the backend module's test class whose
 * {@code @Nested} inner classes extend the suite's abstract classes:
 *
 * <pre>{@code
 * @ConformanceBackend("epoll")
 * class EpollConformanceTest {
 *     @Nested class Timers extends TimerConformance { }
 * }
 * }</pre>
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
public @interface ConformanceBackend {
    /** The backend's name, as {@code Backend.name()}. */
    String value();
}
