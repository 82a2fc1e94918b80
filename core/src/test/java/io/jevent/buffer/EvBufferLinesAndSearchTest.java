package io.jevent.buffer;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.chain;
import static io.jevent.buffer.Bufs.content;
import static io.jevent.buffer.Bufs.refs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines and searches, with libevent regress_buffer.c's edge cases around segment boundaries. */
class EvBufferLinesAndSearchTest {

    static String line(EvBuffer b, Eol eol) {
        ReadLine l = b.readLine(eol);
        check(b);
        return l == null ? null : l + "/" + l.eolLength();
    }

    @Test
    void shouldFindCrlfSplitAcrossSegments() {
        EvBuffer b = chain("first\r", "\nsecond\r\n");
        assertEquals("first/2", line(b, Eol.CRLF));
        assertEquals("second/2", line(b, Eol.CRLF));
        assertNull(line(b, Eol.CRLF));
        b = chain("first\r", "\nsecond");
        assertEquals("first/2", line(b, Eol.CRLF_STRICT));
        assertEquals("second", content(b));
    }

    @Test
    void shouldWaitForTheLfAfterACrAtTheEnd() {
        EvBuffer b = chain("line\r");
        assertNull(line(b, Eol.CRLF));
        assertNull(line(b, Eol.CRLF_STRICT));
        b.add(bytes("\n"));
        assertEquals("line/2", line(b, Eol.CRLF));
    }

    @Test
    void shouldIgnoreBareLfUnderCrlfStrict() {
        EvBuffer b = chain("a\nb", "\r\nc");
        assertEquals("a\nb/2", line(b, Eol.CRLF_STRICT));
        assertEquals("c", content(b));
        assertNull(line(b, Eol.CRLF_STRICT));
    }

    @Test
    void shouldTreatBareCrAsDataUnderCrlf() {
        EvBuffer b = chain("a\rb\n", "c\r\n");
        assertEquals("a\rb/1", line(b, Eol.CRLF));
        assertEquals("c/2", line(b, Eol.CRLF));
    }

    @Test
    void shouldEatAnyRunOfCrAndLfUnderAny() {
        EvBuffer b = chain("one\r", "\n\r", "\ntwo\n\n", "three");
        assertEquals("one/4", line(b, Eol.ANY));
        assertEquals("two/2", line(b, Eol.ANY));
        assertNull(line(b, Eol.ANY));
        assertEquals("three", content(b));
    }

    @Test
    void shouldReadLfAndNulLines() {
        EvBuffer b = refs("ab", "c\nd\0", "e");
        assertEquals("abc/1", line(b, Eol.LF));
        assertEquals("d/1", line(b, Eol.NUL));
        assertEquals("e", content(b));
    }

    @Test
    void shouldReadEmptyLinesAndLinesAtSegmentEnds() {
        EvBuffer b = chain("\n", "x\n", "\r\n");
        assertEquals("/1", line(b, Eol.LF));
        assertEquals("x/1", line(b, Eol.LF));
        assertEquals("/2", line(b, Eol.CRLF));
        assertEquals(0, b.length());
        assertNull(b.head);
    }

    @Test
    void shouldReadLineSpanningManySegments() {
        EvBuffer b = chain("aa", "bb", "cc", "d\ne");
        assertEquals("aabbccd", b.readLine(Eol.LF, StandardCharsets.US_ASCII));
        check(b);
    }

    @Test
    void shouldFindMatchStraddlingSegments() {
        EvBuffer b = chain("xxab", "c", "dexx", "abcde");
        BufferPtr p = b.search(bytes("abcde"), null);
        assertEquals(2, p.position());
        p = b.search(bytes("abcde"), p.add(1));
        assertEquals(9, p.position());
        assertFalse(b.search(bytes("abcdf"), null).isFound());
        assertEquals(-1, b.search(bytes("abcdf"), null).position());
    }

    @Test
    void shouldMatchEmptyPatternAtStart() {
        EvBuffer b = chain("abc");
        assertEquals(1, b.search(new byte[0], b.pointer(1)).position());
    }

    @Test
    void shouldNotMatchPastTheEndOfARange() {
        EvBuffer b = chain("xxab", "cdxx");
        assertEquals(2, b.searchRange(bytes("abcd"), null, b.pointer(6)).position());
        assertFalse(b.searchRange(bytes("abcd"), null, b.pointer(5)).isFound(), "the match must end before end");
        assertFalse(b.searchRange(bytes("abcd"), b.pointer(3), null).isFound());
    }

    @Test
    void shouldSearchEolFromAPointer() {
        EvBuffer b = chain("a\r", "\nb\nc");
        EolMatch m = b.searchEol(null, Eol.CRLF);
        assertEquals(1, m.start().position());
        assertEquals(2, m.eolLength());
        m = b.searchEol(b.pointer(2), Eol.CRLF);
        assertEquals(2, m.start().position(), "the LF of a CR LF, seen alone");
        assertEquals(1, m.eolLength());
        m = b.searchEol(b.pointer(4), Eol.LF);
        assertEquals(4, m.start().position());
        m = b.searchEol(b.pointer(5), Eol.LF);
        assertFalse(m.isFound());
        assertEquals(0, m.eolLength());
    }

    @Test
    void shouldSearchInReferenceSegments() {
        EvBuffer b = refs("hel", "lo wor", "ld");
        assertEquals(6, b.search(bytes("world"), null).position());
        assertTrue(b.search(bytes("low"), null).position() < 0);
    }
}
