package io.jevent.backend.kqueue;

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

    /**
     * libkqueue fills an event's {@code fflags} on EPOLLERR with {@code getsockopt(SO_ERROR)}, and on Linux that read
     * clears the socket's error; a BSD kernel copies {@code so_error} into {@code fflags} and leaves it set.
     */
    private static final String SO_ERROR_CONSUMED = "libkqueue reads the socket's error with getsockopt(SO_ERROR)"
            + " to fill the event's fflags, and on Linux that read clears it (a BSD kernel copies so_error and leaves"
            + " it set), so ";

    /** {@code DeclaringClass.testMethod} to the difference that makes it fail on libkqueue alone. */
    private static final Map<String, String> DIFFERENCES = Map.of(
            "IoConformance.shouldReportRefusedConnectThroughFinishConnect",
            SO_ERROR_CONSUMED + "finishConnect's own SO_ERROR finds 0, and the refused connect is reported as ENOTCONN (its error"
            + " already taken), not ECONNREFUSED",
            "SocketBufferEventConformance.shouldReportConnectRefusedAsError",
            SO_ERROR_CONSUMED + "finishConnect's own SO_ERROR finds 0, and the refused connect is reported as ENOTCONN (its error"
            + " already taken), not ECONNREFUSED",
            "RelayConformance.shouldCloseClientWhenUpstreamRefuses",
            SO_ERROR_CONSUMED + "finishConnect's own SO_ERROR finds 0, and the refused connect is reported as ENOTCONN (its error"
            + " already taken), not ECONNREFUSED",
            "ConnectHostnameConformance.shouldReportTheLastErrorOnlyWhenEveryAddressFails",
            SO_ERROR_CONSUMED + "finishConnect's own SO_ERROR finds 0, and the refused connect is reported as ENOTCONN (its error"
            + " already taken), not ECONNREFUSED",
            "SocketBufferEventConformance.shouldReportPeerResetAsErrorWithEconnreset",
            SO_ERROR_CONSUMED + "the ECONNRESET is gone before the read, which then sees end of stream",
            "FlightRecorderConformance.shouldRecordAPeerResetAsAnErrorWithItsErrnoAndMessage",
            SO_ERROR_CONSUMED + "the ECONNRESET is gone before the read, which then sees end of stream");

    /** Called by JUnit. */
    public LibkqueueDifferences() {
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!LIBKQUEUE) {
            return ConditionEvaluationResult.enabled("a kqueue kernel");
        }
        String reason = context.getTestMethod()
                .map(m -> DIFFERENCES.get(m.getDeclaringClass().getSimpleName() + "." + m.getName())).orElse(null);
        return reason == null
                ? ConditionEvaluationResult.enabled("no known libkqueue difference")
                : ConditionEvaluationResult.disabled("[kqueue] libkqueue differs from a BSD kernel: " + reason);
    }
}
