package io.jevent.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** IP address literals, parsed without ever asking a name service (so never blocking). */
final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * The address written in {@code s}, or null if {@code s} is not an IPv4 dotted quad or an IPv6 literal
     * (optionally in brackets).
     */
    static InetAddress parse(String s) {
        if (s.indexOf(':') >= 0) {
            String v6 = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
            if (v6.indexOf(':') < 0) {
                return null;
            }
            try {
                return InetAddress.getByName(v6); // a string with ':' is only ever parsed as a literal
            } catch (UnknownHostException | RuntimeException notALiteral) {
                return null;
            }
        }
        byte[] raw = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                raw[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = (value < 0 ? 0 : value * 10) + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        if (part != 4) {
            return null;
        }
        try {
            return InetAddress.getByAddress(raw);
        } catch (UnknownHostException impossible) {
            return null;
        }
    }
}
