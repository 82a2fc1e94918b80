package io.jevent.dns;

import java.io.IOException;

/** A DNS message that does not parse: truncated, a compression loop, a pointer out of range, a bad length. */
final class DnsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    DnsFormatException(String message) {
        super(message);
    }
}
