package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.dns.Resolver;
import io.jevent.LoopFlag;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Lifetimes: off-loop work (a host-name lookup) keeps the loop alive, a BufferEvent closed after its base releases
 * its descriptor, and a producer on another thread sees {@link BufferEvent#isClosed()} and
 * {@link BufferEvent#isWritable()} change.
 */
public abstract class BevLifetimeConformance extends BevTestSupport {

    /** Runs every lookup handed to the resolver only when told to, on a thread of its own. */
    private static final class HeldLookups implements Executor {
        final List<Runnable> held = new CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable lookup) {
            held.add(lookup);
        }

        /** Runs the held lookups (real ones: InetAddress) on a new thread. */
        Thread releaseOnNewThread(AtomicReference<Throwable> failure) {
            Thread t = new Thread(() -> {
                try {
                    held.forEach(Runnable::run);
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "released-lookup");
            t.start();
            return t;
        }
    }

    @Test
    void shouldKeepDispatchRunningWhileAHostNameLookupIsInFlight() throws Exception {
        InetAddress local = InetAddress.getAllByName("localhost")[0];
        HeldLookups lookups = new HeldLookups();
        try (ServerSocket server = new ServerSocket(0, 8, local)) {
            EventBase base = newBase();
            Resolver.setDefault(Resolver.system(base, lookups)); // the JDK's resolver, its lookups held back
            SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            List<String> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, reasons, cause) -> {
                events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
                b.close();
            });
            bev.connectHostname("localhost", server.getLocalPort());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] released = new Thread[1];
            // the lookup runs only after this timer fires; with nothing else pending, dispatch() must wait for it
            base.newTimer((ev, w) -> released[0] = lookups.releaseOnNewThread(failure)).add(Duration.ofMillis(20));
            dispatchWithin(base);
            released[0].join(10_000);
            assertNull(failure.get(), () -> "the lookup thread threw " + failure.get());
            assertEquals(List.of(BevEvent.toString(BevEvent.CONNECTED)), events,
                    "dispatch() returned before the lookup's answer came back");
        }
    }

    @Test
    void shouldDropALookupThatFinishesAfterTheBaseClosed() {
        HeldLookups lookups = new HeldLookups();
        EventBase base = newBase();
        Resolver.setDefault(Resolver.system(base, lookups));
        SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<Integer> events = new ArrayList<>();
        bev.setCallbacks(null, null, (b, reasons, cause) -> events.add(reasons));
        bev.connectHostname("localhost", 9);
        assertEquals(2, lookups.held.size(), "AAAA and A, in parallel");
        base.close();
        // the lookups' thread finishes now (here, on the test thread): the answers go nowhere, nothing throws
        lookups.held.forEach(Runnable::run);
        assertEquals(List.of(), events);
        bev.close();
    }

    /** Reads {@code peer} until end of stream (bounded); returns what came. */
    private String readToEof(Handle peer) throws Exception {
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(4096)};
        StringBuilder got = new StringBuilder();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            dst[0].clear();
            long n = netOps().read(peer, dst, 0, 1);
            if (n == 0) {
                return got.toString();
            }
            if (n > 0) {
                dst[0].flip();
                got.append(StandardCharsets.US_ASCII.decode(dst[0]));
            } else {
                Thread.onSpinWait();
            }
        }
        throw new AssertionError("no end of stream within 10 s after " + got.length() + " bytes");
    }

    private void closeAfterBaseClosed(boolean fromAnotherThread) throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent bev = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE
                | (fromAnotherThread ? BevOption.THREADSAFE : 0));
        bev.setTimeouts(Duration.ofSeconds(30), Duration.ofSeconds(30));
        bev.enable(Ev.READ);
        bev.write("sent before".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        base.close();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable close = () -> {
            try {
                bev.close();
            } catch (Throwable t) {
                failure.set(t);
            }
        };
        if (fromAnotherThread) {
            Thread t = new Thread(close, "closer");
            t.start();
            t.join(10_000);
        } else {
            close.run();
        }
        assertNull(failure.get(), () -> "close() after the base closed threw " + failure.get());
        assertTrue(bev.isClosed());
        assertEquals("sent before", readToEof(pair[1]), "the peer reads to the end: the descriptor is closed");
    }

    @Test
    void shouldReleaseTheDescriptorWhenClosedAfterItsBaseClosed() throws Exception {
        closeAfterBaseClosed(false);
    }

    @Test
    void shouldReleaseTheDescriptorWhenClosedFromAnotherThreadAfterItsBaseClosed() throws Exception {
        closeAfterBaseClosed(true);
    }

    @Test
    void shouldReleaseTheDescriptorBelowAFilterClosedAfterItsBaseClosed() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent sock = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE);
        FilterBufferEvent filter = FilterBufferEvent.create(sock, null, new TestFilters.UpperCase(),
                BevOption.CLOSE_ON_FREE);
        filter.enable(Ev.READ);
        filter.write("through a filter".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        base.close();
        filter.close();
        assertTrue(sock.isClosed());
        assertEquals("THROUGH A FILTER", readToEof(pair[1]));
    }

    /**
     * A producer thread spins on {@code condition} until it holds or 10 s pass; returns whether it saw it. The spin
     * runs long enough before the change for the JIT to compile it, which is when a plain field read is hoisted.
     */
    private static Thread spinUntil(java.util.function.BooleanSupplier condition, AtomicBoolean saw,
                                    CountDownLatch spinning) {
        Thread t = new Thread(() -> {
            spinning.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) {
                    return;
                }
            }
            saw.set(true);
        }, "spinning-producer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void shouldLetAProducerThreadSeeTheBufferEventClose() throws Exception {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, BevOption.THREADSAFE);
        AtomicBoolean saw = new AtomicBoolean();
        CountDownLatch spinning = new CountDownLatch(1);
        Thread producer = spinUntil(p[0]::isClosed, saw, spinning);
        spinning.await();
        base.newTimer((ev, w) -> p[0].close()).add(Duration.ofMillis(300));
        dispatchWithin(base);
        producer.join(15_000);
        assertTrue(saw.get(), "the producer thread never saw isClosed() become true");
    }

    @Test
    void shouldLetAProducerThreadSeeWritabilityChange() throws Exception {
        EventBase base = newBase();
        BufferEvent[] p = BufferEvent.pair(base, BevOption.THREADSAFE);
        p[0].setWatermark(Ev.WRITE, 0, 1024); // the partner does not read yet: the output stays over it
        AtomicBoolean sawFull = new AtomicBoolean();
        CountDownLatch spinning = new CountDownLatch(1);
        Thread producer = spinUntil(() -> !p[0].isWritable(), sawFull, spinning);
        spinning.await();
        base.newTimer((ev, w) -> p[0].write(new byte[4096])).add(Duration.ofMillis(300));
        dispatchWithin(base);
        producer.join(15_000);
        assertTrue(sawFull.get(), "the producer thread never saw isWritable() become false");
        AtomicBoolean sawRoom = new AtomicBoolean();
        CountDownLatch spinning2 = new CountDownLatch(1);
        Thread producer2 = spinUntil(p[0]::isWritable, sawRoom, spinning2);
        spinning2.await();
        p[1].setCallbacks(b -> b.input().drain(b.input().length()), null, null);
        base.newTimer((ev, w) -> p[1].enable(Ev.READ)).add(Duration.ofMillis(300));
        dispatchWithin(base);
        producer2.join(15_000);
        assertTrue(sawRoom.get(), "the producer thread never saw isWritable() become true again");
    }
}
