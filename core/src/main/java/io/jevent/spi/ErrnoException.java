package io.jevent.spi;

import java.io.IOException;

/**
 * A system call failed: carries the call, the errno and its symbolic name, so that an {@code ERROR} event on a
 * connection says exactly what the OS said ({@code "read: ECONNRESET (104)"}).
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int errno;
    private final String errnoName;

    /**
     * Creates the exception.
     *
     * @param call the system call, such as {@code "connect"}
     * @param errno the error number
     * @param errnoName its symbolic name, such as {@code "ECONNREFUSED"}
     * @param description the OS's text for it (strerror), may be null
     */
    public ErrnoException(String call, int errno, String errnoName, String description) {
        super(call + ": " + errnoName + " (" + errno + ")" + (description == null ? "" : " " + description));
        this.call = call;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    /** The system call that failed. */
    public String call() {
        return call;
    }

    /** The error number. */
    public int errno() {
        return errno;
    }

    /** The symbolic name, such as {@code "ECONNRESET"}. */
    public String errnoName() {
        return errnoName;
    }
}
