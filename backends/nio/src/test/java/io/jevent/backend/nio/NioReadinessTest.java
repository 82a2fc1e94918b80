package io.jevent.backend.nio;

import static io.jevent.backend.nio.NioTesting.ascii;
import static io.jevent.backend.nio.NioTesting.one;
import static io.jevent.backend.nio.NioTesting.pollUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.Ev;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NioReadinessTest {
    private final NetOps ops = new NioBackend().netOps();
    private final List<Handle> opened = new ArrayList<>();
    private NioReadiness r;

    @BeforeEach
    void openBackend() throws IOException {
        r = NioTesting.open();
    }

    @AfterEach
    void closeAll() throws IOException {
        r.close();
        for (Handle h : opened) {
            ops.close(h);
        }
    }

    private Handle[] pair() throws IOException {
        Handle[] p = ops.socketPair();
        opened.add(p[0]);
        opened.add(p[1]);
        return p;
    }

    private static SelectionKey keyOf(Handle h, NioReadiness r) throws Exception {
        java.lang.reflect.Field f = NioReadiness.class.getDeclaredField("selector");
        f.setAccessible(true);
        return ((ChannelHandle) h).channel().keyFor((Selector) f.get(r));
    }

    @Test
    void shouldReportWritableButNotReadableOnAFreshSocketPair() throws IOException {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(2);
        r.update(p[0], 0, 0, Ev.READ | Ev.WRITE);
        r.update(p[1], 1, 0, Ev.READ);
        pollUntil(r, sink, () -> sink.bits[0] != 0, "p[0] writable");
        assertEquals(Ev.WRITE, sink.bits[0]);
        sink.clear();
        assertEquals(1, r.poll(0, sink), "level-triggered: still writable, nothing readable");
        assertEquals(Ev.WRITE, sink.bits[0]);
        assertEquals(0, sink.bits[1]);
    }

    @Test
    void shouldReportReadableWhilePeerDataIsUnreadAndStopAfterDraining() throws IOException {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(1);
        r.update(p[1], 0, 0, Ev.READ);
        ops.write(p[0], one(ascii("ping")), 0, 1);
        pollUntil(r, sink, () -> sink.bits[0] == Ev.READ, "p[1] readable");
        sink.clear();
        assertEquals(1, r.poll(0, sink), "level-triggered: reported again until read");
        assertEquals(4, ops.read(p[1], one(ByteBuffer.allocate(16)), 0, 1));
        sink.clear();
        assertEquals(0, r.poll(0, sink), "drained: no longer readable");
    }

    @Test
    void shouldReportReadableAtPeerCloseSoTheReadSeesEndOfStream() throws IOException {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(1);
        r.update(p[1], 0, 0, Ev.READ | Ev.CLOSED);
        ops.close(p[0]);
        pollUntil(r, sink, () -> sink.bits[0] != 0, "p[1] readable at peer close");
        assertEquals(Ev.READ, sink.bits[0], "CLOSED is never reported by nio; READ is");
        assertEquals(0, ops.read(p[1], one(ByteBuffer.allocate(1)), 0, 1));
    }

    @Test
    void shouldReportWritableAfterConnectAndKeepReportingItAfterFinishConnect() throws IOException {
        Handle listener = ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true, false);
        opened.add(listener);
        Handle client = ops.connect(ops.localAddress(listener));
        opened.add(client);
        RecordingSink sink = new RecordingSink(2);
        r.update(client, 0, 0, Ev.WRITE);
        r.update(listener, 1, 0, Ev.READ);
        pollUntil(r, sink, () -> sink.bits[0] == Ev.WRITE, "the connect to complete");
        assertTrue(ops.finishConnect(client));
        // The interest is unchanged, so the base does not call update again: WRITE must keep firing.
        sink.clear();
        pollUntil(r, sink, () -> sink.bits[0] == Ev.WRITE && sink.bits[1] == Ev.READ,
                "writable after finishConnect, and the listener readable");
        Handle accepted = ops.accept(listener);
        opened.add(accepted);
        assertTrue(accepted != null);
    }

    @Test
    void shouldAddModifyRemoveAndReAddInOneIterationWithoutCancelledKeyException() throws Exception {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(8);
        ops.write(p[1], one(ascii("x")), 0, 1); // p[0] is readable and writable from now on
        r.update(p[0], 0, 0, Ev.READ);
        r.update(p[0], 0, Ev.READ, Ev.WRITE);
        r.update(p[0], 0, Ev.WRITE, 0);
        r.update(p[0], 3, 0, Ev.READ | Ev.WRITE);
        pollUntil(r, sink, () -> sink.bits[3] == (Ev.READ | Ev.WRITE), "both bits under the new token");
        assertEquals(0, sink.calls[0], "the old token is never reported");

        SelectionKey key = keyOf(p[0], r);
        r.update(p[0], 3, Ev.READ | Ev.WRITE, 0);
        sink.clear();
        assertEquals(0, r.poll(0, sink), "removed: nothing reported though still ready");
        assertTrue(key.isValid(), "removal keeps the key");
        r.update(p[0], 5, 0, Ev.READ);
        assertSame(key, keyOf(p[0], r), "re-add reuses the key and its attachment");
        sink.clear();
        assertEquals(1, r.poll(0, sink));
        assertEquals(Ev.READ, sink.bits[5]);
    }

    @Test
    void shouldReportNothingForAChannelClosedAfterRemoveAndRefuseToReAddIt() throws Exception {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(2);
        r.update(p[0], 0, 0, Ev.READ | Ev.WRITE);
        r.update(p[1], 1, 0, Ev.READ);
        assertEquals(1, r.poll(0, sink));
        r.update(p[0], 0, Ev.READ | Ev.WRITE, 0);
        ops.close(p[0]);
        sink.clear();
        pollUntil(r, sink, () -> sink.bits[1] == Ev.READ, "the peer to see the close");
        assertEquals(0, sink.calls[0], "a closed channel is never reported");
        assertEquals(null, keyOf(p[0], r), "the selector dropped the dead key");
        r.update(p[0], 0, 0, 0); // removing it again is a no-op
        assertThrows(ClosedChannelException.class, () -> r.update(p[0], 0, 0, Ev.READ));
    }

    @Test
    void shouldReportNothingForAChannelClosedWhileStillRegistered() throws IOException {
        Handle[] p = pair();
        RecordingSink sink = new RecordingSink(2);
        r.update(p[0], 0, 0, Ev.READ | Ev.WRITE);
        r.update(p[1], 1, 0, Ev.READ);
        ops.close(p[0]);
        pollUntil(r, sink, () -> sink.bits[1] == Ev.READ, "the peer to see the close");
        assertEquals(0, sink.calls[0], "as epoll: a closed channel silently leaves the interest set");
        r.update(p[0], 0, Ev.READ | Ev.WRITE, 0);
        assertThrows(ClosedChannelException.class, () -> r.update(p[0], 0, 0, Ev.WRITE));
    }

    @Test
    void shouldMapListenerReadToAcceptAndIgnoreWriteEtAndClosedBits() throws Exception {
        Handle listener = ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true, false);
        opened.add(listener);
        r.update(listener, 0, 0, Ev.READ | Ev.WRITE | Ev.ET | Ev.CLOSED);
        assertEquals(SelectionKey.OP_ACCEPT, keyOf(listener, r).interestOps());
        Handle[] p = pair();
        r.update(p[0], 1, 0, Ev.READ | Ev.ET | Ev.CLOSED);
        assertEquals(SelectionKey.OP_READ, keyOf(p[0], r).interestOps());
        r.update(p[0], 1, Ev.READ, Ev.CLOSED);
        assertEquals(0, keyOf(p[0], r).interestOps(), "CLOSED alone watches nothing on nio");
    }

    @Test
    void shouldPutABlockingChannelInNonBlockingModeOnRegistration() throws IOException {
        SocketChannel blocking = SocketChannel.open();
        Handle h = new ChannelHandle(blocking);
        opened.add(h);
        assertTrue(blocking.isBlocking());
        r.update(h, 0, 0, Ev.READ);
        assertFalse(blocking.isBlocking());
    }

    @Test
    void shouldRejectFdHandleAndNegativeTokenWithAHelpfulMessage() throws IOException {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.update(new FdHandle(5), 0, 0, Ev.READ));
        assertEquals("the nio backend works on ChannelHandle (SelectableChannel); got fd 5: create handles with"
                + " this backend's NetOps or choose a native backend", e.getMessage());
        Handle[] p = pair();
        e = assertThrows(IllegalArgumentException.class, () -> r.update(p[0], -1, 0, Ev.READ));
        assertEquals("expected a token >= 0, got -1", e.getMessage());
    }

    @Test
    void shouldWakeABlockingPollFromAnotherThread() throws Exception {
        ExecutorService poller = Executors.newSingleThreadExecutor();
        try {
            Thread[] pollThread = new Thread[1];
            CountDownLatch started = new CountDownLatch(1);
            Future<Integer> polled = poller.submit(() -> {
                pollThread[0] = Thread.currentThread();
                started.countDown();
                return r.poll(-1, new RecordingSink(1));
            });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            awaitBlockedInSelect(pollThread[0]);
            assertFalse(polled.isDone(), "nothing is registered: poll(-1) must block");
            r.wakeup();
            assertEquals(0, polled.get(5, TimeUnit.SECONDS), "a wakeup reports no handle");
        } finally {
            poller.shutdownNow();
        }
    }

    /** Waits, bounded, until the thread's stack shows it inside the selector's wait. */
    private static void awaitBlockedInSelect(Thread t) {
        long end = System.nanoTime() + NioTesting.DEADLINE_NANOS;
        while (System.nanoTime() - end < 0) {
            for (StackTraceElement e : t.getStackTrace()) {
                if (e.getMethodName().equals("doSelect")) {
                    return;
                }
            }
            Thread.yield();
        }
        throw new AssertionError("the poll thread never entered the selector: " + t.getState());
    }

    @Test
    void shouldWaitItsTimeoutAndKeepTheInterruptStatusWhenTheLoopThreadIsInterrupted() throws IOException {
        Thread.currentThread().interrupt();
        try {
            long start = System.nanoTime();
            assertEquals(0, r.poll(TimeUnit.MILLISECONDS.toNanos(50), new RecordingSink(1)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50),
                    "an interrupted thread's poll returned before its timeout (a loop would spin)");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller to see");
            r.wakeup();
            assertEquals(0, r.poll(-1, new RecordingSink(1)), "a wakeup still ends an interrupted thread's poll");
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller to see");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void shouldCoalesceABurstOfWakeupsIntoOneSelectorWakeup() throws Exception {
        int threads = 4;
        int each = 10_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                done.add(pool.submit(() -> {
                    go.await();
                    for (int j = 0; j < each; j++) {
                        r.wakeup();
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get(5, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, r.selectorWakeups(), "40,000 wakeups before a poll cost one Selector.wakeup()");
        assertEquals(0, r.poll(-1, new RecordingSink(1)), "the pending wakeup makes poll(-1) return at once");
        r.wakeup();
        r.wakeup();
        assertEquals(2, r.selectorWakeups(), "after a poll, the next wakeup wakes the selector again");
        long t0 = System.nanoTime();
        assertEquals(0, r.poll(-1, new RecordingSink(1)));
        assertTrue(System.nanoTime() - t0 < NioTesting.DEADLINE_NANOS);
        long t1 = System.nanoTime();
        assertEquals(0, r.poll(20_000_000L, new RecordingSink(1)), "no wakeup is left over");
        assertTrue(System.nanoTime() - t1 >= 19_000_000L, "the timed poll waited instead of returning early");
    }

    @Test
    void shouldRoundTimeoutsUpToWholeMilliseconds() throws IOException {
        assertEquals(1, NioReadiness.toMillisRoundingUp(1));
        assertEquals(1, NioReadiness.toMillisRoundingUp(1_000_000));
        assertEquals(2, NioReadiness.toMillisRoundingUp(1_000_001));
        assertEquals(Long.MAX_VALUE / 1_000_000 + 1, NioReadiness.toMillisRoundingUp(Long.MAX_VALUE));
        long t0 = System.nanoTime();
        assertEquals(0, r.poll(1, new RecordingSink(1)));
        assertTrue(System.nanoTime() - t0 >= 1_000_000L, "a 1 ns timeout waits 1 ms, not selectNow");
    }

    @Test
    void shouldKeepPollingAfterASinkThrowsAndRefuseReentrantPoll() throws IOException {
        Handle[] p = pair();
        r.update(p[0], 0, 0, Ev.WRITE);
        IllegalStateException boom = new IllegalStateException("boom");
        assertSame(boom, assertThrows(IllegalStateException.class, () -> r.poll(0, (t, b) -> {
            throw boom;
        })));
        RecordingSink sink = new RecordingSink(1);
        assertEquals(1, r.poll(0, sink), "the level-triggered handle is reported again");
        IllegalStateException reentry = assertThrows(IllegalStateException.class,
                () -> r.poll(0, (t, b) -> {
                    try {
                        r.poll(0, sink);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }));
        assertTrue(reentry.getMessage().contains("re-entrant"), reentry.getMessage());
    }

    @Test
    void shouldCloseIdempotentlyAndThenRefusePollButToleratewakeup() throws IOException {
        Handle[] p = pair();
        r.update(p[0], 0, 0, Ev.READ);
        r.close();
        r.close();
        r.wakeup();
        assertTrue(((ChannelHandle) p[0]).channel().isOpen(), "closing the backend leaves channels open");
        assertThrows(IllegalStateException.class, () -> r.poll(0, new RecordingSink(1)));
        assertThrows(IllegalStateException.class, () -> r.update(p[0], 0, 0, Ev.READ));
    }

    @Test
    void shouldReportEveryOneOfAThousandHandles() throws IOException {
        int pairs = 500;
        Handle[][] ps = new Handle[pairs][];
        for (int i = 0; i < pairs; i++) {
            ps[i] = pair();
            r.update(ps[i][0], 2 * i, 0, Ev.WRITE);
            r.update(ps[i][1], 2 * i + 1, 0, Ev.READ);
        }
        RecordingSink sink = new RecordingSink(2 * pairs);
        pollUntil(r, sink, () -> sink.reportedTokens() == pairs, "all writers writable");
        for (int i = 0; i < pairs; i++) {
            assertEquals(Ev.WRITE, sink.bits[2 * i], "token " + 2 * i);
            assertEquals(0, sink.calls[2 * i + 1], "token " + (2 * i + 1) + " has nothing to read yet");
        }
        for (int i = 0; i < pairs; i++) {
            r.update(ps[i][0], 2 * i, Ev.WRITE, 0);
            ops.write(ps[i][0], one(ascii("x")), 0, 1);
        }
        sink.clear();
        pollUntil(r, sink, () -> sink.reportedTokens() == pairs, "all readers readable");
        for (int i = 0; i < pairs; i++) {
            assertEquals(0, sink.calls[2 * i], "token " + 2 * i + " was removed");
            assertEquals(Ev.READ, sink.bits[2 * i + 1], "token " + (2 * i + 1));
        }
        sink.clear();
        assertEquals(pairs, r.poll(0, sink), "one poll reports all 500 still-readable handles");
        for (int i = 0; i < pairs; i++) {
            assertEquals(1, sink.calls[2 * i + 1], "reported once per poll: token " + (2 * i + 1));
        }
    }
}
