package io.jevent.bufferevent;

/**
 * Reasons passed to {@link BufferEvent.EventCallback}, with libevent's names and values
 * ({@code BEV_EVENT_READING}, ...). A reason is a direction ({@link #READING} or {@link #WRITING}) combined with
 * what happened.
 */
public final class BevEvent {
    /** It happened while reading. */
    public static final int READING = 0x01;
    /** It happened while writing. */
    public static final int WRITING = 0x02;
    /** The peer closed its side (end of stream); all data before it was delivered to the input buffer. */
    public static final int EOF = 0x10;
    /** An error; the cause passed along says which (an {@code ErrnoException}, an {@code SSLException}, ...). */
    public static final int ERROR = 0x20;
    /** A read or write timeout expired; that direction is now disabled. */
    public static final int TIMEOUT = 0x40;
    /** A connect, or a filter's handshake, finished. */
    public static final int CONNECTED = 0x80;

    private BevEvent() {
    }

    /**
     * Renders reasons as {@code "READING|EOF"}.
     *
     * @param reasons {@link BevEvent} bits
     * @return the names of the set bits joined by {@code |}, or {@code "0"} when none is set
     */
    public static String toString(int reasons) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"READING", "WRITING", "EOF", "ERROR", "TIMEOUT", "CONNECTED"};
        int[] bits = {READING, WRITING, EOF, ERROR, TIMEOUT, CONNECTED};
        for (int i = 0; i < bits.length; i++) {
            if ((reasons & bits[i]) != 0) {
                if (sb.length() > 0) {
                    sb.append('|');
                }
                sb.append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
