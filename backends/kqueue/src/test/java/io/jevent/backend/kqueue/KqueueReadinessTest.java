package io.jevent.backend.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Platform;
import io.jevent.Ev;
import io.jevent.EventConfig;
import io.jevent.backend.posix.ReadyRecorder;
import io.jevent.spi.Backend;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kqueue readiness SPI directly, on real sockets: the changelist that reaches the kernel in the waiting call,
 * filters re-added when their {@code EV_CLEAR} changes, a failed change delivered to its own handle, and handles held
 * until their changes are applied.
 */
class KqueueReadinessTest {
    private static final Backend KQUEUE = new KqueueBackend();

    private Readiness readiness;
    private NetOps ops;
    private final ReadyRecorder rec = new ReadyRecorder();
    private final List<Handle> opened = new ArrayList<>();

    @BeforeEach
    void open() throws IOException {
        assumeTrue(KQUEUE.isAvailable(), () -> "[kqueue] unavailable: " + KQUEUE.unavailabilityCause());
        readiness = KQUEUE.open(new EventConfig());
        ops = KQUEUE.netOps();
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

    private Handle[] pair() throws IOException {
        Handle[] p = ops.socketPair();
        opened.add(p[0]);
        opened.add(p[1]);
        return p;
    }

    private void send(Handle h, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(n);
        assertEquals(n, ops.write(h, new ByteBuffer[] {b}, 0, 1));
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
    void shouldReportEdgeOncePerArrival() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 2, 0, Ev.READ | Ev.ET);
        send(p[1], 1);
        rec.pollUntil(readiness, "first edge", () -> rec.total > 0);
        assertEquals(Ev.READ, rec.bits[2]);
        rec.clear();
        assertEquals(0, rec.pollNow(readiness), "unread data, no new edge: nothing");
        send(p[1], 1);
        rec.pollUntil(readiness, "second edge", () -> rec.total > 0);
        assertEquals(1, rec.reports[2]);
    }

    @Test
    void shouldReportUnreadDataAgainOnceEdgeTriggeringIsTurnedOff() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 2, 0, Ev.READ | Ev.ET);
        send(p[1], 1);
        rec.pollUntil(readiness, "edge", () -> rec.total > 0);
        rec.clear();
        assertEquals(0, rec.pollNow(readiness));
        // EV_CLEAR is fixed when a filter is added: the change must delete and add it again to take effect
        readiness.update(p[0], 2, Ev.READ | Ev.ET, Ev.READ);
        rec.pollUntil(readiness, "level", () -> rec.total > 0);
        rec.clear();
        assertEquals(1, rec.pollNow(readiness), "level-triggered: unread data is reported on every poll");
        assertEquals(Ev.READ, rec.bits[2]);
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

    @Test
    void shouldWakeAPollFromAnotherThreadOncePerBurst() throws Exception {
        CountDownLatch aboutToPoll = new CountDownLatch(1);
        Thread waker = new Thread(() -> {
            try {
                aboutToPoll.await();
            } catch (InterruptedException e) {
                return;
            }
            for (int i = 0; i < 100; i++) {
                readiness.wakeup();
            }
        });
        waker.start();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            aboutToPoll.countDown();
            assertEquals(0, readiness.poll(-1, rec), "a wake-up reports no handle");
        });
        waker.join();
        assertEquals(0, rec.pollNow(readiness));
        readiness.wakeup();
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> readiness.poll(-1, rec));
    }

    @Test
    void shouldNotAllocateWhilePollingAndUpdating() throws IOException {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Handle[] a = pair();
        Handle[] b = pair();
        readiness.update(a[0], 1, 0, Ev.WRITE);
        readiness.update(b[0], 2, 0, Ev.WRITE);
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                rec.total = 0;
                readiness.update(b[0], 2, Ev.WRITE, Ev.READ | Ev.WRITE);
                readiness.wakeup();
                readiness.poll(0, rec);
                readiness.update(b[0], 2, Ev.READ | Ev.WRITE, Ev.WRITE);
                readiness.poll(0, rec);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (allocated < 4096) {
                return;
            }
            if (round == 2) {
                throw new AssertionError("20,000 update/wakeup/poll rounds allocated " + allocated + " bytes");
            }
        }
    }
}
