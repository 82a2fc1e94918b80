package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.dns.HostsFile;
import io.jevent.dns.Resolver;
import io.jevent.dns.ResolverConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CompletableFuture adapters of BufferEvents: connect (by address and by name), {@link BufferEvent#outputDrained}
 * and {@link BufferEvent#closeFuture}, over real loopback sockets, pairs and filters, with the bytes read back. They
 * complete on the loop thread, after the callbacks (which still get every event), and nothing their dependents do
 * reaches the loop.
 */
public abstract class FuturesConformance extends BevTestSupport {
    /** A port on 127.0.0.1 nobody listens on. */
    private SocketAddress deadAddress(EventBase base) throws IOException {
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> { });
        SocketAddress dead = l.localAddress();
        l.close();
        base.loop(LoopFlag.NONBLOCK); // a completion engine lets go of the socket when its cancel completes
        return dead;
    }

    /** Connects {@code c} by way of {@code connect}, writes {@code hello}, and checks the echo comes back. */
    private void echoAfterConnect(EventBase base, SocketBufferEvent c, CompletableFuture<Void> connected,
                                  List<String> order) {
        Thread loopThread = Thread.currentThread();
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        StringBuilder echoed = new StringBuilder();
        c.setCallbacks(b -> {
            echoed.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (echoed.length() == 5) {
                b.close();
            }
        }, null, (b, reasons, cause) -> order.add("callback " + BevEvent.toString(reasons)));
        CompletableFuture<Void> wrote = connected.thenRun(() -> {
            completedOn.set(Thread.currentThread());
            order.add("future");
            c.write("hello".getBytes(StandardCharsets.US_ASCII)); // a dependent acting on the BufferEvent
            c.enable(Ev.READ);
        });
        loopUntil(base, c::isClosed, "the echo of hello");
        assertEquals("hello", echoed.toString());
        assertTrue(wrote.isDone() && !wrote.isCompletedExceptionally());
        assertSame(loopThread, completedOn.get(), "the connect future completed on " + completedOn.get());
        assertEquals(List.of("callback CONNECTED", "future"), order, "the callback first, then the future");
    }

    @Test
    void shouldCompleteTheConnectFutureOnTheLoopThreadAfterTheCallback() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<String> order = new ArrayList<>();
        CompletableFuture<Void> f = c.connect(server.localAddress());
        assertFalse(f.isDone(), "completed before the loop ran");
        echoAfterConnect(base, c, f, order);
        server.close();
    }

    @Test
    void shouldFailTheConnectFutureWithTheRefusalTheCallbackGotEvenWhenTheCallbackCloses() throws Exception {
        EventBase base = newBase();
        SocketAddress dead = deadAddress(base);
        AtomicReference<Throwable> callbackCause = new AtomicReference<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            callbackCause.set(cause);
            b.close(); // the usual reaction: the future must still carry the refusal, not "closed"
        });
        CompletableFuture<Void> f = c.connect(dead);
        CompletableFuture<Void> closed = c.closeFuture();
        loopUntil(base, f::isDone, "the refused connect");
        assertNotNull(callbackCause.get(), "the callback got no ERROR");
        Throwable failure = assertThrows(CompletionException.class, f::join).getCause();
        assertSame(callbackCause.get(), failure);
        // the refusal itself (ECONNREFUSED; on libkqueue, whose own reader takes SO_ERROR first, ENOTCONN)
        assertInstanceOf(IOException.class, failure);
        assertTrue(closed.isDone(), "closed by the callback: the close future completes");
    }

    @Test
    void shouldConnectByNameThroughTheFuture() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        // 127.0.0.2 refuses that port (the listener is on 127.0.0.1 only) and comes first
        Resolver r = hostsResolver(base, "127.0.0.2 fut.test\n127.0.0.1 fut.test\n");
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<String> order = new ArrayList<>();
        echoAfterConnect(base, c, c.connectHostname("fut.test", port, r), order);
        server.close();
    }

    @Test
    void shouldFailTheConnectByNameFutureWithTheLastRefusal() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        Resolver r = hostsResolver(base, "127.0.0.2 dead.test\n127.0.0.4 dead.test\n");
        AtomicReference<Throwable> callbackCause = new AtomicReference<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            callbackCause.set(cause);
            b.close();
        });
        CompletableFuture<Void> f = c.connectHostname("dead.test", port, r);
        loopUntil(base, f::isDone, "every address refused");
        Throwable failure = assertThrows(CompletionException.class, f::join).getCause();
        assertSame(callbackCause.get(), failure);
        // the refusal itself (ECONNREFUSED; on libkqueue, whose own reader takes SO_ERROR first, ENOTCONN)
        assertInstanceOf(IOException.class, failure);
        server.close();
    }

    @Test
    void shouldFailTheConnectFutureWhenClosedBeforeConnecting() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        CompletableFuture<Void> f = c.connect(server.localAddress());
        c.close();
        assertTrue(f.isDone(), "closing must complete the connect future");
        Throwable failure = assertThrows(CompletionException.class, f::join).getCause();
        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains("closed before"), failure.getMessage());
        server.close();
    }

    /**
     * A connected pair whose server end does not read (reading disabled), so the client's output backs up; both
     * ends' kernel buffers shrunk so a few MiB cannot hide in them.
     */
    private SocketBufferEvent[] slowReaderPair(EventBase base, int options) throws IOException {
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep, options);
        keep[0].close();
        SocketBuffers.shrinkSend(p[0].handle(), 64 << 10);
        SocketBuffers.shrinkReceive(p[1].handle(), 64 << 10);
        return p;
    }

    @Test
    void shouldCompleteOutputDrainedOnlyOnceALargeWriteHasReachedASlowReader() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, 0);
        SocketBufferEvent writer = p[0];
        SocketBufferEvent reader = p[1];
        byte[] data = data(16, 4 << 20);
        List<String> order = new ArrayList<>();
        AtomicInteger writeCallbacks = new AtomicInteger();
        writer.setWatermark(Ev.WRITE, 256 << 10, 1 << 20);
        writer.setCallbacks(null, b -> {
            writeCallbacks.incrementAndGet();
            if (b.output().length() == 0) {
                order.add("write callback, output empty");
            }
        }, null);
        Thread loopThread = Thread.currentThread();
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        long[] outputAtCompletion = {-1};
        writer.write(data);
        CompletableFuture<Void> drained = writer.outputDrained().whenComplete((v, e) -> {
            completedOn.set(Thread.currentThread());
            outputAtCompletion[0] = writer.output().length();
            order.add("drained");
        });
        for (int i = 0; i < 20; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertFalse(drained.isDone(), "drained while the reader had not read: " + writer.output().length()
                + " bytes still in the output");
        assertTrue(writer.output().length() > 0);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        reader.setCallbacks(b -> got.writeBytes(SocketBufferEventConformance.drainAll(b)), null, null);
        reader.enable(Ev.READ);
        loopUntil(base, () -> got.size() == data.length && drained.isDone(), "the reader got every byte");
        assertArrayEquals(data, got.toByteArray());
        drained.join();
        assertSame(loopThread, completedOn.get());
        assertEquals(0, outputAtCompletion[0], "the output was not empty when the future completed");
        assertTrue(writeCallbacks.get() > 0, "the write callback still runs");
        assertEquals(List.of("write callback, output empty", "drained"), order.subList(order.size() - 2,
                order.size()), "the write callback for the drain first, then the future: " + order);
        assertTrue(writer.outputDrained().isDone(), "nothing pending: a new one completes at once");
        writer.close();
        reader.close();
    }

    @Test
    void shouldCompleteEachOutputDrainedForTheBytesWrittenBeforeIt() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, 0);
        byte[] first = data(1, 2 << 20);
        byte[] second = data(2, 2 << 20);
        p[0].write(first);
        CompletableFuture<Void> a = p[0].outputDrained();
        p[0].write(second);
        CompletableFuture<Void> b = p[0].outputDrained();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        long[] receivedWhenFirstDone = {-1};
        a.thenRun(() -> receivedWhenFirstDone[0] = got.size());
        p[1].setCallbacks(x -> got.writeBytes(SocketBufferEventConformance.drainAll(x)), null, null);
        p[1].enable(Ev.READ);
        loopUntil(base, () -> got.size() == first.length + second.length && b.isDone(), "both drains");
        assertTrue(a.isDone() && !a.isCompletedExceptionally());
        assertTrue(receivedWhenFirstDone[0] < first.length + second.length,
                "the first drain waited for the second write's bytes too (" + receivedWhenFirstDone[0] + ")");
        byte[] all = got.toByteArray();
        assertEquals(crc(first, 0, first.length), crc(all, 0, first.length));
        assertEquals(crc(second, 0, second.length), crc(all, first.length, second.length));
        p[0].close();
        p[1].close();
    }

    @Test
    void shouldCompleteOutputDrainedOfAFilterOnlyWhenTheSocketBelowHasSentItsBytes() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, 0);
        FilterBufferEvent filter = FilterBufferEvent.create(p[0], null, null, BevOption.CLOSE_ON_FREE);
        byte[] data = data(3, 4 << 20);
        filter.write(data);
        long[] belowAtCompletion = {-1};
        CompletableFuture<Void> drained = filter.outputDrained()
                .thenRun(() -> belowAtCompletion[0] = p[0].output().length());
        for (int i = 0; i < 20; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertEquals(0, filter.output().length(), "the filter handed its bytes down");
        assertFalse(drained.isDone(), "a layer's drain completed while " + p[0].output().length()
                + " bytes still waited in the socket below");
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        p[1].setCallbacks(x -> got.writeBytes(SocketBufferEventConformance.drainAll(x)), null, null);
        p[1].enable(Ev.READ);
        loopUntil(base, () -> got.size() == data.length && drained.isDone(), "the reader got every byte");
        drained.join();
        assertEquals(0, belowAtCompletion[0]);
        assertArrayEquals(data, got.toByteArray());
        filter.close();
        assertTrue(p[0].isClosed(), "CLOSE_ON_FREE closes the socket below");
        p[1].close();
    }

    @Test
    void shouldCompleteOutputDrainedOfAPairEndWhenThePartnerTookTheBytes() {
        EventBase base = newBase();
        BufferEvent[] pair = BufferEvent.pair(base, 0);
        byte[] data = data(4, 100_000);
        pair[0].write(data);
        CompletableFuture<Void> drained = pair[0].outputDrained();
        for (int i = 0; i < 5; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertFalse(drained.isDone(), "the partner does not read yet");
        pair[1].enable(Ev.READ);
        loopUntil(base, drained::isDone, "the partner took the bytes");
        assertArrayEquals(data, SocketBufferEventConformance.drainAll(pair[1]));
        pair[0].close();
        pair[1].close();
    }

    @Test
    void shouldFailOutputDrainedAndCompleteTheCloseFutureAfterAPeerReset() throws Exception {
        EventBase base = newBase();
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            AtomicReference<Socket> peer = new AtomicReference<>();
            CountDownLatch accepted = new CountDownLatch(1);
            Thread acceptor = new Thread(() -> {
                try {
                    Socket s = ss.accept();
                    s.setReceiveBufferSize(64 << 10);
                    peer.set(s);
                } catch (IOException e) {
                    // the assertion below fails
                }
                accepted.countDown();
            });
            acceptor.start();
            SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            AtomicReference<Throwable> callbackCause = new AtomicReference<>();
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            c.setCallbacks(b -> SocketBufferEventConformance.drainAll(b), null, (b, reasons, cause) -> {
                events.add(BevEvent.toString(reasons));
                if ((reasons & BevEvent.ERROR) != 0) {
                    callbackCause.set(cause);
                    b.close();
                }
            });
            CompletableFuture<Void> connected = c.connect(ss.getLocalSocketAddress());
            loopUntil(base, connected::isDone, "the connect");
            assertTrue(accepted.await(20, TimeUnit.SECONDS));
            assertNotNull(peer.get());
            c.enable(Ev.READ);
            c.write(data(5, 8 << 20)); // the peer never reads: the output backs up
            CompletableFuture<Void> drained = c.outputDrained();
            CompletableFuture<Void> closed = c.closeFuture();
            Thread loopThread = Thread.currentThread();
            AtomicReference<Thread> closedOn = new AtomicReference<>();
            CompletableFuture<Void> observed = closed.thenRun(() -> closedOn.set(Thread.currentThread()));
            for (int i = 0; i < 10; i++) {
                loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
            }
            assertFalse(drained.isDone());
            assertFalse(closed.isDone());
            peer.get().setSoLinger(true, 0);
            peer.get().close(); // RST
            loopUntil(base, closed::isDone, "the reset and the close");
            assertNotNull(callbackCause.get(), "no ERROR: " + events);
            Throwable failure = assertThrows(CompletionException.class, drained::join).getCause();
            assertSame(callbackCause.get(), failure, "the drain fails with the cause the callback got");
            observed.join();
            assertSame(loopThread, closedOn.get());
            assertTrue(c.isClosed());
            acceptor.join(20_000);
        }
    }

    @Test
    void shouldFailOutputDrainedAndCompleteTheCloseFutureWhenClosedWithPendingOutput() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, BevOption.THREADSAFE);
        byte[] data = data(6, 4 << 20);
        p[0].write(data);
        CompletableFuture<Void> drained = p[0].outputDrained();
        // asked from another thread, as code waiting for the connection to end would
        AtomicReference<CompletableFuture<Void>> fromOther = new AtomicReference<>();
        Thread other = new Thread(() -> fromOther.set(p[0].closeFuture()));
        other.start();
        other.join();
        AtomicReference<Thread> closedOn = new AtomicReference<>();
        CompletableFuture<Void> observed = fromOther.get().thenRun(() -> closedOn.set(Thread.currentThread()));
        for (int i = 0; i < 10; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
        assertFalse(drained.isDone());
        assertFalse(fromOther.get().isDone());
        Thread loopThread = Thread.currentThread();
        base.execute(p[0]::close); // the user closes on the loop, output pending
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        Throwable failure = assertThrows(CompletionException.class, drained::join).getCause();
        assertInstanceOf(IOException.class, failure);
        assertTrue(failure.getMessage().contains("closed before its output drained"), failure.getMessage());
        observed.join();
        assertSame(loopThread, closedOn.get(), "a close future asked from another thread completes on the loop");
        assertTrue(p[0].closeFuture().isDone(), "asked after the close: complete");
        // what the peer gets is a prefix of what was written, then the end of the stream
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        boolean[] ended = {false};
        p[1].setCallbacks(x -> got.writeBytes(SocketBufferEventConformance.drainAll(x)), null,
                (x, reasons, cause) -> ended[0] = true);
        p[1].enable(Ev.READ);
        loopUntil(base, () -> ended[0], "the end of the stream at the peer");
        byte[] prefix = got.toByteArray();
        assertTrue(prefix.length < data.length);
        assertEquals(crc(data, 0, prefix.length), crc(prefix, 0, prefix.length));
        p[1].close();
    }

    @Test
    void shouldFailOutputDrainedAtAWriteTimeoutAndCompleteALaterOneOnceWritingResumes() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, 0);
        byte[] data = data(9, 2 << 20);
        List<String> events = new ArrayList<>();
        p[0].setCallbacks(null, null, (b, reasons, cause) -> events.add(BevEvent.toString(reasons)));
        p[0].setTimeouts(null, Duration.ofMillis(300));
        p[0].write(data);
        CompletableFuture<Void> first = p[0].outputDrained();
        loopUntil(base, first::isDone, "the write timeout");
        assertEquals(List.of("WRITING|TIMEOUT"), events, "the callback gets the timeout as ever");
        Throwable failure = assertThrows(CompletionException.class, first::join).getCause();
        assertInstanceOf(java.net.SocketTimeoutException.class, failure);
        assertTrue(failure.getMessage().contains("write timeout"), failure.getMessage());
        p[0].setTimeouts(null, null);
        p[0].enable(Ev.WRITE); // a timeout is not the end: writing resumes, and a new drain completes
        CompletableFuture<Void> second = p[0].outputDrained();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        p[1].setCallbacks(x -> got.writeBytes(SocketBufferEventConformance.drainAll(x)), null, null);
        p[1].enable(Ev.READ);
        loopUntil(base, () -> got.size() == data.length && second.isDone(), "every byte after the timeout");
        second.join();
        assertArrayEquals(data, got.toByteArray());
        p[0].close();
        p[1].close();
    }

    @Test
    void shouldFailTheConnectFutureWithATimeoutWhenTheWriteTimeoutEndsTheConnect() throws Exception {
        EventBase base = newBase();
        int port = hangingAddress("127.0.0.3").getPort(); // connects there hang
        Resolver r = hostsResolver(base, "127.0.0.3 hang.test\n");
        List<String> events = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons));
            b.close();
        });
        c.setTimeouts(null, Duration.ofMillis(400));
        CompletableFuture<Void> f = c.connectHostname("hang.test", port, r);
        loopUntil(base, f::isDone, "the connect timeout");
        assertEquals(List.of("WRITING|TIMEOUT"), events);
        Throwable failure = assertThrows(CompletionException.class, f::join).getCause();
        assertInstanceOf(java.net.SocketTimeoutException.class, failure);
        assertTrue(failure.getMessage().contains("hang.test"), failure.getMessage());
    }

    @Test
    void shouldCompleteTheFuturesOfAMovedBufferEventOnItsNewLoop() throws Exception {
        io.jevent.EventBaseGroup g = io.jevent.EventBaseGroup.create(2,
                new io.jevent.EventConfig().method(backendName()));
        closeAfter.add(() -> {
            g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
            assertTrue(g.awaitTermination(Duration.ofSeconds(20)), "the group's threads did not end");
        });
        byte[] data = data(10, 4 << 20);
        AtomicReference<String> drainedOn = new AtomicReference<>();
        AtomicReference<String> closedOn = new AtomicReference<>();
        AtomicReference<EventBase> target = new AtomicReference<>();
        CompletableFuture<Void> drained = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        GroupListener gl = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            try {
                SocketBuffers.shrinkSend(h, 64 << 10);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> SocketBufferEventConformance.drainAll(b), null, (b, reasons, cause) -> b.close());
            bev.enable(Ev.READ);
            bev.write(data); // the peer reads only later: most of it is still in the output at the move
            EventBase to = base == g.get(0) ? g.get(1) : g.get(0);
            target.set(to);
            bev.outputDrained().whenComplete((v, e) -> {
                drainedOn.set(to.inRunningLoop() ? "target" : Thread.currentThread().getName());
                if (e == null) {
                    drained.complete(null);
                } else {
                    drained.completeExceptionally(e);
                }
            });
            bev.closeFuture().thenRun(() -> {
                closedOn.set(to.inRunningLoop() ? "target" : Thread.currentThread().getName());
                closed.complete(null);
            });
            bev.moveTo(to);
        });
        closeAfter.add(0, gl);
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 << 10);
            s.connect(gl.localAddress(), 10_000);
            s.setSoTimeout(15_000);
            byte[] got = s.getInputStream().readNBytes(data.length);
            assertArrayEquals(data, got);
            drained.get(20, TimeUnit.SECONDS);
            assertEquals("target", drainedOn.get(), "the drain completed off the new loop");
        }
        closed.get(20, TimeUnit.SECONDS); // the peer closed: EOF, and the callback closed it
        assertEquals("target", closedOn.get(), "the close future completed off the new loop");
    }

    @Test
    void shouldKeepTheLoopRunningWhenADependentStageThrows() throws Exception {
        EventBase base = newBase();
        AtomicInteger handlerCalls = new AtomicInteger();
        base.setCallbackErrorHandler((ev, t) -> handlerCalls.incrementAndGet());
        Listener server = echoServer(base, 0);
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        CompletableFuture<Void> connected = c.connect(server.localAddress());
        CompletableFuture<Void> thrower = connected.thenRun(() -> {
            throw new IllegalStateException("a dependent fails");
        });
        CompletableFuture<Void> errorThrower = connected.thenRun(() -> {
            throw new AssertionError("a dependent throws an Error");
        });
        List<String> order = new ArrayList<>();
        echoAfterConnect(base, c, connected, order); // the loop went on: the echo came back
        assertEquals("a dependent fails", assertThrows(CompletionException.class, thrower::join).getCause()
                .getMessage());
        assertInstanceOf(AssertionError.class, assertThrows(CompletionException.class, errorThrower::join)
                .getCause());
        assertEquals(0, handlerCalls.get(), "a dependent's failure is its future's, not the loop's");
        server.close();
    }

    @Test
    void shouldCompleteTheFuturesOfAThreadsafeBufferEventAskedFromAnotherThread() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] p = slowReaderPair(base, BevOption.THREADSAFE);
        byte[] data = data(7, 1 << 20);
        AtomicReference<CompletableFuture<Void>> drained = new AtomicReference<>();
        Thread other = new Thread(() -> {
            p[0].write(data); // queued for the loop, in order with the drain asked next
            drained.set(p[0].outputDrained());
        });
        other.start();
        other.join();
        assertFalse(drained.get().isDone());
        Thread loopThread = Thread.currentThread();
        AtomicReference<Thread> on = new AtomicReference<>();
        CompletableFuture<Void> observed = drained.get().thenRun(() -> on.set(Thread.currentThread()));
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        p[1].setCallbacks(x -> got.writeBytes(SocketBufferEventConformance.drainAll(x)), null, null);
        p[1].enable(Ev.READ);
        loopUntil(base, () -> got.size() == data.length && observed.isDone(), "the bytes and the drain");
        observed.join();
        assertSame(loopThread, on.get());
        assertArrayEquals(data, got.toByteArray());
        p[0].close();
        p[1].close();
    }

    @Test
    void shouldRefuseOutputDrainedFromAnotherThreadWithoutThreadsafe() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        keep[0].close();
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Thread t = new Thread(() -> refused.set(assertThrows(IllegalStateException.class, p[0]::outputDrained)));
        t.start();
        t.join();
        assertTrue(refused.get().getMessage().contains("THREADSAFE"), refused.get().getMessage());
        p[0].close();
        p[1].close();
    }

    @Test
    void shouldCompleteTheConnectFutureAfterADeferredCallback() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE | BevOption.DEFER_CALLBACKS);
        List<String> order = new ArrayList<>();
        echoAfterConnect(base, c, c.connect(server.localAddress()), order);
        server.close();
    }

    @Test
    void shouldKeepEachCloseFutureAskedOnTheLoopToItsCaller() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        keep[0].close();
        Thread loopThread = Thread.currentThread();
        AtomicReference<Thread> completedOn = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> watched = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> bounded = new AtomicReference<>();
        CompletableFuture<Void> asked = base.submit(() -> {
            // on the loop: one caller gives up on its future (cancel), another bounds its wait; neither may
            // decide what the other callers of closeFuture() see, nor complete them off the loop thread
            p[0].closeFuture().cancel(false);
            bounded.set(p[0].closeFuture().orTimeout(1, TimeUnit.MILLISECONDS));
            CompletableFuture<Void> mine = p[0].closeFuture();
            watched.set(mine.whenComplete((v, e) -> completedOn.set(Thread.currentThread())));
            return null;
        });
        loopUntil(base, asked::isDone, "the task asking");
        asked.join();
        // the bound fires on the JDK's delay thread
        assertInstanceOf(java.util.concurrent.TimeoutException.class, assertThrows(
                java.util.concurrent.ExecutionException.class, () -> bounded.get().get(20, TimeUnit.SECONDS)).getCause());
        assertFalse(watched.get().isDone(), "open: no close future of another caller may complete");
        p[0].close();
        assertTrue(watched.get().isDone());
        watched.get().join(); // normally: a close cannot fail
        assertSame(loopThread, completedOn.get(), "completed on " + completedOn.get());
        p[1].close();
    }

    @Test
    void shouldCompleteTheCloseFutureOfABufferEventClosedAfterItsBaseClosed() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        keep[0].close();
        p[0].write(data(8, 1000));
        CompletableFuture<Void> closed = p[0].closeFuture();
        base.close();
        assertFalse(closed.isDone(), "open BufferEvent: the close future waits for its close");
        Thread other = new Thread(p[0]::close); // any thread may release it now
        other.start();
        other.join();
        assertTrue(closed.isDone());
        assertTrue(p[0].closeFuture().isDone());
        p[1].close();
    }
}
