package io.jevent.examples;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurationsTest {
    @Test
    void shouldParseUnitsAndBareSeconds() {
        assertEquals(Duration.ofMillis(500), Durations.parse("--t", "500ms"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("--t", "30s"));
        assertEquals(Duration.ofSeconds(30), Durations.parse("--t", "30"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("--t", "2M"));
        assertEquals(Duration.ofHours(1), Durations.parse("--t", "1h"));
    }

    @Test
    void shouldReadZeroOffAndNoneAsNoTimeout() {
        assertNull(Durations.parse("--t", "0"));
        assertNull(Durations.parse("--t", "0s"));
        assertNull(Durations.parse("--t", "off"));
        assertNull(Durations.parse("--t", "none"));
    }

    @Test
    void shouldRejectWhatIsNotADurationNamingTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse("--idle-timeout", "soon"));
        assertTrue(e.getMessage().contains("--idle-timeout") && e.getMessage().contains("'soon'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("--t", "-1s"));
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("--t", "25h"));
    }

    @Test
    void shouldFormatForTheBanner() {
        assertEquals("60 s", Durations.format(Duration.ofSeconds(60)));
        assertEquals("500 ms", Durations.format(Duration.ofMillis(500)));
        assertEquals("off", Durations.format(null));
    }
}
