package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BufferEvent#setTimeouts} while a timeout is armed: the connection's timer moves from one common-timeout
 * FIFO to another, and the connections left on either FIFO must keep their own timeouts.
 */
public abstract class TimeoutMoveConformance extends BevTestSupport {

    @Test
    void shouldMoveArmedReadTimeoutToNewDurationWithoutDisturbingOthers() throws IOException {
        EventBase base = newBase();
        Listener[] la = new Listener[1];
        Listener[] lb = new Listener[1];
        Listener[] lc = new Listener[1];
        SocketBufferEvent[] a = tcpPair(base, la);
        SocketBufferEvent[] b = tcpPair(base, lb);
        SocketBufferEvent[] c = tcpPair(base, lc);
        for (Listener l : List.of(la[0], lb[0], lc[0])) {
            l.close(); // the pairs are connected; nothing else may keep the loop alive
        }
        List<String> timeouts = new ArrayList<>();
        long[] armedAt = {0};
        long[] at = new long[3];
        String[] names = {"a", "b", "c"};
        SocketBufferEvent[] clients = {a[0], b[0], c[0]};
        for (int i = 0; i < 3; i++) {
            int id = i;
            clients[i].setCallbacks(null, null, (bev, reasons, cause) -> {
                assertEquals(BevEvent.READING | BevEvent.TIMEOUT, reasons, BevEvent.toString(reasons));
                at[id] = System.nanoTime();
                timeouts.add(names[id]);
            });
        }
        // a and b wait on the 200 ms FIFO (a at its head), c on the 100 ms one
        a[0].setTimeouts(Duration.ofMillis(200), null);
        b[0].setTimeouts(Duration.ofMillis(200), null);
        c[0].setTimeouts(Duration.ofMillis(100), null);
        armedAt[0] = System.nanoTime();
        for (SocketBufferEvent client : clients) {
            client.enable(Ev.READ);
        }
        // then a moves, armed, to the 100 ms FIFO, behind c
        a[0].setTimeouts(Duration.ofMillis(100), null);
        base.newTimer((ev, w) -> {
            for (SocketBufferEvent[] p : List.of(a, b, c)) {
                p[0].close();
                p[1].close();
            }
        }).add(Duration.ofSeconds(1));
        loopWithin(base, 0, Duration.ofSeconds(30));
        // c and a share the 100 ms FIFO and expire in its order; b's later deadline comes last
        assertEquals(List.of("c", "a", "b"), timeouts, "each connection times out exactly once");
        assertTrue(at[0] - armedAt[0] >= 100_000_000L, "a timed out early");
        assertTrue(at[1] - armedAt[0] >= 200_000_000L, "b timed out early");
        assertTrue(at[2] - armedAt[0] >= 100_000_000L, "c timed out early");
    }
}
