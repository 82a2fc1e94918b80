package io.jevent.filter;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The client's bookkeeping for one {@link EchoRig#echo} op, the same for every rig so both systems are driven
 * alike: what to write next (at most {@link EchoRig#WINDOW} ahead of what came back) and when the op is over. The
 * counters are confined to the client loop thread; {@link #await} is the benchmark thread's side.
 */
final class EchoProgress {
    private final Semaphore done = new Semaphore(0);
    private volatile Throwable failure;
    private long total;
    private long sent;
    private long received;
    private boolean active;

    /** Starts an op of {@code bytes}. Client loop thread. */
    void start(long bytes) {
        total = bytes;
        sent = 0;
        received = 0;
        active = true;
    }

    /** The size of the next write, 0 when the window is full or everything was written. Client loop thread. */
    int nextWrite() {
        if (!active || sent >= total || sent - received >= EchoRig.WINDOW) {
            return 0;
        }
        int k = (int) Math.min(EchoRig.WRITE, total - sent);
        sent += k;
        return k;
    }

    /** Counts echoed bytes; the last ones end the op. Client loop thread. */
    void received(long n) {
        received += n;
        if (active && received >= total) {
            active = false;
            done.release();
        }
    }

    /** Ends the op with a failure (a connection error, an early close). Any thread. */
    void fail(Throwable t) {
        if (failure == null) {
            failure = t;
        }
        done.release();
    }

    /** Waits for the op's end. Benchmark thread. */
    void await() throws InterruptedException {
        if (!done.tryAcquire(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("echo not complete after 60 s");
        }
        if (failure != null) {
            throw new IllegalStateException("echo failed: " + failure, failure);
        }
    }
}
