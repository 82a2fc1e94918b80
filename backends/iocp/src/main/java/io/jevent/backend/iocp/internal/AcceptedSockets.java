package io.jevent.backend.iocp.internal;

import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * The SOCKETs an accept has completed with and the handler has not taken yet. The completion SPI reports an accepted
 * connection as an {@code int}; a SOCKET is 64 bits, so the engine reports the index of the socket here instead, and
 * {@code CompletionEngine.accepted(int)} takes it out. What is never taken is closed when the engine closes, so a
 * handler that drops a result leaks nothing past its base.
 *
 * <p>Loop thread only. Allocates only when it grows.
 */
public final class AcceptedSockets {
    private static final long FREE = -1L;
    private long[] sockets = new long[8];
    /** The address family of each socket (its listener's). */
    private int[] families = new int[8];
    private int count;

    /** An empty table. */
    public AcceptedSockets() {
        Arrays.fill(sockets, FREE);
    }

    /**
     * Keeps {@code socket}; returns its index (the accept's result).
     *
     * @param socket a SOCKET, not {@code INVALID_SOCKET} (-1)
     * @param family its address family (its listener's)
     */
    public int put(long socket, int family) {
        if (socket == FREE) {
            throw new IllegalArgumentException("expected a SOCKET, got INVALID_SOCKET");
        }
        for (int i = 0; i < sockets.length; i++) {
            if (sockets[i] == FREE) {
                sockets[i] = socket;
                families[i] = family;
                count++;
                return i;
            }
        }
        int i = sockets.length;
        sockets = Arrays.copyOf(sockets, i * 2);
        families = Arrays.copyOf(families, i * 2);
        Arrays.fill(sockets, i, i * 2, FREE);
        sockets[i] = socket;
        families[i] = family;
        count++;
        return i;
    }

    /**
     * The address family of the socket at {@code index}, before {@link #take}.
     *
     * @throws IllegalArgumentException if nothing is kept there
     */
    public int family(int index) {
        check(index);
        return families[index];
    }

    private void check(int index) {
        if (index < 0 || index >= sockets.length || sockets[index] == FREE) {
            throw new IllegalArgumentException("expected the result of an accept completion not taken yet, got "
                    + index);
        }
    }

    /**
     * Takes the socket at {@code index} out.
     *
     * @throws IllegalArgumentException if nothing is kept there (not an accept's result, or taken already)
     */
    public long take(int index) {
        check(index);
        long s = sockets[index];
        sockets[index] = FREE;
        count--;
        return s;
    }

    /** Sockets kept. */
    public int size() {
        return count;
    }

    /** Hands every socket kept to {@code close} and forgets them. */
    public void closeAll(LongConsumer close) {
        for (int i = 0; i < sockets.length; i++) {
            if (sockets[i] != FREE) {
                long s = sockets[i];
                sockets[i] = FREE;
                count--;
                close.accept(s);
            }
        }
    }
}
