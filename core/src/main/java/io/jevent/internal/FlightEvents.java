package io.jevent.internal;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Whether a Flight Recorder recording wants jevent's events now, asked without allocating and without a clock read.
 *
 * <p><b>The check.</b> An event class's {@code isEnabled()} answers for the recordings running now: before any
 * recording (JFR not even initialized) the class is not instrumented and it returns false at once; once JFR runs, the
 * class is instrumented and it reads the event type's enabled flag. It is an instance method, so one instance per
 * type is kept here only to ask it; that instance is never committed. Emission points ask once per connection
 * (open, close, handshake start), and the loop asks once per pass for {@link SlowCallback} (see
 * {@link SlowCallbackTimer}), so that a callback dispatch costs one branch on a field when the event is off.
 */
public final class FlightEvents {
    private static final SlowCallback SLOW = new SlowCallback();
    private static final ConnectionOpen OPEN = new ConnectionOpen();
    private static final ConnectionClose CLOSE = new ConnectionClose();
    private static final TlsHandshake TLS = new TlsHandshake();

    private FlightEvents() {
    }

    /** {@return whether a recording enables {@link SlowCallback}} */
    public static boolean slowCallbacks() {
        return SLOW.isEnabled();
    }

    /** {@return whether a recording enables {@link ConnectionOpen}} */
    public static boolean connectionOpen() {
        return OPEN.isEnabled();
    }

    /** {@return whether a recording enables {@link ConnectionClose}} */
    public static boolean connectionClose() {
        return CLOSE.isEnabled();
    }

    /** {@return whether a recording enables {@link TlsHandshake}} */
    public static boolean tlsHandshakes() {
        return TLS.isEnabled();
    }

    /**
     * An address as events show it: {@code 127.0.0.1:8080}, {@code [::1]:8080}; other kinds by their text.
     *
     * @param address a socket address, or null
     * @return its text, or null for null
     */
    public static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) address;
            String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
        }
        return address == null ? null : address.toString();
    }
}
