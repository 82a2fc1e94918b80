package io.jevent.spi;

import java.net.InetSocketAddress;
import java.net.SocketAddress;

import java.io.IOException;

/**
 * A system call failed: carries the call, the errno and its symbolic name, so that an {@code ERROR} event on a
 * connection says exactly what the OS said ({@code "read: ECONNRESET (104)"}).
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The system call that failed, such as {@code "connect"}. */
    private final String call;
    /** The error number, as the OS gives it. */
    private final int errno;
    /** The error number's symbolic name, such as {@code "ECONNRESET"}. */
    private final String errnoName;
    /** The address given to the call (bind, connect), or null. */
    private final transient SocketAddress address;
    /** The OS's text for the errno (strerror), or null. */
    private final String description;

    /**
     * Creates the exception.
     *
     * @param call the system call, such as {@code "connect"}
     * @param errno the error number
     * @param errnoName its symbolic name, such as {@code "ECONNREFUSED"}
     * @param description the OS's text for it (strerror), may be null
     */
    public ErrnoException(String call, int errno, String errnoName, String description) {
        this(call, null, errno, errnoName, description);
    }

    /**
     * Creates the exception for a call that took an address, which the message names:
     * {@code "bind 127.0.0.1:8080: EADDRINUSE (98) Address already in use"}.
     *
     * @param call the system call, such as {@code "bind"}
     * @param address the address it was given, or null
     * @param errno the error number
     * @param errnoName its symbolic name, such as {@code "EADDRINUSE"}
     * @param description the OS's text for it (strerror), may be null
     */
    public ErrnoException(String call, SocketAddress address, int errno, String errnoName, String description) {
        super(call + (address == null ? "" : " " + format(address)) + ": " + errnoName + " (" + errno + ")"
                + (description == null ? "" : " " + description));
        this.call = call;
        this.address = address;
        this.errno = errno;
        this.errnoName = errnoName;
        this.description = description;
    }

    /**
     * The same failure, told of the address its call was given: for errors that surface after the call returned
     * (a non-blocking connect refused later, read back with {@code SO_ERROR} or from a completion), where the code
     * that sees the errno no longer knows the address.
     *
     * @param address the address the call was given
     * @return this if it names an address already, else a new exception naming {@code address}, with this one as
     *     its cause
     */
    public ErrnoException withAddress(SocketAddress address) {
        if (this.address != null || address == null) {
            return this;
        }
        ErrnoException named = new ErrnoException(call, address, errno, errnoName, description);
        named.initCause(this);
        return named;
    }

    /**
     * An address as a user would type it: {@code 127.0.0.1:8080}, {@code [::1]:8080}, or the host name given when
     * it was never resolved.
     *
     * @param address a socket address
     * @return its text
     */
    public static String format(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress in = (InetSocketAddress) address;
            String host = in.getAddress() == null ? in.getHostString() : in.getAddress().getHostAddress();
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + in.getPort();
        }
        return String.valueOf(address);
    }

    /** {@return the address the call was given, or null when it took none or the caller did not say} */
    public SocketAddress address() {
        return address;
    }

    /** {@return the system call that failed, such as {@code "connect"}} */
    public String call() {
        return call;
    }

    /** {@return the error number, as the OS gives it} */
    public int errno() {
        return errno;
    }

    /** {@return the symbolic name, such as {@code "ECONNRESET"}} */
    public String errnoName() {
        return errnoName;
    }
}
