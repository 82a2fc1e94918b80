package io.jevent.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SizesTest {
    @Test
    void shouldParseBinarySuffixes() {
        assertEquals(4096, Sizes.parse("4096"));
        assertEquals(64 << 10, Sizes.parse("64k"));
        assertEquals(16 << 20, Sizes.parse("16M"));
        assertEquals(1L << 30, Sizes.parse("1g"));
        assertEquals(64 << 10, Sizes.parse("64KiB"));
        assertEquals(2 << 20, Sizes.parse("2mb"));
    }

    @Test
    void shouldRejectWhatIsNotASizeNamingTheInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse("lots"));
        assertTrue(e.getMessage().contains("'lots'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1k"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999g"));
        assertThrows(IllegalArgumentException.class, () -> Sizes.parse("k"));
    }

    @Test
    void shouldFormatForPeople() {
        assertEquals("512 B", Sizes.format(512));
        assertEquals("1.5 KiB", Sizes.format(1536));
        assertEquals("16.0 MiB", Sizes.format(16 << 20));
    }
}
