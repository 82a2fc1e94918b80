package io.jevent.backend.posix;

import io.jevent.Ev;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.posix.internal.Timeouts;
import io.jevent.backend.posix.internal.Waker;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * poll(2) over a {@code struct pollfd} array in native memory (libevent's poll.c).
 *
 * <p><b>Layout.</b> {@link #fds} holds {@link #count} pollfds of 8 bytes ({@code int fd} at 0, {@code short
 * events} at 4, {@code short revents} at 6). Slot 0 is always the {@link Waker}'s read side; slots
 * {@code 1..count-1} are registered handles, densely packed: removing a slot moves the last one into it.
 * {@link #slotToken}/{@link #slotInterest}/{@link #slotHandle} are parallel to the slots, {@link #tokenSlot} maps a
 * token back to its slot ({@code 0}: not registered, since slot 0 is the waker's). Plain int arrays: no boxing.
 *
 * <p><b>Dead handles.</b> poll(2) knows numbers, not sockets: a pollfd left behind by a handle closed while
 * registered would watch whichever socket gets the number next. So a ready slot is reported only while its
 * handle is open; the first time a closed one turns up its pollfd's fd is set to -1, which poll(2) skips, and it
 * stays so until the base deregisters the handle (which, for a dead handle, touches no descriptor).
 *
 * <p>Level-triggered only: {@link Ev#ET} is ignored (the backend does not claim the ET feature). Peer close
 * is reported early through POLLRDHUP. Every method but {@link #wakeup()} must be called on the loop thread,
 * and the sink must not call {@link #update} while {@link #poll} reports into it.
 */
final class PollReadiness implements Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(PollReadiness.class);
    private static final int POLLFD_SIZE = 8;
    private static final int EVENTS_OFFSET = 4;
    private static final int REVENTS_OFFSET = 6;

    private final Waker waker;
    private ByteBuffer fds;
    private long fdsAddress;
    /** Slots in use, including the waker's slot 0. */
    private int count;
    private int[] slotToken;
    private int[] slotInterest;
    /** The handle of each slot, so that a closed one is not reported for a socket that reused its number. */
    private FdHandle[] slotHandle;
    private int[] tokenSlot;
    private boolean closed;

    PollReadiness() throws IOException {
        waker = Waker.pipe();
        int capacity = 64;
        fds = NativeMemory.allocate(capacity * POLLFD_SIZE);
        fdsAddress = NativeMemory.address(fds);
        slotToken = new int[capacity];
        slotInterest = new int[capacity];
        slotHandle = new FdHandle[capacity];
        tokenSlot = new int[capacity];
        fds.putInt(0, waker.readFd());
        fds.putShort(EVENTS_OFFSET, LibC.POLLIN);
        count = 1;
    }

    /**
     * {@inheritDoc}
     *
     * <p>No system call: the pollfd array is the registration. Removing touches no descriptor, so it works the same
     * for a dead handle.
     */
    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        ensureOpen();
        FdHandle h = PosixNetOps.fdHandle(handle);
        if (token < 0) {
            throw new IllegalArgumentException("expected token >= 0, got " + token);
        }
        int slot = token < tokenSlot.length ? tokenSlot[token] : 0;
        if ((newInterest & Ev.IO_MASK) == 0) {
            if (slot != 0) {
                remove(slot);
            }
            return;
        }
        int fd = h.acquire(); // ClosedChannelException for a dead handle: its number may be another socket's
        PosixNetOps.release(h);
        if (slot == 0) {
            slot = add(token);
        }
        int at = slot * POLLFD_SIZE;
        fds.putInt(at, fd);
        fds.putShort(at + EVENTS_OFFSET, pollEvents(newInterest));
        slotInterest[slot] = newInterest;
        slotHandle[slot] = h;
    }

    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        ensureOpen();
        int n = count;
        int rc = LibC.poll(fdsAddress, n, Timeouts.toMillisRoundUp(timeoutNanos));
        if (rc < 0) {
            int errno = Errors.errno();
            if (errno == Errors.EINTR) {
                return 0;
            }
            throw Errors.newException("poll", errno);
        }
        int reported = 0;
        for (int slot = 0; slot < n && rc > 0; slot++) {
            int revents = fds.getShort(slot * POLLFD_SIZE + REVENTS_OFFSET);
            if (revents == 0) {
                continue;
            }
            rc--;
            if (slot == 0) {
                waker.drain();
                continue;
            }
            if (!slotHandle[slot].isOpen()) {
                LOG.trace("poll: {} (token {}) was closed while registered; no longer watched", slotHandle[slot],
                        slotToken[slot]);
                fds.putInt(slot * POLLFD_SIZE, -1);
                continue;
            }
            if ((revents & LibC.POLLNVAL) != 0) {
                LOG.trace("poll: fd {} (token {}) is not open (POLLNVAL)", fds.getInt(slot * POLLFD_SIZE),
                        slotToken[slot]);
            }
            sink.ready(slotToken[slot], readyBits(revents, slotInterest[slot]));
            reported++;
        }
        return reported;
    }

    @Override
    public void wakeup() {
        waker.wakeup();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            waker.close();
        }
    }

    /** Number of registered handles (not counting the waker); for tests and dumps. */
    int registered() {
        return count - 1;
    }

    static short pollEvents(int interest) {
        int events = 0;
        if ((interest & Ev.READ) != 0) {
            events |= LibC.POLLIN;
        }
        if ((interest & Ev.WRITE) != 0) {
            events |= LibC.POLLOUT;
        }
        if ((interest & Ev.CLOSED) != 0) {
            events |= LibC.POLLRDHUP;
        }
        return (short) events;
    }

    /** revents to Ev bits: errors and hang-ups become READ|WRITE, hang-ups CLOSED too if it was asked for. */
    static int readyBits(int revents, int interest) {
        int bits = 0;
        if ((revents & LibC.POLLIN) != 0) {
            bits |= Ev.READ;
        }
        if ((revents & LibC.POLLOUT) != 0) {
            bits |= Ev.WRITE;
        }
        if ((revents & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
            bits |= Ev.READ | Ev.WRITE;
        }
        if ((revents & (LibC.POLLHUP | LibC.POLLRDHUP)) != 0 && (interest & Ev.CLOSED) != 0) {
            bits |= Ev.CLOSED;
        }
        return bits;
    }

    private int add(int token) {
        if (count == slotToken.length) {
            grow();
        }
        if (token >= tokenSlot.length) {
            tokenSlot = Arrays.copyOf(tokenSlot, Math.max(token + 1, tokenSlot.length * 2));
        }
        int slot = count++;
        slotToken[slot] = token;
        tokenSlot[token] = slot;
        return slot;
    }

    private void remove(int slot) {
        int last = count - 1;
        tokenSlot[slotToken[slot]] = 0;
        if (slot != last) {
            fds.putLong(slot * POLLFD_SIZE, fds.getLong(last * POLLFD_SIZE));
            slotToken[slot] = slotToken[last];
            slotInterest[slot] = slotInterest[last];
            slotHandle[slot] = slotHandle[last];
            tokenSlot[slotToken[slot]] = slot;
        }
        slotHandle[last] = null;
        count = last;
    }

    private void grow() {
        int capacity = slotToken.length * 2;
        ByteBuffer bigger = NativeMemory.allocate(capacity * POLLFD_SIZE);
        bigger.put(0, fds, 0, count * POLLFD_SIZE);
        fds = bigger;
        fdsAddress = NativeMemory.address(bigger);
        slotToken = Arrays.copyOf(slotToken, capacity);
        slotInterest = Arrays.copyOf(slotInterest, capacity);
        slotHandle = Arrays.copyOf(slotHandle, capacity);
        LOG.debug("poll: pollfd array grown to {} slots", capacity);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this poll backend instance is closed");
        }
    }
}
