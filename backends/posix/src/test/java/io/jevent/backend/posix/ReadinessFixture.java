package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jevent.EventConfig;
import io.jevent.spi.Backend;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A readiness backend's SPI opened for one test, on real sockets, and closed after it with every handle the test
 * opened; skipped, with the backend's reason, where it cannot run. The readiness tests of every backend stand on it:
 * {@link ReadinessContract}, {@link EdgeTriggeredContract}, {@link PollLoopContract} and each backend's own.
 */
public abstract class ReadinessFixture {
    /** The backend under test. */
    protected abstract Backend backend();

    /** The backend opened for this test. */
    protected Readiness readiness;
    /** Its socket operations. */
    protected NetOps ops;
    /** What the polls reported. */
    protected final ReadyRecorder rec = new ReadyRecorder();
    /** Handles closed after the test. */
    protected final OpenedHandles opened = new OpenedHandles();

    @BeforeEach
    void open() throws IOException {
        assumeTrue(backend().isAvailable(), () -> backend().name() + " unavailable: " + backend().unavailabilityCause());
        readiness = backend().open(new EventConfig());
        ops = backend().netOps();
    }

    @AfterEach
    void closeAll() {
        if (readiness != null) {
            readiness.close();
        }
        opened.closeAll(ops);
    }

    /** This fixture, for the contracts written as interfaces ({@link PollLoopContract} and the others). */
    public ReadinessFixture fixture() {
        return this;
    }

    /** A socket pair closed after the test. */
    protected Handle[] pair() throws IOException {
        return opened.pair(ops);
    }

    /** {@code h}, closed after the test. */
    protected Handle track(Handle h) {
        return opened.add(h);
    }

    /** One direct buffer of {@code n} bytes to write. */
    protected static ByteBuffer[] bytes(int n) {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        while (b.hasRemaining()) {
            b.put((byte) 'x');
        }
        b.flip();
        return new ByteBuffer[] {b};
    }

    /** Writes {@code n} bytes to {@code h}, all at once. */
    protected void send(Handle h, int n) throws IOException {
        assertEquals(n, ops.write(h, bytes(n), 0, 1));
    }
}
