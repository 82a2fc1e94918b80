package io.jevent.spi;

import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handle's life: open, calls in flight, closed; who performs the real close. */
class FdHandleTest {

    @Test
    void shouldLetTheCloserCloseWhenNoCallIsInFlight() throws ClosedChannelException {
        FdHandle h = new FdHandle(7);
        assertEquals(7, h.acquire());
        assertFalse(h.release(), "open: nobody closes");
        assertTrue(h.isOpen());
        assertTrue(h.markClosed(), "no call in flight: the closer closes the descriptor");
        assertFalse(h.isOpen());
        assertFalse(h.markClosed(), "only the first close counts");
        assertThrows(ClosedChannelException.class, h::acquire);
        assertEquals("fd 7 (closed)", h.toString());
    }

    @Test
    void shouldLeaveTheRealCloseToTheLastCallInFlight() throws ClosedChannelException {
        FdHandle h = new FdHandle(3);
        h.acquire();
        h.acquire();
        assertFalse(h.markClosed(), "calls in flight: the number must stay allocated until they end");
        assertFalse(h.isOpen(), "dead at once");
        assertThrows(ClosedChannelException.class, h::acquire);
        assertFalse(h.release(), "one call still in flight");
        assertTrue(h.release(), "the last call out closes the descriptor");
        assertThrows(IllegalStateException.class, h::release);
    }

    @Test
    void shouldCompareByNumberWhateverTheState() {
        FdHandle dead = new FdHandle(5);
        dead.markClosed();
        FdHandle reused = new FdHandle(5);
        assertEquals(dead, reused, "equality names the number; identity and isOpen() tell them apart");
        assertEquals(dead.hashCode(), reused.hashCode());
        assertNotEquals(new FdHandle(6), reused);
        assertThrows(IllegalStateException.class, reused::release, "a release without its acquire");
    }
}
