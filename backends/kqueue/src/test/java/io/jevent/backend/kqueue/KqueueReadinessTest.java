package io.jevent.backend.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import io.jevent.Ev;
import io.jevent.backend.posix.EdgeTriggeredContract;
import io.jevent.backend.posix.ManyHandlesContract;
import io.jevent.backend.posix.PollLoopContract;
import io.jevent.backend.posix.ReadinessFixture;
import io.jevent.spi.Backend;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumSet;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The kqueue readiness SPI directly, on real sockets: the wake-up, allocation and edge-triggering contracts, plus what
 * is particular to kqueue: the changelist that reaches the kernel in the waiting call, a failed change delivered to
 * its own handle, and handles held until their changes are applied (libkqueue on Linux: see
 * {@link LibkqueueDifferences}).
 *
 * <p>It does not run the whole {@code ReadinessContract}: on libkqueue three of its tests fail. A hang-up is reported
 * as READ|CLOSED without WRITE (kqueue reports the filters it was given); a refused connect and a reset lose their
 * error to libkqueue's {@code SO_ERROR} read. Its many-handles test runs here ({@code ManyHandlesContract}): it
 * found that libkqueue gives a call room for at most 512 receipts and fails a longer changelist with EFAULT.
 */
class KqueueReadinessTest extends ReadinessFixture implements PollLoopContract, EdgeTriggeredContract,
        ManyHandlesContract {
    private static final Backend KQUEUE = new KqueueBackend();

    @Override
    protected Backend backend() {
        return KQUEUE;
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("kqueue", KQUEUE.name());
        assertEquals(Platform.isLinux() ? 40 : 10, KQUEUE.preference());
        assertEquals(EnumSet.of(Feature.ET, Feature.O1, Feature.EARLY_CLOSE), KQUEUE.features());
    }

    @Test
    void shouldComeAfterEpollAndPollOnLinux() {
        assumeTrue(Platform.isLinux(), "on macOS and the BSDs kqueue is the default");
        String names = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparingInt(Backend::preference)).map(Backend::name)
                .collect(Collectors.joining(","));
        assertTrue(names.indexOf("kqueue") > names.indexOf("poll"), names);
    }

    @Test
    void shouldReportReadableAndWritableWithTheirOwnToken() throws IOException {
        Handle[] a = pair();
        Handle[] b = pair();
        readiness.update(a[0], 3, 0, Ev.READ);
        readiness.update(b[0], 4, 0, Ev.WRITE);
        send(a[1], 1);
        rec.pollUntil(readiness, "both", () -> rec.bits[3] != 0 && rec.bits[4] != 0);
        assertEquals(Ev.READ, rec.bits[3]);
        assertEquals(Ev.WRITE, rec.bits[4]);
    }

    @Test
    void shouldStopReportingAfterTheInterestIsWithdrawn() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 6, 0, Ev.READ | Ev.WRITE);
        send(p[1], 1);
        rec.pollUntil(readiness, "read and write", () -> rec.bits[6] == (Ev.READ | Ev.WRITE));
        readiness.update(p[0], 6, Ev.READ | Ev.WRITE, Ev.WRITE);
        rec.clear().pollNow(readiness);
        assertEquals(Ev.WRITE, rec.bits[6]);
        readiness.update(p[0], 6, Ev.WRITE, 0);
        rec.clear();
        assertEquals(0, rec.pollNow(readiness));
    }

    @Test
    void shouldDeliverAFailedChangeToItsOwnHandleAndApplyTheOthers() throws IOException {
        Handle[] p = pair();
        // a number no process has open: the kernel refuses its registration (EBADF) when the batch is applied
        Handle bogus = new FdHandle(1_000_000);
        readiness.update(bogus, 7, 0, Ev.READ);
        readiness.update(p[0], 8, 0, Ev.WRITE);
        rec.pollUntil(readiness, "the failed change and the good one",
                () -> rec.bits[7] != 0 && rec.bits[8] != 0);
        assertEquals(Ev.READ | Ev.WRITE, rec.bits[7], "a failed change wakes its events so their I/O meets the error");
        assertEquals(Ev.WRITE, rec.bits[8]);
        readiness.update(bogus, 7, Ev.READ, 0); // refused: nothing to delete, and no throw
    }

    @Test
    void shouldReturnAFailedChangeAtOnceEvenWhenThePollWouldWaitForEver() throws IOException {
        Handle bogus = new FdHandle(1_000_000);
        readiness.update(bogus, 7, 0, Ev.READ);
        // nothing else can happen: the error is the only thing this wait can return, and it must not wait for more
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> readiness.poll(-1, rec));
        assertEquals(Ev.READ | Ev.WRITE, rec.bits[7]);
    }

    @Test
    void shouldNotRegisterAHandleWithdrawnBeforeThePoll() throws IOException {
        Handle[] p = pair();
        send(p[1], 1);
        readiness.update(p[0], 5, 0, Ev.READ);
        readiness.update(p[0], 5, Ev.READ, 0); // the queued add is taken back
        assertEquals(0, rec.pollNow(readiness));
        assertEquals(0, rec.pollNow(readiness));
    }

    @Test
    void shouldReportClosedOnlyWhenAskedAndWithoutSpinningOnUnreadData() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 5, 0, Ev.CLOSED);
        send(p[1], 1);
        rec.pollNow(readiness);
        rec.clear();
        assertEquals(0, rec.pollNow(readiness), "data without READ interest is not reported");
        ops.shutdownOutput(p[1]);
        rec.pollUntil(readiness, "CLOSED", () -> rec.bits[5] != 0);
        assertEquals(Ev.CLOSED, rec.bits[5]);
    }

    @Test
    void shouldCloseAHandleClosedOnAnotherThreadWhileItsChangeWaitsForThePoll() throws Exception {
        Handle[] p = pair();
        readiness.update(p[0], 1, 0, Ev.READ); // queued: p[0] is held until the poll applies it
        Throwable[] failure = {null};
        Thread loop = new Thread(() -> {
            try {
                readiness.poll(20_000_000_000L, rec);
            } catch (Throwable t) {
                failure[0] = t;
            }
        }, "kqueue-test-loop");
        loop.start();
        ops.close(p[0]); // while the loop is about to wait, or waits, maybe holding p[0]
        assertFalse(p[0].isOpen());
        // the descriptor is really closed soon, wherever the loop is: the peer reads end of stream
        ByteBuffer b = ByteBuffer.allocateDirect(4);
        long deadline = System.nanoTime() + 5_000_000_000L;
        long n;
        while ((n = ops.read(p[1], new ByteBuffer[] {b}, 0, 1)) == NetOps.WOULD_BLOCK) {
            assertTrue(System.nanoTime() < deadline, "the peer never saw the close");
            Thread.onSpinWait();
        }
        assertEquals(0, n, "end of stream");
        readiness.wakeup();
        loop.join(10_000);
        assertFalse(loop.isAlive(), "the poll did not end on a wake-up");
        assertEquals(null, failure[0]);
        assertEquals(0, rec.reports[1], "a closed handle is not reported");
    }
}
