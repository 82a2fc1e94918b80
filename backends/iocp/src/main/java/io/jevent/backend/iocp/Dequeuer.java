package io.jevent.backend.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.jevent.backend.iocp.internal.OverlappedEntryLayout;
import io.jevent.backend.iocp.internal.WinErrors;
import io.jevent.backend.iocp.internal.WinNative;
import io.jevent.backend.iocp.internal.WinNative.Kernel32;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread that waits on a completion port ({@code GetQueuedCompletionStatusEx}, up to {@link #BATCH} entries at a
 * time) and hands each completion to the engine its key names, through that engine's {@code CompletionRing}, then wakes
 * the engine's loop once per batch. It allocates nothing per completion: the entries live in native memory of its own,
 * and the operation's user data is read from the slot memory beside its OVERLAPPED. A packet with key
 * {@link #STOP_KEY} ends it once the rest of its batch is handed over (those entries are off the port already, and
 * their operations' memory stays the kernel's until someone completes them); {@link #WAKE_KEY} packets are dropped
 * (they were meant for a loop waiting on the port).
 */
final class Dequeuer implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Dequeuer.class);

    /** Completion key of the packet that stops a dequeuer. */
    static final long STOP_KEY = -1L;
    /** Completion key of a packet posted to wake a loop waiting on its port. */
    static final long WAKE_KEY = -2L;
    /** Entries per {@code GetQueuedCompletionStatusEx}. */
    static final int BATCH = 64;

    private final long port;
    private final LongFunction<? extends Target> engines;

    Dequeuer(long port, LongFunction<? extends Target> engines) {
        this.port = port;
        this.engines = engines;
    }

    /** Where a dequeuer hands completions over: an engine ({@link IocpEngine}). */
    interface Target {
        /** The completion of the OVERLAPPED at {@code overlapped}, {@code bytes} transferred. Dequeuer thread. */
        void handOff(long overlapped, long bytes);

        /** Wakes the loop that delivers what was handed over. Dequeuer thread. */
        void wakeLoop();
    }

    /**
     * Hands the {@code n} entries of one dequeued batch ({@code OVERLAPPED_ENTRY}s at 0 of {@code entries}) to the
     * targets their keys name, waking each target's loop once after its run of entries; drops {@link #WAKE_KEY}
     * packets and entries of a key without a target.
     *
     * @return whether a {@link #STOP_KEY} packet was among them: the dequeuer stops, after handing over the whole
     *     batch (the entries after the stop packet are off the port already)
     */
    static boolean dispatch(ByteBuffer entries, int n, LongFunction<? extends Target> engines) {
        Target last = null;
        boolean stop = false;
        for (int i = 0; i < n; i++) {
            long key = OverlappedEntryLayout.key(entries, 0, i);
            if (key == STOP_KEY) {
                stop = true;
                continue;
            }
            if (key == WAKE_KEY) {
                continue;
            }
            Target e = engines.apply(key);
            if (e == null) {
                continue; // its base is gone: its close waited for what it could
            }
            e.handOff(OverlappedEntryLayout.overlapped(entries, 0, i), OverlappedEntryLayout.bytes(entries, 0, i));
            if (e != last) {
                if (last != null) {
                    last.wakeLoop();
                }
                last = e;
            }
        }
        if (last != null) {
            last.wakeLoop();
        }
        return stop;
    }

    @Override
    public void run() {
        try (Memory mem = new Memory((long) BATCH * OverlappedEntryLayout.SIZE + 8)) {
            ByteBuffer entries = mem.getByteBuffer(0, mem.size()).order(ByteOrder.nativeOrder());
            long base = Pointer.nativeValue(mem);
            long removedAt = base + (long) BATCH * OverlappedEntryLayout.SIZE;
            int removedOff = BATCH * OverlappedEntryLayout.SIZE;
            for (;;) {
                if (Kernel32.GetQueuedCompletionStatusEx(port, base, BATCH, removedAt, WinNative.INFINITE, 0) == 0) {
                    int err = WinNative.lastError();
                    if (err == WinErrors.WAIT_TIMEOUT) {
                        continue;
                    }
                    LOG.debug("iocp dequeuer: GetQueuedCompletionStatusEx: {}; stopping", WinErrors.describe(err));
                    return; // the port was closed (ERROR_ABANDONED_WAIT_0, ERROR_INVALID_HANDLE)
                }
                if (dispatch(entries, entries.getInt(removedOff), engines)) {
                    return;
                }
            }
        } catch (RuntimeException | Error e) {
            LOG.warn("iocp dequeuer on port {} failed; its completions stop", port, e);
            throw e;
        }
    }
}
