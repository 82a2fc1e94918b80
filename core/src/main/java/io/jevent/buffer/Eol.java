package io.jevent.buffer;

/** How {@link EvBuffer#readLine} and {@link EvBuffer#searchEol} recognise the end of a line (libevent {@code evbuffer_eol_style}). */
public enum Eol {
    /** Any run of CR and LF characters, in any order and of any length, is one terminator. Fast, but
     *  a run split between two reads may be seen as two terminators. */
    ANY,
    /** An LF, optionally preceded by one CR. A bare CR is not a terminator: the line waits for the LF. */
    CRLF,
    /** Exactly CR LF. A bare LF is ordinary data. */
    CRLF_STRICT,
    /** A single LF. */
    LF,
    /** A single NUL byte. */
    NUL
}
