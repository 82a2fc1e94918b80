package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.conformance.Descriptors;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket BufferEvent whose descriptor is closed underneath it while another connection receives the same
 * number: nothing of the first may reach the second (no byte written into it, no close, no shared registration).
 */
public abstract class DescriptorReuseConformance extends BevTestSupport {

    /** Reasons and causes given to a BufferEvent's event callback. */
    private static final class Events {
        final List<Integer> reasons = new ArrayList<>();
        final List<Throwable> causes = new ArrayList<>();

        void record(BufferEvent b, int r, Throwable cause) {
            reasons.add(r);
            causes.add(cause);
        }
    }

    private void write(Handle h, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
        while (b.hasRemaining()) {
            netOps().write(h, new ByteBuffer[] {b}, 0, 1);
        }
    }

    /**
     * A BufferEvent reading from the first end of a new pair, registered with the backend, whose descriptor is
     * then closed underneath it; {@code out[0]} becomes a new pair holding the dead descriptor's number.
     */
    private SocketBufferEvent closedUnderneath(EventBase base, Events events, Handle[][] out) throws IOException {
        Handle[] a = socketPair();
        SocketBufferEvent bev = SocketBufferEvent.create(base, a[0], BevOption.CLOSE_ON_FREE);
        bev.setCallbacks(null, null, events::record);
        bev.enable(Ev.READ);
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // READ is registered with the backend
        netOps().close(a[0]); // behind the BufferEvent's back
        if (base.completionEngine() == null) {
            out[0] = Descriptors.reusingNumberOf(a[0], socketPair());
        } else {
            // a completion engine keeps the number while an operation is posted on it (the read): no new socket can
            // take it, and the rest of the test checks the stale BufferEvent leaves the new pair alone all the same
            out[0] = socketPair();
            int dead = ((io.jevent.spi.FdHandle) a[0]).fd();
            for (Handle h : out[0]) {
                assertTrue(((io.jevent.spi.FdHandle) h).fd() != dead, "fd " + dead + " was reused while a read was"
                        + " posted on it");
            }
        }
        return bev;
    }

    /** The peer gets exactly {@code marker} when it is sent on the reusing socket: nothing was slipped in before. */
    private void assertOnlyMarkerArrives(Handle reusing, Handle peer) throws IOException {
        write(reusing, "marker");
        assertEquals("marker", Descriptors.readUpTo(netOps(), peer, 6),
                "the first bytes on the connection that reused the number");
        assertEquals(NetOps.WOULD_BLOCK, netOps().read(peer, new ByteBuffer[] {ByteBuffer.allocate(1)}, 0, 1),
                "nothing after the marker");
    }

    /** Runs loop passes until {@code done} holds, for at most 5 s. */
    private static void loopUntil(EventBase base, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldNotWriteIntoTheConnectionThatReusedTheDescriptorClosedUnderneath() throws IOException {
        EventBase base = newBase();
        Events events = new Events();
        Handle[][] reused = new Handle[1][];
        SocketBufferEvent bev = closedUnderneath(base, events, reused);

        bev.write("secret of the first connection".getBytes(StandardCharsets.US_ASCII));
        loopUntil(base, () -> events.reasons.contains(BevEvent.WRITING | BevEvent.ERROR));
        assertOnlyMarkerArrives(reused[0][0], reused[0][1]);
        // the write is told; a completion engine, whose posted read also ends, tells the reading side first
        int w = events.reasons.indexOf(BevEvent.WRITING | BevEvent.ERROR);
        assertTrue(w >= 0, "the BufferEvent was not told that its descriptor is gone: " + events.reasons);
        for (int i = 0; i < w; i++) {
            assertEquals(BevEvent.READING | BevEvent.ERROR, (int) events.reasons.get(i), "before the write's error");
        }
        assertTrue(events.causes.get(w) instanceof ClosedChannelException, String.valueOf(events.causes.get(w)));
    }

    @Test
    void shouldNotCloseTheConnectionThatReusedTheDescriptorWhenFreedWithCloseOnFree() throws IOException {
        EventBase base = newBase();
        Handle[][] reused = new Handle[1][];
        SocketBufferEvent bev = closedUnderneath(base, new Events(), reused);
        bev.close(); // CLOSE_ON_FREE: closes its (dead) handle, not the number
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        assertOnlyMarkerArrives(reused[0][0], reused[0][1]);
    }

    @Test
    void shouldServeTheConnectionThatReusedTheDescriptorBesideTheStaleBufferEvent() throws IOException {
        EventBase base = newBase();
        Events staleEvents = new Events();
        Handle[][] reused = new Handle[1][];
        SocketBufferEvent stale = closedUnderneath(base, staleEvents, reused); // keeps reading, never told
        int[] staleReads = {0};
        stale.setCallbacks(b -> staleReads[0]++, null, staleEvents::record);

        SocketBufferEvent fresh = SocketBufferEvent.create(base, reused[0][0], BevOption.CLOSE_ON_FREE);
        StringBuilder got = new StringBuilder();
        fresh.setCallbacks(b -> {
            byte[] buf = new byte[64];
            int n = b.read(buf, 0, buf.length);
            got.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
            if (got.toString().equals("ping")) {
                stale.close(); // forgetting the dead registration must leave the new one alone
                b.write("pong".getBytes(StandardCharsets.US_ASCII));
            } else if (got.toString().equals("pingagain")) {
                b.close();
            }
        }, null, (b, r, cause) -> {
            throw new AssertionError("fresh connection: " + BevEvent.toString(r), cause);
        });
        fresh.enable(Ev.READ);
        write(reused[0][1], "ping");
        loopUntil(base, () -> got.length() >= 4);
        // the pass that read "ping" wrote "pong"; a completion engine posts it then and sends it in the next poll
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        assertEquals("ping", got.toString(), "the new connection on the reused number was not served");
        assertEquals("pong", Descriptors.readUpTo(netOps(), reused[0][1], 4));
        write(reused[0][1], "again");
        loopWithin(base, 0, Duration.ofSeconds(10)); // ends when the fresh BufferEvent closes itself
        assertEquals("pingagain", got.toString());
        assertEquals(0, staleReads[0], "the stale BufferEvent read the new connection's bytes");
        assertTrue(staleEvents.reasons.isEmpty(), "stale events: " + staleEvents.reasons);
    }
}
