package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Futures the user gives up on: cancelled ({@code cancel(true)}), timed out ({@code orTimeout}) or asked in great
 * numbers and dropped. Cancelling a future only removes that listener: the connection goes on as if it had never
 * been asked (the connect proceeds, the bytes are sent), other askers' futures are untouched, and the BufferEvent
 * keeps nothing for futures that are already done. Over real loopback sockets, with the bytes read back.
 */
public abstract class FuturesAbandonConformance extends BevTestSupport {

    /** A connected pair whose reading end reads nothing until told: the writer's output backs up. */
    private SocketBufferEvent[] slowReaderPair(EventBase base) throws IOException {
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        keep[0].close();
        SocketBuffers.shrinkSend(p[0].handle(), 64 << 10);
        SocketBuffers.shrinkReceive(p[1].handle(), 64 << 10);
        return p;
    }

    /** Reads everything {@code reader} gets until {@code n} bytes have come. */
    private static byte[] readAll(EventBase base, SocketBufferEvent reader, int n) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        reader.setCallbacks(b -> got.writeBytes(SocketBufferEventConformance.drainAll(b)), null, null);
        reader.enable(Ev.READ);
        loopUntil(base, () -> got.size() >= n, "the peer read " + n + " bytes (has " + got.size() + ")");
        return got.toByteArray();
    }

    @Test
    void shouldKeepTheCloseFutureOfOtherAskersWhenOneCancelsOrTimesOutItsOwn() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        keep[0].close();
        List<CompletableFuture<Void>> asked = new ArrayList<>();
        base.execute(() -> { // on the running loop, where the close future is kept by the BufferEvent
            CompletableFuture<Void> cancelled = p[0].closeFuture();
            CompletableFuture<Void> timedOut = p[0].closeFuture();
            cancelled.cancel(true); // "I no longer care"
            timedOut.orTimeout(1, TimeUnit.NANOSECONDS); // a bounded wait that ran out
            asked.add(cancelled);
            asked.add(timedOut);
        });
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        loopUntil(base, () -> asked.size() == 2 && asked.get(1).isDone(), "the orTimeout");
        List<CompletableFuture<Void>> later = new ArrayList<>();
        base.execute(() -> later.add(p[0].closeFuture()));
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        assertEquals(1, later.size());
        assertFalse(later.get(0).isDone(), "the BufferEvent is open, yet the close future of a later asker is done: "
                + later.get(0));
        base.execute(p[0]::close);
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        assertTrue(later.get(0).isDone());
        assertNull(later.get(0).join(), "the close future never completes exceptionally");
        assertThrows(CancellationException.class, asked.get(0)::join); // the asker's own, as it left it
        p[1].close();
    }

    @Test
    void shouldKeepNothingForCloseFuturesTheUserCancelled() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep, BevOption.THREADSAFE);
        keep[0].close();
        int asks = 100_000;
        base.execute(() -> { // on the loop: a "closed yet?" poll with a bounded wait, on a long-lived connection
            for (int i = 0; i < asks; i++) {
                p[0].closeFuture().cancel(true);
            }
        });
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        Thread other = new Thread(() -> { // and from another thread, where each ask is handed to the loop
            for (int i = 0; i < asks; i++) {
                p[0].closeFuture().cancel(true);
            }
        });
        other.start();
        other.join(20_000);
        List<CompletableFuture<Void>> kept = new ArrayList<>();
        base.execute(() -> kept.add(p[0].closeFuture())); // behind the other thread's asks, run in batches
        loopUntil(base, () -> !kept.isEmpty(), "the asks handed to the loop");
        int dependents = p[0].futures().closeFuture().getNumberOfDependents();
        assertTrue(dependents <= 2, dependents + " stages hang on the close for " + 2 * asks
                + " close futures the user cancelled and one pending");
        int held = p[0].futures().closeWaitersHeld(); // HELD
        assertTrue(held <= 64, held + " close futures held for " + 2 * asks + " the user cancelled"); // HELD
        assertFalse(kept.get(0).isDone());
        base.execute(p[0]::close);
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        assertNull(kept.get(0).join());
        p[1].close();
    }

    @Test
    void shouldGoOnConnectingWhenTheUserCancelsTheConnectFuture() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        ByteArrayOutputStream echoed = new ByteArrayOutputStream();
        c.setCallbacks(b -> echoed.writeBytes(SocketBufferEventConformance.drainAll(b)), null,
                (b, reasons, cause) -> events.add(BevEvent.toString(reasons)));
        CompletableFuture<Void> f = c.connect(server.localAddress());
        assertTrue(f.cancel(true), "a pending connect future can be cancelled");
        byte[] hello = data(21, 5000);
        c.write(hello); // written before the connect finished: sent after it
        c.enable(Ev.READ);
        loopUntil(base, () -> echoed.size() >= hello.length, "the echo after a cancelled connect future");
        assertEquals(List.of("CONNECTED"), events, "the callback still gets the connect's outcome");
        assertArrayEquals(hello, echoed.toByteArray());
        assertFalse(c.isClosed(), "cancelling the future does not close the BufferEvent");
        c.close();
        server.close();
    }

    @Test
    void shouldSendTheBytesOfACancelledDrainAndCompleteALaterOne() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base);
        byte[] data = data(22, 2 << 20);
        p[0].write(data);
        CompletableFuture<Void> first = p[0].outputDrained();
        for (int i = 0; i < 5; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertFalse(first.isDone());
        assertTrue(first.cancel(true));
        CompletableFuture<Void> second = p[0].outputDrained();
        assertArrayEquals(data, readAll(base, p[1], data.length), "the bytes of a cancelled drain are sent all");
        loopUntil(base, second::isDone, "the later drain");
        assertNull(second.join());
        p[0].close();
        p[1].close();
    }

    @Test
    void shouldKeepNothingForDrainsTheUserCancelledOrTimedOut() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base);
        byte[] data = data(23, 1 << 20);
        p[0].write(data);
        for (int i = 0; i < 5; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertTrue(p[0].output().length() > 0, "the peer reads nothing: bytes must wait in the output");
        // a health check polling "drained yet?" with a bounded wait, against a peer that never reads
        int asks = 100_000;
        for (int i = 0; i < asks; i++) {
            CompletableFuture<Void> f = p[0].outputDrained();
            if ((i & 1) == 0) {
                f.cancel(true);
            } else {
                f.completeExceptionally(new java.util.concurrent.TimeoutException("gave up")); // as orTimeout does
            }
        }
        CompletableFuture<Void> kept = p[0].outputDrained();
        int held = p[0].futures().drainsHeld();
        assertTrue(held <= 64, held + " drains held for " + asks + " futures the user gave up on and one pending");
        assertArrayEquals(data, readAll(base, p[1], data.length));
        loopUntil(base, kept::isDone, "the drain still pending");
        assertNull(kept.join());
        assertEquals(0, p[0].futures().drainsHeld());
        p[0].close();
        p[1].close();
    }
}
