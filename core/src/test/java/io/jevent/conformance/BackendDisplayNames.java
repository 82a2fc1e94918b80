package io.jevent.conformance;

import org.junit.jupiter.api.DisplayNameGenerator;

import java.lang.reflect.Method;

/** Puts {@code [backend]} in front of every conformance test's display name, so reports show where it ran. */
public final class BackendDisplayNames extends DisplayNameGenerator.Standard {
    @Override
    public String generateDisplayNameForClass(Class<?> testClass) {
        return prefix(testClass) + super.generateDisplayNameForClass(testClass);
    }

    @Override
    public String generateDisplayNameForNestedClass(Class<?> nestedClass) {
        return prefix(nestedClass) + super.generateDisplayNameForNestedClass(nestedClass);
    }

    @Override
    public String generateDisplayNameForMethod(Class<?> testClass, Method testMethod) {
        return prefix(testClass) + testMethod.getName();
    }

    static String prefix(Class<?> c) {
        String name = ConformanceBase.backendOf(c);
        return name == null ? "" : "[" + name + "] ";
    }
}
