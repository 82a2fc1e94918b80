package io.jevent.backend.nio;

import static org.junit.jupiter.api.Assertions.fail;

import io.jevent.EventConfig;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.BooleanSupplier;

/** Helpers shared by the backend's tests: bounded waits, never sleeps. */
final class NioTesting {
    /** Upper bound for anything that should happen "soon" on loopback. */
    static final long DEADLINE_NANOS = 5_000_000_000L;
    /** One poll's slice of the deadline. */
    static final long SLICE_NANOS = 100_000_000L;

    private NioTesting() {
    }

    static NioReadiness open() throws IOException {
        return (NioReadiness) new NioBackend().open(new EventConfig());
    }

    /** Polls into {@code sink} until {@code done} holds; fails after {@link #DEADLINE_NANOS}. */
    static void pollUntil(Readiness r, RecordingSink sink, BooleanSupplier done, String what) throws IOException {
        long end = System.nanoTime() + DEADLINE_NANOS;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - end > 0) {
                fail("timed out waiting for " + what);
            }
            r.poll(SLICE_NANOS, sink);
        }
    }

    static ByteBuffer[] one(ByteBuffer b) {
        return new ByteBuffer[] {b};
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
