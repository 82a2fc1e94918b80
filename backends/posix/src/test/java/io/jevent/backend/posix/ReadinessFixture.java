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
import java.util.ArrayList;
import java.util.List;
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
    /** Handles closed after the test (a test that closes one itself removes it). */
    protected final List<Handle> opened = new ArrayList<>();

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
        for (Handle h : opened) {
            try {
                ops.close(h);
            } catch (IOException ignored) {
                // closed by the test already
            }
        }
    }

    /** This fixture, for the contracts written as interfaces ({@link PollLoopContract} and the others). */
    public ReadinessFixture fixture() {
        return this;
    }

    /** A socket pair closed after the test. */
    protected Handle[] pair() throws IOException {
        Handle[] p = ops.socketPair();
        opened.add(p[0]);
        opened.add(p[1]);
        return p;
    }

    /** {@code h}, closed after the test. */
    protected Handle track(Handle h) {
        opened.add(h);
        return h;
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
