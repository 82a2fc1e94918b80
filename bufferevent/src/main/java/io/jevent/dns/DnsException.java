package io.jevent.dns;

import java.net.UnknownHostException;

/**
 * A lookup that found no address, with the {@link Reason}. An {@link UnknownHostException}, so code written for
 * the JDK's resolver catches it unchanged.
 */
public final class DnsException extends UnknownHostException {
    private static final long serialVersionUID = 1L;

    /** Why a lookup found no address. */
    public enum Reason {
        /** The name does not exist (NXDOMAIN), for every name the search list made of it. */
        NAME_NOT_FOUND,
        /** The name exists but has no address of the family asked (NOERROR with no answer). */
        NO_DATA,
        /** Every server failed (SERVFAIL, REFUSED, another error code, or a broken TCP exchange). */
        SERVER_FAILURE,
        /** No server answered within the timeouts of every attempt. */
        TIMEOUT,
        /** A server's answer did not parse (truncated, a compression loop, a pointer out of range, a bad length). */
        MALFORMED,
        /** Sending the query failed (no route, no socket). */
        NETWORK,
        /** The resolver was closed while the lookup was in flight. */
        CLOSED,
        /** The JDK's resolver ({@link Resolver#system}) failed; the cause is its exception. */
        SYSTEM
    }

    /** Why the lookup found no address; part of the serialized form. */
    private final Reason reason;

    /**
     * @param reason why
     * @param message what was looked up and what happened
     * @param cause the underlying failure, or null
     */
    public DnsException(Reason reason, String message, Throwable cause) {
        super(message);
        this.reason = reason;
        if (cause != null) {
            initCause(cause);
        }
    }

    /** @return why the lookup failed */
    public Reason reason() {
        return reason;
    }

    /** A copy naming {@code host}, for a lookup that shared this failure (the stack trace is not refilled). */
    DnsException forHost(String host) {
        DnsException e = new DnsException(reason, host + ": " + getMessage(), getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
