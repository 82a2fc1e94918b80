package io.jevent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class EvTest {
    @Test
    void shouldRenderFlagsByName() {
        assertEquals("READ|WRITE|PERSIST", Ev.toString(Ev.READ | Ev.WRITE | Ev.PERSIST));
        assertEquals("0", Ev.toString(0));
        assertEquals("TIMEOUT|0x4000", Ev.toString(Ev.TIMEOUT | 0x4000));
    }

    @Test
    void shouldKeepLibeventFlagValues() {
        assertEquals(0x01, Ev.TIMEOUT);
        assertEquals(0x02, Ev.READ);
        assertEquals(0x04, Ev.WRITE);
        assertEquals(0x08, Ev.SIGNAL);
        assertEquals(0x10, Ev.PERSIST);
        assertEquals(0x20, Ev.ET);
        assertEquals(0x80, Ev.CLOSED);
    }
}
