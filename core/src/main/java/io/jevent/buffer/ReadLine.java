package io.jevent.buffer;

import java.nio.charset.Charset;

/**
 * A line taken by {@link EvBuffer#readLine}: its bytes without the terminator, and how many bytes the terminator
 * had (so a caller can tell "a\n" from "a\r\n" under {@link Eol#CRLF}).
 */
public final class ReadLine {
    private final byte[] bytes;
    private final int eolLength;

    ReadLine(byte[] bytes, int eolLength) {
        this.bytes = bytes;
        this.eolLength = eolLength;
    }

    /** {@return the line's bytes without the terminator; the array is the caller's to keep} */
    public byte[] bytes() {
        return bytes;
    }

    /** {@return the number of bytes in the line, without the terminator} */
    public int length() {
        return bytes.length;
    }

    /**
     * {@return the number of bytes the terminator had} 1 for LF, NUL and a bare LF under CRLF; 2 for CR LF; any
     * run length under ANY.
     */
    public int eolLength() {
        return eolLength;
    }

    /**
     * {@return the line decoded with {@code charset}}
     *
     * @param charset how the line's bytes are encoded
     */
    public String toString(Charset charset) {
        return new String(bytes, charset);
    }

    /** The line decoded as ISO-8859-1 (one char per byte), for diagnostics. */
    @Override
    public String toString() {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
