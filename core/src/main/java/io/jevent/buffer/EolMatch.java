package io.jevent.buffer;

/**
 * What {@link EvBuffer#searchEol} found: where the terminator starts and how many bytes it has.
 *
 * @param start where the terminator starts; {@link BufferPtr#isFound()} is false when there is none
 * @param eolLength bytes in the terminator, 0 when none was found
 */
public record EolMatch(BufferPtr start, int eolLength) {
    /** {@return true when a terminator was found} */
    public boolean isFound() {
        return start.isFound();
    }
}
