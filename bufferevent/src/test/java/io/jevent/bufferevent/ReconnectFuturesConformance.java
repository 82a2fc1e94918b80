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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The futures of a BufferEvent whose first connect did not work out and that goes on anyway: the event callback
 * connects elsewhere after a failure, or the connect whose write timeout fired comes up later. Each future keeps the
 * outcome of its own connect, and the connection that comes up is not failed by what happened before it.
 */
public abstract class ReconnectFuturesConformance extends BevTestSupport {
    /** A resolver that finds names in {@code hosts} alone: its name server never answers. */
    @Test
    void shouldCompleteBothFuturesWhenTheEventCallbackConnectsElsewhereAfterAFailedConnect() throws Exception {
        connectElsewhereAfterAFailedConnect(BevOption.CLOSE_ON_FREE);
    }

    @Test
    void shouldCompleteBothFuturesWhenADeferredEventCallbackConnectsElsewhereAfterAFailedConnect() throws Exception {
        connectElsewhereAfterAFailedConnect(BevOption.CLOSE_ON_FREE | BevOption.DEFER_CALLBACKS);
    }

    private void connectElsewhereAfterAFailedConnect(int options) throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketAddress up = server.localAddress();
        int port = ((InetSocketAddress) up).getPort();
        Resolver r = hostsResolver(base, "127.0.0.2 dead.test\n"); // 127.0.0.2 refuses: the listener is on 127.0.0.1
        SocketBufferEvent c = SocketBufferEvent.create(base, null, options);
        AtomicReference<Throwable> firstCause = new AtomicReference<>();
        AtomicReference<CompletableFuture<Void>> second = new AtomicReference<>();
        StringBuilder echoed = new StringBuilder();
        c.setCallbacks(b -> echoed.append(new String(SocketBufferEventConformance.drainAll(b),
                StandardCharsets.US_ASCII)), null, (b, reasons, cause) -> {
            if ((reasons & BevEvent.ERROR) != 0 && second.get() == null) {
                firstCause.set(cause);
                second.set(c.connect(up)); // the fallback, started by the callback itself
            }
        });
        CompletableFuture<Void> first = c.connectHostname("dead.test", port, r);
        loopUntil(base, () -> second.get() != null && second.get().isDone(), "the fallback connect");
        second.get().join();
        assertTrue(first.isDone(), "the failed connect's future never completed: the fallback's took its place");
        assertSame(firstCause.get(), assertThrows(CompletionException.class, first::join).getCause());
        c.write("hello".getBytes(StandardCharsets.US_ASCII));
        c.enable(Ev.READ | Ev.WRITE); // the ERROR disabled both, as in libevent
        CompletableFuture<Void> drained = c.outputDrained(); // on the fallback's connection, which is up
        loopUntil(base, () -> drained.isDone() && echoed.length() == 5, "the echo of hello");
        drained.join();
        assertEquals("hello", echoed.toString());
        c.close();
        server.close();
    }

    @Test
    void shouldCompleteOutputDrainedOnAConnectionThatCameUpAfterItsConnectTimedOut() throws Exception {
        EventBase base = newBase();
        InetAddress hangAddr = InetAddress.getByName("127.0.0.3");
        ServerSocket hang = new ServerSocket(0, 1, hangAddr); // a full accept queue drops SYNs: connects hang
        closeAfter.add(hang);
        int port = hang.getLocalPort();
        List<Socket> fillers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Socket filler = new Socket();
            closeAfter.add(filler);
            try {
                filler.connect(new InetSocketAddress(hangAddr, port), 200);
                fillers.add(filler);
            } catch (IOException full) {
                break; // the queue is full already
            }
        }
        List<String> events = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> events.add(BevEvent.toString(reasons)));
        c.setTimeouts(null, Duration.ofMillis(300));
        byte[] data = data(11, 100_000);
        c.write(data); // pending output: the write timeout runs while the connect does
        CompletableFuture<Void> f = c.connect(new InetSocketAddress(hangAddr, port));
        loopUntil(base, f::isDone, "the connect timeout");
        assertInstanceOf(java.net.SocketTimeoutException.class,
                assertThrows(CompletionException.class, f::join).getCause());
        // the BufferEvent is kept: the connect goes on, and comes up once the queue has room (a SYN sent again)
        List<Socket> accepted = new ArrayList<>();
        for (int i = 0; i < fillers.size(); i++) {
            Socket a = hang.accept();
            closeAfter.add(a);
            accepted.add(a);
        }
        loopUntil(base, () -> events.contains("CONNECTED"), "the late connect");
        Socket server = hang.accept();
        closeAfter.add(server);
        c.setTimeouts(null, null);
        c.enable(Ev.WRITE); // the timeout disabled writing, as in libevent
        CompletableFuture<Void> drained = c.outputDrained();
        loopUntil(base, drained::isDone, "the bytes leaving");
        drained.join(); // they left: the connect's timeout is not this connection's failure
        server.setSoTimeout(15_000);
        assertArrayEquals(data, server.getInputStream().readNBytes(data.length));
        assertEquals(List.of("WRITING|TIMEOUT", "CONNECTED"), events);
        c.close();
    }

    /**
     * A connect that fails at once (a TCP connect to a multicast address: ENETUNREACH from connect(2) itself on a
     * readiness backend; io_uring runs the connect as an operation and reports it as its completion) reports its ERROR
     * from the loop, later. A second connect before that report is refused, as libevent refuses a connect on a
     * connecting bufferevent: taken, it would have had the first one's failure pinned on it (and the first future
     * never completed). After the report, a connect that failed at once left no socket: connecting again works.
     */
    @Test
    void shouldRefuseASecondConnectWhileTheFirstOnesImmediateFailureIsStillToBeReported() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        SocketAddress up = server.localAddress();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        c.setCallbacks(null, null, (b, reasons, cause) -> events.add(BevEvent.toString(reasons)));
        CompletableFuture<Void> first = c.connect(new InetSocketAddress(InetAddress.getByName("224.0.0.1"),
                ((InetSocketAddress) up).getPort()));
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> c.connect(up),
                "a second connect before the first one's outcome was reported");
        assertTrue(refused.getMessage().contains("224.0.0.1"), refused::getMessage);
        passUntil(base, first::isDone);
        assertInstanceOf(IOException.class, assertThrows(CompletionException.class, first::join).getCause());
        assertEquals(List.of("ERROR"), events, "the first connect's failure, reported once");
        if (refused.getMessage().contains("failed at once")) {
            CompletableFuture<Void> second = c.connect(up); // its failure reported: a new connect may start
            passUntil(base, second::isDone);
            second.join();
            assertEquals(List.of("ERROR", "CONNECTED"), events);
        } else { // failed as an operation on its socket, which stays (as after any connect that failed later)
            IllegalStateException again = assertThrows(IllegalStateException.class, () -> c.connect(up));
            assertTrue(again.getMessage().contains("already has a socket"), again::getMessage);
        }
        c.close();
        server.close();
    }

    /**
     * Runs non-blocking passes until {@code done} (at most 20 s): a future settled by a task after its event (not
     * by I/O the loop could wait for) completes at the start of the next pass, which a blocking pass would then
     * follow with a wait for I/O that never comes.
     */
    private static void passUntil(EventBase base, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
    }
}
