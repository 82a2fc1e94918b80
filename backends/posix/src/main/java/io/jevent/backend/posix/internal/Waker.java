package io.jevent.backend.posix.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The descriptor a loop polls so that another thread can interrupt the wait: an eventfd (Linux) or a pipe.
 *
 * <p><b>Coalescing.</b> {@link #pending} is true from the first {@link #wakeup()} until the loop has drained
 * the descriptor, so a burst of wakeups costs one {@code write}. The loop must {@link #drain()} only after the
 * poll reported the read side readable: drain reads first and then clears {@link #pending}; clearing first
 * could swallow a later wakeup's byte while {@code pending} stayed true, losing every wakeup after it. A
 * wakeup that finds {@code pending} still true while the loop drains needs no byte: the loop has returned
 * from its poll and will look at its task queue next.
 *
 * <p><b>Closing.</b> A {@link #wakeup()} that has decided to write may be descheduled before its {@code write};
 * if {@link #close()} closed the descriptor meanwhile and another thread opened a socket that got the same number,
 * the wake-up's bytes would land in that socket. So {@link #writers} counts the wake-ups between their decision
 * and the end of their write, and close() first stops new ones, then waits for that count to reach zero (a few
 * microseconds at most), and only then closes the descriptors.
 *
 * <p>{@link #wakeup()} and {@link #close()} may be called from any thread; the rest on the loop thread.
 */
public final class Waker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Waker.class);

    private final int readFd;
    private final int writeFd;
    /** 8 bytes holding the value 1, never modified after construction: safe to write from many threads. */
    private final ByteBuffer one = NativeMemory.allocate(8);
    private final long oneAddress = NativeMemory.address(one);
    /** Drain area, loop thread only. */
    private final ByteBuffer sink = NativeMemory.allocate(64);
    private final long sinkAddress = NativeMemory.address(sink);
    /** Bytes per wakeup write: 8 for an eventfd (it takes a uint64), 1 for a pipe. */
    private final int writeSize;
    /** True from a wakeup's write until the loop drains; see the class comment. */
    private final AtomicBoolean pending = new AtomicBoolean();
    /**
     * Wake-ups between their decision to write and the end of the write, plus {@link #CLOSING} once close() has
     * begun (the value is then negative, and stays so). See the class comment.
     */
    private final AtomicInteger writers = new AtomicInteger();
    private static final int CLOSING = Integer.MIN_VALUE;

    private Waker(int readFd, int writeFd, int writeSize) {
        this.readFd = readFd;
        this.writeFd = writeFd;
        this.writeSize = writeSize;
        one.putLong(0, 1L);
    }

    /** A waker over a non-blocking, close-on-exec eventfd. */
    public static Waker eventFd() throws IOException {
        int fd = Errors.check("eventfd", LibC.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC));
        return new Waker(fd, fd, 8);
    }

    /** A waker over a non-blocking, close-on-exec pipe ({@code pipe2}; on macOS {@code pipe} and {@code fcntl}). */
    public static Waker pipe() throws IOException {
        ByteBuffer fds = NativeMemory.allocate(8);
        if (Os.LINUX) {
            Errors.check("pipe2", LibC.pipe2(NativeMemory.address(fds), LibC.O_NONBLOCK | LibC.O_CLOEXEC));
        } else {
            Errors.check("pipe", LibC.pipe(NativeMemory.address(fds)));
            try {
                configure(fds.getInt(0));
                configure(fds.getInt(4));
            } catch (IOException | RuntimeException e) {
                LibC.close(fds.getInt(0));
                LibC.close(fds.getInt(4));
                throw e;
            }
        }
        return new Waker(fds.getInt(0), fds.getInt(4), 1);
    }

    /**
     * Makes a descriptor non-blocking and close-on-exec with {@code fcntl}, where it could not be made so (macOS).
     * For the posix layer.
     */
    public static void configure(int fd) throws IOException {
        int flags = Errors.check("fcntl(F_GETFL)", LibC.fcntl(fd, LibC.F_GETFL, 0));
        Errors.check("fcntl(F_SETFL)", LibC.fcntl(fd, LibC.F_SETFL, flags | LibC.O_NONBLOCK));
        Errors.check("fcntl(F_SETFD)", LibC.fcntl(fd, LibC.F_SETFD, LibC.FD_CLOEXEC));
    }

    /** The descriptor to poll for readability. */
    public int readFd() {
        return readFd;
    }

    /** Makes the read side readable unless a wakeup is already pending. Any thread. */
    public void wakeup() {
        if (writers.get() < 0 || !pending.compareAndSet(false, true)) {
            return;
        }
        if (writers.getAndIncrement() < 0) {
            writers.decrementAndGet(); // close() has begun: the descriptor may be gone
            return;
        }
        try {
            long rc;
            do {
                rc = LibC.write(writeFd, oneAddress, writeSize);
            } while (rc < 0 && Errors.errno() == Errors.EINTR);
            if (rc < 0) {
                int errno = Errors.errno();
                // EAGAIN: the pipe is full, so it is readable already.
                if (errno != Errors.EAGAIN) {
                    LOG.debug("wakeup write on fd {} failed: {}", writeFd, Errors.name(errno));
                }
            }
        } finally {
            writers.decrementAndGet();
        }
    }

    /** Empties the read side and re-arms {@link #wakeup()}. Loop thread, after the poll reported it readable. */
    public void drain() {
        long rc;
        do {
            rc = LibC.read(readFd, sinkAddress, writeSize == 8 ? 8 : 64);
        } while (rc > 0 && writeSize == 1 || rc < 0 && Errors.errno() == Errors.EINTR);
        pending.set(false);
    }

    /**
     * Closes the descriptors, once no wake-up is writing to them any more; later wake-ups do nothing. Any thread.
     * Idempotent.
     */
    @Override
    public void close() {
        int w;
        do {
            w = writers.get();
            if (w < 0) {
                return; // closed (or being closed) already
            }
        } while (!writers.compareAndSet(w, w | CLOSING));
        while (writers.get() != CLOSING) {
            Thread.onSpinWait(); // a wake-up is inside its write(2): a few microseconds
        }
        LibC.close(readFd);
        if (writeFd != readFd) {
            LibC.close(writeFd);
        }
    }
}
