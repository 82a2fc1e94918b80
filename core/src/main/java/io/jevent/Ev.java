package io.jevent;

/**
 * Event flags, with libevent's names and values ({@code EV_TIMEOUT}, {@code EV_READ}, ...).
 *
 * <p>The same bits serve three purposes: what an {@link Event} waits for (its <em>interest</em>),
 * how it behaves ({@link #PERSIST}, {@link #ET}), and what happened when its callback runs
 * (the {@code what} argument of {@link EventCallback#onEvent}).
 */
public final class Ev {
    /** The event's timeout expired. */
    public static final int TIMEOUT = 0x01;
    /** The handle is readable. */
    public static final int READ = 0x02;
    /** The handle is writable. */
    public static final int WRITE = 0x04;
    /** The signal was delivered. */
    public static final int SIGNAL = 0x08;
    /** The event stays pending after its callback runs. */
    public static final int PERSIST = 0x10;
    /** Edge-triggered: reported once per change of state, where the backend supports it. */
    public static final int ET = 0x20;
    /** The peer closed its side (EPOLLRDHUP), detected without reading. */
    public static final int CLOSED = 0x80;

    /** The I/O bits a backend is asked about. */
    public static final int IO_MASK = READ | WRITE | CLOSED;

    private Ev() {
    }

    /**
     * Renders a flag set as {@code "READ|WRITE"}; used in logs and {@link EventBase#dumpEvents}.
     *
     * @param what bits of this class's constants
     * @return the names of the bits set, joined by {@code |}
     */
    public static String toString(int what) {
        if (what == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder();
        append(sb, what, TIMEOUT, "TIMEOUT");
        append(sb, what, READ, "READ");
        append(sb, what, WRITE, "WRITE");
        append(sb, what, SIGNAL, "SIGNAL");
        append(sb, what, PERSIST, "PERSIST");
        append(sb, what, ET, "ET");
        append(sb, what, CLOSED, "CLOSED");
        int rest = what & ~(TIMEOUT | READ | WRITE | SIGNAL | PERSIST | ET | CLOSED);
        if (rest != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append("0x").append(Integer.toHexString(rest));
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, int what, int bit, String name) {
        if ((what & bit) != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(name);
        }
    }
}
