package io.jevent.examples;

import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Eol;

import java.nio.charset.StandardCharsets;

/**
 * Decodes an HTTP/1.1 chunked body (RFC 9112 section 7.1) as it arrives: {@link #decode} takes what it can from the
 * connection's input and moves the chunk data into the body buffer (segments move, bytes are not copied), leaving
 * an incomplete size line or trailer in the input for the next call. Chunk extensions are ignored, trailer fields
 * skipped (at most {@link #MAX_TRAILER} bytes of them). Malformed framing (a size that is not hex, too long, or no CRLF after the data) is an
 * {@link IllegalArgumentException} naming what was wrong. Loop thread, like the buffers.
 */
final class ChunkedDecoder {
    /** Longest size or trailer line accepted: a peer that sends an endless line is an error, not a memory sink. */
    static final int MAX_LINE = 8192;
    /** Most bytes of trailer fields accepted: short lines that never end are an error too, not a transfer for ever. */
    static final int MAX_TRAILER = 64 * 1024;

    private enum State { SIZE, DATA, DATA_END, TRAILER, DONE }

    private State state = State.SIZE;
    /** Bytes of the current chunk still to come. */
    private long left;
    /** Bytes of trailer fields read so far. */
    private long trailerBytes;

    /** Whether the last chunk and the trailer have been read: the body is complete. */
    boolean isDone() {
        return state == State.DONE;
    }

    /**
     * Moves decoded body bytes from {@code in} to {@code body}; bytes after the end of the body stay in {@code in}.
     *
     * @return whether the body is complete
     * @throws IllegalArgumentException if the framing is malformed
     */
    boolean decode(EvBuffer in, EvBuffer body) {
        while (state != State.DONE) {
            switch (state) {
                case SIZE: {
                    String line = line(in, "chunk size");
                    if (line == null) {
                        return false;
                    }
                    left = parseSize(line);
                    state = left == 0 ? State.TRAILER : State.DATA;
                    break;
                }
                case DATA: {
                    if (in.length() == 0) {
                        return false;
                    }
                    long n = in.removeBuffer(body, left);
                    left -= n;
                    if (left == 0) {
                        state = State.DATA_END;
                    }
                    break;
                }
                case DATA_END: {
                    String line = line(in, "end of chunk data");
                    if (line == null) {
                        return false;
                    }
                    if (!line.isEmpty()) {
                        throw new IllegalArgumentException("expected CRLF after the chunk data, got '" + clip(line)
                                + "'");
                    }
                    state = State.SIZE;
                    break;
                }
                case TRAILER: {
                    String line = line(in, "trailer");
                    if (line == null) {
                        return false;
                    }
                    if (line.isEmpty()) {
                        state = State.DONE;
                    } else { // a trailer field: skipped, within a bound
                        trailerBytes += line.length() + 2;
                        if (trailerBytes > MAX_TRAILER) {
                            throw new IllegalArgumentException("trailer fields longer than " + MAX_TRAILER + " bytes");
                        }
                    }
                    break;
                }
                default:
                    throw new AssertionError(state);
            }
        }
        return true;
    }

    private static String line(EvBuffer in, String what) {
        String line = in.readLine(Eol.CRLF, StandardCharsets.ISO_8859_1);
        if (line == null && in.length() > MAX_LINE) {
            throw new IllegalArgumentException(what + " line longer than " + MAX_LINE + " bytes");
        }
        if (line != null && line.length() > MAX_LINE) {
            throw new IllegalArgumentException(what + " line longer than " + MAX_LINE + " bytes");
        }
        return line;
    }

    private static long parseSize(String line) {
        int end = line.indexOf(';'); // chunk extensions follow a semicolon
        String hex = (end >= 0 ? line.substring(0, end) : line).trim();
        if (hex.isEmpty() || hex.length() > 15) {
            throw new IllegalArgumentException("expected a chunk size of 1 to 15 hex digits, got '" + clip(line) + "'");
        }
        long n = 0;
        for (int i = 0; i < hex.length(); i++) {
            int d = Character.digit(hex.charAt(i), 16);
            if (d < 0) {
                throw new IllegalArgumentException("expected a hex chunk size, got '" + clip(line) + "'");
            }
            n = n * 16 + d;
        }
        return n;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
