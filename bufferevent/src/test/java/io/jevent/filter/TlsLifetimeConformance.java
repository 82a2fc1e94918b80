package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** TLS and the loop's lifetime: delegated tasks in flight keep the loop alive; closing after the base closed. */
public abstract class TlsLifetimeConformance extends FilterTestSupport {

    /**
     * Runs each delegated task on a thread of its own, and holds every task back until {@link #open} is counted
     * down: a real handshake whose tasks take a while.
     */
    private static final class SlowTasks implements Executor {
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicInteger ran = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        @Override
        public void execute(Runnable task) {
            Thread t = new Thread(() -> {
                try {
                    if (!open.await(20, TimeUnit.SECONDS)) {
                        throw new AssertionError("the gate never opened");
                    }
                    ran.incrementAndGet(); // before run(): the task hands its result to the loop inside run(),
                    task.run();            // and the loop may finish the handshake and exit before run() returns
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "slow-tls-task");
            t.setDaemon(true);
            t.start();
        }
    }

    private void handshakeWithSlowTasks(BufferEvent clientBelow, BufferEvent serverBelow, EventBase base) {
        TlsCerts certs = TlsCerts.get();
        SlowTasks tasks = new SlowTasks();
        TlsBufferEvent server = Filters.tls(serverBelow, certs.server(), TlsOptions.server().taskExecutor(tasks),
                BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(clientBelow, certs.client(),
                TlsOptions.client("localhost").taskExecutor(tasks), BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        int[] connected = {0};
        BufferEvent.EventCallback cb = (b, reasons, cause) -> {
            events.add((b == client ? "client " : "server ") + BevEvent.toString(reasons)
                    + (cause == null ? "" : " " + cause));
            if (reasons == BevEvent.CONNECTED && ++connected[0] == 2) {
                base.loopExit(); // (closing would linger, waiting for the close_notify to drain)
            }
        };
        client.setCallbacks(null, null, cb);
        server.setCallbacks(null, null, cb);
        // the tasks may run only after this timer: then nothing but the tasks in flight keeps the loop running
        base.newTimer((ev, w) -> tasks.open.countDown()).add(Duration.ofMillis(20));
        dispatchWithin(base);
        assertNull(tasks.failure.get(), () -> "a delegated task failed: " + tasks.failure.get());
        assertEquals(2, connected[0], () -> "dispatch() returned before both handshakes finished (delegated tasks"
                + " run: " + tasks.ran.get() + "); events " + events);
        assertTrue(tasks.ran.get() > 0, "the handshake ran delegated tasks");
    }

    @Test
    void shouldKeepDispatchRunningWhileAHandshakeTaskRunsOffLoopOverAPair() {
        EventBase base = newBase();
        BufferEvent[] pair = BufferEvent.pair(base, 0);
        handshakeWithSlowTasks(pair[0], pair[1], base);
    }

    @Test
    void shouldKeepDispatchRunningWhileAHandshakeTaskRunsOffLoopOverSockets() throws Exception {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        handshakeWithSlowTasks(tcp[0], tcp[1], base);
    }

    @Test
    void shouldReleaseTheDescriptorWhenClosedAfterItsBaseClosed() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        SocketBufferEvent sock = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(sock, TlsCerts.get().client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10)); // the ClientHello goes out
        base.close();
        client.close();
        assertTrue(sock.isClosed(), "the socket below is closed at once: there is no loop left to linger on");
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(64 * 1024)};
        long bytes = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        do {
            dst[0].clear();
            n = netOps().read(pair[1], dst, 0, 1);
            bytes += Math.max(n, 0);
        } while (n != 0 && System.nanoTime() < deadline);
        assertEquals(0, n, "the peer sees the end of the stream: the descriptor is closed");
        assertTrue(bytes > 0, "the ClientHello was sent before");
    }

    /**
     * A TLS close lingering (CLOSE_ON_FREE, ciphertext still queued below because the peer does not read) when the
     * base closes: the linger's timer is gone with the base, so the close must end there, closing the socket (the
     * peer sees the end of the stream) and completing the layer's close future.
     */
    @Test
    void shouldCloseTheSocketOfALingeringTlsCloseWhenTheBaseCloses() throws Exception {
        EventBase base = newBase();
        Handle[] pair = socketPair();
        TlsCerts certs = TlsCerts.get();
        SocketBufferEvent sock = SocketBufferEvent.create(base, pair[0], BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(sock, certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        // the server side keeps pair[1] open (no CLOSE_ON_FREE): the test reads it directly afterwards
        SocketBufferEvent serverSock = SocketBufferEvent.create(base, pair[1], 0);
        TlsBufferEvent server = Filters.tls(serverSock, certs.server(), TlsOptions.server(), 0);
        int[] connected = {0};
        List<String> problems = new ArrayList<>();
        BufferEvent.EventCallback cb = (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                problems.add((b == client ? "client " : "server ") + BevEvent.toString(reasons) + " " + cause);
            } else if (++connected[0] == 2) {
                base.loopBreak();
            }
        };
        client.setCallbacks(null, null, cb);
        server.setCallbacks(null, null, cb);
        client.enable(Ev.READ | Ev.WRITE);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(2, connected[0], () -> "handshake not done; " + problems);
        server.disable(Ev.READ); // the server stops taking plaintext: ciphertext piles up in the socket buffers
        byte[] payload = data(7, 8 << 20);
        client.write(payload, 0, payload.length);
        loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        client.close(); // lingers: megabytes of ciphertext and the close_notify are still queued below
        assertFalse(sock.isClosed(), "the socket lingers while its output is queued (else this test shows nothing)");
        java.util.concurrent.CompletableFuture<Void> closed = client.closeFuture();
        base.close();
        server.close();
        assertTrue(sock.isClosed(), "the base closed: the lingering socket below is closed with it");
        assertTrue(closed.isDone(), "the TLS layer's close future completes once its linger ends with the base");
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(256 * 1024)};
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long n;
        do {
            dst[0].clear();
            try {
                n = netOps().read(pair[1], dst, 0, 1);
            } catch (java.io.IOException reset) {
                n = 0; // closed with bytes unread in its receive buffer (a session ticket): a reset, as close(2) does
            }
        } while (n != 0 && System.nanoTime() < deadline);
        assertEquals(0, n, "the peer sees the end of the stream (or a reset): the lingering descriptor is closed");
        assertTrue(problems.isEmpty(), problems::toString);
    }
}
