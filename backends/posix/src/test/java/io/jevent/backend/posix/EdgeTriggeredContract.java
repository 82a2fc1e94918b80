package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jevent.Ev;
import io.jevent.spi.Handle;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * What a readiness backend with {@link io.jevent.spi.Feature#ET} promises: {@link Ev#ET} reports each arrival once,
 * without it unread data is reported on every poll, and turning it off on a registered handle takes effect.
 * Implemented by a {@link ReadinessFixture}: the epoll, kqueue and io_uring readiness tests.
 */
public interface EdgeTriggeredContract {
    /** The opened backend (a {@link ReadinessFixture} answers itself). */
    ReadinessFixture fixture();

    @Test
    default void shouldReportEdgeOncePerArrival() throws IOException {
        ReadinessFixture f = fixture();
        ReadyRecorder rec = f.rec;
        Handle[] p = f.pair();
        f.readiness.update(p[0], 2, 0, Ev.READ | Ev.ET);
        f.send(p[1], 1);
        rec.pollUntil(f.readiness, "first edge", () -> rec.total > 0);
        assertEquals(Ev.READ, rec.bits[2]);
        rec.clear();
        assertEquals(0, rec.pollNow(f.readiness), "unread data, no new edge: nothing");
        f.send(p[1], 1);
        rec.pollUntil(f.readiness, "second edge", () -> rec.total > 0);
        assertEquals(1, rec.reports[2]);
        rec.clear();
        assertEquals(0, rec.pollNow(f.readiness));
    }

    @Test
    default void shouldReportLevelAgainWithoutEt() throws IOException {
        ReadinessFixture f = fixture();
        ReadyRecorder rec = f.rec;
        Handle[] p = f.pair();
        f.readiness.update(p[0], 2, 0, Ev.READ);
        f.send(p[1], 1);
        rec.pollUntil(f.readiness, "READ", () -> rec.total > 0);
        rec.clear();
        assertEquals(1, rec.pollNow(f.readiness), "still readable: reported again");
        rec.clear();
        assertEquals(1, rec.pollNow(f.readiness), "and again");
    }

    @Test
    default void shouldReportWritableEdgeOnce() throws IOException {
        ReadinessFixture f = fixture();
        ReadyRecorder rec = f.rec;
        Handle[] p = f.pair();
        f.readiness.update(p[0], 4, 0, Ev.WRITE | Ev.ET);
        rec.pollUntil(f.readiness, "WRITE edge", () -> rec.total > 0);
        assertEquals(Ev.WRITE, rec.bits[4]);
        rec.clear();
        assertEquals(0, rec.pollNow(f.readiness));
    }

    @Test
    default void shouldReportUnreadDataAgainOnceEdgeTriggeringIsTurnedOff() throws IOException {
        ReadinessFixture f = fixture();
        ReadyRecorder rec = f.rec;
        Handle[] p = f.pair();
        f.readiness.update(p[0], 2, 0, Ev.READ | Ev.ET);
        f.send(p[1], 1);
        rec.pollUntil(f.readiness, "edge", () -> rec.total > 0);
        rec.clear();
        assertEquals(0, rec.pollNow(f.readiness));
        // kqueue fixes EV_CLEAR when a filter is added: there the change must delete and add the filter again
        f.readiness.update(p[0], 2, Ev.READ | Ev.ET, Ev.READ);
        rec.pollUntil(f.readiness, "level", () -> rec.total > 0);
        rec.clear();
        assertEquals(1, rec.pollNow(f.readiness), "level-triggered: unread data is reported on every poll");
        assertEquals(Ev.READ, rec.bits[2]);
    }
}
