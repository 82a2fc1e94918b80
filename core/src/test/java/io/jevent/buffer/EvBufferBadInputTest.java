package io.jevent.buffer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static io.jevent.buffer.Bufs.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Programmer errors: each throws a message naming the problem, and leaves the buffer unchanged. */
class EvBufferBadInputTest {

    /** Runs {@code op}, expects {@code type} with a message containing {@code words}, and an unchanged buffer. */
    static void rejects(EvBuffer b, Class<? extends Throwable> type, String words, Executable op) {
        String before = content(b);
        int segs = BufferInvariants.segments(b);
        Throwable t = assertThrows(type, op);
        assertTrue(t.getMessage().contains(words), () -> "message '" + t.getMessage() + "' lacks '" + words + "'");
        check(b);
        assertEquals(before, content(b), "a failed operation must leave the buffer unchanged");
        assertEquals(segs, BufferInvariants.segments(b));
    }

    @Test
    void shouldRejectNegativeLengths() {
        EvBuffer b = chain("hello", " world!");
        rejects(b, IllegalArgumentException.class, "expected n >= 0, got -1", () -> b.drain(-1));
        rejects(b, IllegalArgumentException.class, "expected n >= 0, got -5", () -> b.removeBuffer(new EvBuffer(), -5));
        rejects(b, IllegalArgumentException.class, "expected n >= 0, got -2", () -> b.expand(-2));
        rejects(b, IllegalArgumentException.class, "expected n >= 0, got -3", () -> b.reserve(-3));
        rejects(b, IndexOutOfBoundsException.class, "len -1", () -> b.add(new byte[4], 0, -1));
        rejects(b, IndexOutOfBoundsException.class, "len 3", () -> b.remove(new byte[4], 2, 3));
        rejects(b, IndexOutOfBoundsException.class, "off -1", () -> b.copyOut(new byte[4], -1, 1));
    }

    @Test
    void shouldRejectPullUpBeyondTheLength() {
        EvBuffer b = chain("hello", " world!");
        rejects(b, IndexOutOfBoundsException.class, "expected 0 <= n <= length (12) or -1, got 40", () -> b.pullUp(40));
        rejects(b, IndexOutOfBoundsException.class, "got -2", () -> b.pullUp(-2));
    }

    @Test
    void shouldRejectPointerArithmeticPastTheEnd() {
        EvBuffer b = chain("hello", " world!");
        BufferPtr p = b.pointer(10);
        rejects(b, IndexOutOfBoundsException.class, "expected 0 <= position <= length (12), got 13", () -> p.add(3));
        assertEquals(10, p.position(), "the pointer is unchanged too");
        rejects(b, IndexOutOfBoundsException.class, "got -1", () -> p.add(-11));
        rejects(b, IndexOutOfBoundsException.class, "got 40", () -> p.set(40));
        rejects(b, IndexOutOfBoundsException.class, "got 13", () -> b.pointer(13));
        p.add(2);
        assertEquals(12, p.position(), "the end itself is a valid position");
    }

    @Test
    void shouldRejectPointerFromAnotherBuffer() {
        EvBuffer b = chain("hello");
        EvBuffer other = chain("hello");
        rejects(b, IllegalArgumentException.class, "another EvBuffer",
                () -> b.search(bytes("l"), other.pointer(0)));
        rejects(b, IllegalArgumentException.class, "another EvBuffer",
                () -> b.copyOutFrom(other.pointer(0), new byte[1], 0, 1));
    }

    @Test
    void shouldRejectPointerFromBeforeADrain() {
        EvBuffer b = chain("hello", " world");
        BufferPtr p = b.pointer(3);
        b.drain(1);
        rejects(b, IllegalStateException.class, "stale", () -> b.search(bytes("o"), p));
        rejects(b, IllegalStateException.class, "stale", () -> p.add(1));
        BufferPtr q = b.pointer(1);
        b.prepend(bytes("x"));
        rejects(b, IllegalStateException.class, "stale", () -> b.copyOutFrom(q, new byte[1], 0, 1));
        b.add(bytes("\nrest"));
        BufferPtr r = b.pointer(1);
        b.readLine(Eol.LF);
        rejects(b, IllegalStateException.class, "stale", () -> b.searchEol(r, Eol.LF));
    }

