package io.jevent.backend.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.Ev;
import io.jevent.backend.posix.EdgeTriggeredContract;
import io.jevent.backend.posix.ReadinessContract;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The readiness contract on io_uring, plus what is particular to poll requests in a ring. */
class UringReadinessTest extends ReadinessContract implements EdgeTriggeredContract {
    private static final Backend URING = new UringBackend();

    @Override
    protected Backend backend() {
        return URING;
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("uring", URING.name());
        assertEquals(20, URING.preference());
        assertEquals(EnumSet.of(Feature.ET, Feature.O1, Feature.FDS, Feature.EARLY_CLOSE, Feature.COMPLETIONS),
                URING.features());
    }

    @Test
    void shouldBeFoundThroughServiceLoaderAfterEpoll() {
        String names = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparingInt(Backend::preference))
                .map(Backend::name).collect(Collectors.joining(","));
        assertTrue(names.startsWith("epoll,uring,"), names);
    }

    @Test
    void shouldNeverReportAHandleClosedWhileRegisteredAndLetThePeerSeeEof() throws IOException {
        Handle[] p = ops.socketPair();
        track(p[1]);
        readiness.update(p[0], 1, 0, Ev.READ);
        assertEquals(0, rec.pollNow(readiness)); // the poll is armed in the kernel now, holding the socket
        ops.close(p[0]);
        long n = ops.read(p[1], new ByteBuffer[] {ByteBuffer.allocateDirect(8)}, 0, 1);
        assertEquals(0, n, "the close released the socket at once, poll or no poll: the peer reads end of stream");
        assertEquals(0, rec.pollNow(readiness), "a closed handle is never reported");
    }

    @Test
    void shouldDropCompletionsOfAReplacedRegistration() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 3, 0, Ev.READ);
        send(p[1], 1);
        // the READ poll may complete in this very enter; the change replaces it before its completion is seen
        readiness.update(p[0], 3, Ev.READ, Ev.WRITE);
        rec.pollUntil(readiness, "WRITE", () -> rec.total > 0);
        assertEquals(Ev.WRITE, rec.bits[3], "only the new interest is reported");
    }

    @Test
    void shouldWatchAPipeAsFdsPromises() throws IOException {
        ByteBuffer fds = io.jevent.backend.posix.internal.NativeMemory.allocate(8);
        assertEquals(0, io.jevent.backend.posix.internal.LibC.pipe2(
                io.jevent.backend.posix.internal.NativeMemory.address(fds), io.jevent.backend.posix.internal.LibC.O_NONBLOCK
                        | io.jevent.backend.posix.internal.LibC.O_CLOEXEC));
        Handle in = track(new io.jevent.spi.FdHandle(fds.getInt(0)));
        Handle out = track(new io.jevent.spi.FdHandle(fds.getInt(4)));
        readiness.update(in, 5, 0, Ev.READ);
        assertEquals(0, rec.pollNow(readiness));
        send(out, 3);
        rec.pollUntil(readiness, "pipe readable", () -> rec.total > 0);
        assertEquals(Ev.READ, rec.bits[5]);
    }

    @Test
    void shouldWaitInOneEnterPerPoll() throws IOException {
        UringReadiness r = (UringReadiness) readiness;
        Handle[] p = pair();
        readiness.update(p[0], 1, 0, Ev.READ);
        rec.pollNow(readiness); // first poll arms the waker too
        send(p[1], 1);
        rec.pollUntil(readiness, "READ", () -> rec.total > 0);
        rec.clear();
        long before = r.enterCount();
        readiness.poll(1_000_000_000L, rec); // re-arm + report in the same enter: still readable
        assertEquals(1, r.enterCount() - before, "submission and wait in one io_uring_enter");
        assertEquals(1, rec.total);
    }
}
