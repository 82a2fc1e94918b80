package io.jevent.backend.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.Ev;
import io.jevent.backend.posix.EdgeTriggeredContract;
import io.jevent.backend.posix.ReadinessContract;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.util.EnumSet;
import java.util.ServiceLoader;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The readiness contract on epoll, plus what is particular to epoll: EEXIST on add, a growing events array. */
class EpollReadinessTest extends ReadinessContract implements EdgeTriggeredContract {
    private static final Backend EPOLL = new EpollBackend();

    @Override
    protected Backend backend() {
        return EPOLL;
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("epoll", EPOLL.name());
        assertEquals(10, EPOLL.preference());
        assertEquals(EnumSet.of(Feature.ET, Feature.O1, Feature.EARLY_CLOSE), EPOLL.features());
    }

    @Test
    void shouldBeFoundThroughServiceLoaderBeforePoll() {
        String names = ServiceLoader.load(Backend.class).stream().map(ServiceLoader.Provider::get)
                .sorted(java.util.Comparator.comparingInt(Backend::preference))
                .map(Backend::name).collect(Collectors.joining(","));
        assertTrue(names.startsWith("epoll,") && names.contains("poll"), names);
    }

    @Test
    void shouldIgnoreDeletingDescriptorClosedWhileRegistered() throws IOException {
        Handle[] p = ops.socketPair();
        track(p[1]);
        readiness.update(p[0], 1, 0, Ev.READ);
        ops.close(p[0]);
        readiness.update(p[0], 1, Ev.READ, 0); // EBADF from DEL: ignored
        assertEquals(0, rec.pollNow(readiness));
    }

    @Test
    void shouldRecoverWhenAddFindsDescriptorAlreadyRegistered() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 1, 0, Ev.READ);
        readiness.update(p[0], 1, 0, Ev.WRITE); // base thought it was not registered: ADD -> EEXIST -> MOD
        rec.pollUntil(readiness, "WRITE", () -> rec.total > 0);
        assertEquals(Ev.WRITE, rec.bits[1]);
    }

    @Test
    void shouldGrowEventsArrayWhenAWaitFillsIt() throws IOException {
        EpollReadiness r = (EpollReadiness) readiness;
        int initial = r.eventsCapacity();
        for (int i = 0; i < initial * 2; i++) {
            readiness.update(pair()[0], i, 0, Ev.WRITE);
        }
        rec.pollUntil(readiness, "all writable", () -> {
            for (int i = 0; i < initial * 2; i++) {
                if (rec.bits[i] == 0) {
                    return false;
                }
            }
            return true;
        });
        assertTrue(r.eventsCapacity() > initial, "capacity " + r.eventsCapacity());
    }
}