    @Test
    void shouldRejectUsingANotFoundSearchResult() {
        EvBuffer b = chain("hello");
        BufferPtr none = b.search(bytes("zz"), null);
        rejects(b, IllegalStateException.class, "not set", () -> b.search(bytes("l"), none));
    }

    @Test
    void shouldRejectCommitLargerThanTheReservation() {
        EvBuffer b = chain("abc");
        ByteBuffer own = ByteBuffer.allocate(8);
        b.reserve(own, null);
        rejects(b, IllegalArgumentException.class, "expected 0 <= n <= reserved (8), got 9", () -> b.commit(9));
        rejects(b, IllegalArgumentException.class, "got -1", () -> b.commit(-1));
        own.put(bytes("de"));
        b.commit(2); // the reservation survived the failed commits
        assertEquals("abcde", content(check(b)));
        rejects(b, IllegalStateException.class, "no reservation pending", () -> b.commit(1));
    }

    @Test
    void shouldCancelReservationOnAChangeAtTheEnd() {
        EvBuffer b = chain("abc");
        b.reserve(10);
        b.add(bytes("d"));
        rejects(b, IllegalStateException.class, "no reservation pending", () -> b.commit(1));
    }

    @Test
    void shouldRefuseChangesAtAFrozenStart() {
        EvBuffer b = chain("line\n", "more");
        b.freeze(EvBuffer.Side.START);
        rejects(b, IllegalStateException.class, "buffer start is frozen: drain", () -> b.drain(1));
        rejects(b, IllegalStateException.class, "frozen: remove", () -> b.remove(new byte[2], 0, 2));
        rejects(b, IllegalStateException.class, "frozen: prepend", () -> b.prepend(bytes("x")));
        rejects(b, IllegalStateException.class, "frozen: readLine", () -> b.readLine(Eol.LF));
        rejects(b, IllegalStateException.class, "frozen: removeBuffer", () -> b.removeBuffer(new EvBuffer(), 1));
        EvBuffer dst = new EvBuffer();
        rejects(b, IllegalStateException.class, "frozen: addBuffer (source)", () -> dst.addBuffer(b));
        assertEquals(0, dst.length());
    }

    @Test
    void shouldRefuseChangesAtAFrozenEnd() {
        EvBuffer b = chain("abc");
        ByteBuffer v = b.reserve(2);
        b.freeze(EvBuffer.Side.END);
        rejects(b, IllegalStateException.class, "buffer end is frozen", () -> b.add(bytes("x")));
        rejects(b, IllegalStateException.class, "end is frozen", () -> b.addBuffer(chain("y")));
        rejects(b, IllegalStateException.class, "end is frozen", () -> b.addReference(ByteBuffer.allocate(1), null));
        rejects(b, IllegalStateException.class, "end is frozen", () -> b.expand(10));
        rejects(b, IllegalStateException.class, "frozen: commit", () -> b.commit(1));
        EvBuffer src = chain("z");
        rejects(b, IllegalStateException.class, "end is frozen", () -> src.removeBuffer(b, 1));
        assertEquals("z", content(src));
        b.drain(1); // the start is still free
        b.unfreeze(EvBuffer.Side.END);
        v.put(bytes("de"));
        b.commit(2); // the reservation survived the refused changes
        assertEquals("bcde", content(check(b)));
    }

    @Test
    void shouldRejectMovingABufferIntoItself() {
        EvBuffer b = chain("abc");
        rejects(b, IllegalArgumentException.class, "this buffer itself", () -> b.addBuffer(b));
        rejects(b, IllegalArgumentException.class, "this buffer itself", () -> b.removeBuffer(b, 1));
        rejects(b, IllegalArgumentException.class, "this buffer itself", () -> b.prependBuffer(b));
    }
}
