package io.jevent.backend.iocp.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A full ring never makes a producer wait and never loses a completion. */
class CompletionInboxTest {
    @Test
    void shouldKeepEveryCompletionPastAFullRing() {
        CompletionInbox inbox = new CompletionInbox(4);
        for (long i = 0; i < 100; i++) {
            inbox.offer(i, -i); // a base that is not looping: 96 go to the overflow
        }
        Set<Long> got = new HashSet<>();
        int n = inbox.drain((ud, v) -> {
            assertEquals(-ud, v);
            assertTrue(got.add(ud), "delivered twice: " + ud);
        });
        assertEquals(100, n);
        assertEquals(100, got.size());
        assertTrue(inbox.isEmpty());
    }
}
