package io.jevent.backend.kqueue;

import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Skips, on Linux only (where kqueue is libkqueue, an emulation over epoll), the suite tests that fail there for a
 * difference between libkqueue and a BSD kernel alone; the skip reason names the difference. On macOS and the BSDs
 * every test runs. Put it on a {@code [kqueue]} suite class with {@code @ExtendWith}; its {@code @Nested} classes
 * inherit it.
 */
public final class LibkqueueDifferences implements ExecutionCondition {
    private static final boolean LIBKQUEUE =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");

    /** Test method name to the difference that makes it fail on libkqueue. */
    private static final Map<String, String> DIFFERENCES = Map.of(
            "shouldReportRefusedConnectThroughFinishConnect",
            "libkqueue reads the socket's error with getsockopt(SO_ERROR) to fill the event's fflags on EPOLLERR,"
                    + " and on Linux that read clears it, so finishConnect's own SO_ERROR finds 0 and the socket"
                    + " looks not yet connected (a BSD kernel copies so_error into fflags and leaves it set)");

    /** Called by JUnit. */
    public LibkqueueDifferences() {
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!LIBKQUEUE) {
            return ConditionEvaluationResult.enabled("a kqueue kernel");
        }
        String reason = context.getTestMethod().map(Method::getName).map(DIFFERENCES::get).orElse(null);
        return reason == null
                ? ConditionEvaluationResult.enabled("no known libkqueue difference")
                : ConditionEvaluationResult.disabled("[kqueue] libkqueue differs from a BSD kernel: " + reason);
    }
}
