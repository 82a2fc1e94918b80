package io.jevent.spi;

import org.junit.jupiter.api.Test;

import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The handle's life: open, calls in flight, closed; who performs the real close; registrations undone on close. */
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

    @Test
    void shouldUndoEachRegistrationOnceOnCloseWhileTheDescriptorIsStillHeld() throws ClosedChannelException {
        FdHandle h = new FdHandle(9);
        List<String> undone = new ArrayList<>();
        FdHandle.Registration a = fd -> undone.add("a" + fd + (h.isOpen() ? " open" : " closed"));
        FdHandle.Registration b = fd -> {
            undone.add("b" + fd);
            throw new IllegalStateException("a failing undo must not stop the close");
        };
        FdHandle.Registration c = fd -> undone.add("c" + fd);
        assertTrue(h.addRegistration(a));
        assertTrue(h.addRegistration(a), "recorded once");
        assertTrue(h.addRegistration(b));
        assertTrue(h.addRegistration(c));
        h.removeRegistration(c); // the backend ended it itself
        h.acquire(); // a call in flight: the close must not release the number
        assertFalse(h.markClosed(), "the call in flight closes the descriptor");
        assertEquals(List.of("a9 closed", "b9"), undone, "undone once each, after the handle died");
        assertFalse(h.addRegistration(c), "a registration made after the close is the backend's to undo");
        assertFalse(h.markClosed());
        assertEquals(2, undone.size(), "a second close undoes nothing");
        assertTrue(h.release(), "the last call out still closes the descriptor");
    }

    @Test
    void shouldForgetRegistrationsTheBackendEndedItself() {
        FdHandle h = new FdHandle(4);
        List<String> undone = new ArrayList<>();
        FdHandle.Registration a = fd -> undone.add("a");
        FdHandle.Registration b = fd -> undone.add("b");
        h.removeRegistration(a); // none recorded: nothing to do
        assertTrue(h.addRegistration(a));
        assertTrue(h.addRegistration(b));
        h.removeRegistration(a);
        h.removeRegistration(a);
        assertTrue(h.markClosed());
        assertEquals(List.of("b"), undone);
    }
}
