package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jevent.Ev;
import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.util.EnumSet;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class PollReadinessTest extends ReadinessContract {
    private static final Backend POLL = new PollBackend();

    @Override
    protected Backend backend() {
        return POLL;
    }

    @Test
    void shouldDescribeItself() {
        assertEquals("poll", POLL.name());
        assertEquals(30, POLL.preference());
        assertEquals(EnumSet.of(Feature.FDS, Feature.EARLY_CLOSE), POLL.features());
    }

    @Test
    void shouldBeFoundThroughServiceLoader() {
        boolean found = ServiceLoader.load(Backend.class).stream().anyMatch(p -> p.type() == PollBackend.class);
        assertEquals(true, found);
    }

    @Test
    void shouldStayLevelTriggeredEvenWhenEtIsAsked() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 2, 0, Ev.READ | Ev.ET);
        send(p[1], 1);
        rec.pollUntil(readiness, "READ", () -> rec.total > 0);
        rec.clear();
        assertEquals(1, rec.pollNow(readiness), "unread data is reported again");
        assertEquals(Ev.READ, rec.bits[2]);
    }
}
