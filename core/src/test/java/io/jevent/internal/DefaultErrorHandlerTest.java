package io.jevent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.CallbackErrorHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLogger;

class DefaultErrorHandlerTest {
    @Test
    void shouldReportThroughSystemLoggerWhenSlf4jHasNoProvider() {
        // SLF4J with no provider hands out its no-op logger: the report must reach the JDK's logging instead.
        String name = "io.jevent.test.NoProvider";
        java.util.logging.Logger jul = java.util.logging.Logger.getLogger(name);
        List<LogRecord> records = new ArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jul.addHandler(capture);
        jul.setUseParentHandlers(false);
        try {
            CallbackErrorHandler h = DefaultErrorHandler.forLogger(NOPLogger.NOP_LOGGER, name);
            IllegalStateException boom = new IllegalStateException("boom");
            h.onCallbackError(null, boom);
            assertEquals(1, records.size(), "one report");
            LogRecord r = records.get(0);
            assertEquals(Level.WARNING, r.getLevel());
            assertSame(boom, r.getThrown());
            assertTrue(r.getMessage().contains("a task threw"), r.getMessage());
            assertTrue(r.getMessage().contains("no SLF4J provider"), r.getMessage());
        } finally {
            jul.removeHandler(capture);
        }
    }
}
