package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jevent.Ev;
import io.jevent.spi.Handle;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * A readiness backend reports the right handles among many, with a changelist of a thousand entries in one pass and
 * removals in between. Implemented by a {@link ReadinessFixture}: every readiness backend's test.
 */
public interface ManyHandlesContract {
    /** The opened backend (a {@link ReadinessFixture} answers itself). */
    ReadinessFixture fixture();

    @Test
    default void shouldReportManyHandles() throws IOException {
        ReadinessFixture f = fixture();
        ReadyRecorder rec = f.rec;
        int n = 1000;
        Handle[][] pairs = new Handle[n][];
        for (int i = 0; i < n; i++) {
            pairs[i] = f.pair();
            f.readiness.update(pairs[i][0], i, 0, Ev.READ);
        }
        for (int i = 0; i < n; i += 2) {
            f.send(pairs[i][1], 1);
        }
        rec.pollUntil(f.readiness, "the even half", () -> count(rec, n) == n / 2);
        for (int i = 0; i < n; i++) {
            assertEquals(i % 2 == 0 ? Ev.READ : 0, rec.bits[i], "token " + i);
        }
        for (int i = 0; i < n; i += 4) {
            f.readiness.update(pairs[i][0], i, Ev.READ, 0);
        }
        for (int i = 1; i < n; i += 2) {
            f.send(pairs[i][1], 1);
        }
        rec.clear().pollUntil(f.readiness, "all but every fourth", () -> count(rec, n) == n - n / 4);
        for (int i = 0; i < n; i++) {
            assertEquals(i % 4 == 0 ? 0 : Ev.READ, rec.bits[i], "token " + i);
        }
    }

    private static int count(ReadyRecorder rec, int n) {
        int c = 0;
        for (int i = 0; i < n; i++) {
            if (rec.bits[i] != 0) {
                c++;
            }
        }
        return c;
    }
}
