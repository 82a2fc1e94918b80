package io.jevent.spi;

/** A raw POSIX file descriptor, used by the native (JNA) backends. Equal when the descriptors are equal. */
public final class FdHandle implements Handle {
    private final int fd;

    /**
     * Wraps a descriptor.
     *
     * @param fd the descriptor, {@code >= 0}
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public FdHandle(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("expected a file descriptor >= 0, got " + fd);
        }
        this.fd = fd;
    }

    /** The descriptor. */
    public int fd() {
        return fd;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FdHandle && ((FdHandle) o).fd == fd;
    }

    @Override
    public int hashCode() {
        return fd;
    }

    @Override
    public String toString() {
        return "fd " + fd;
    }
}
