package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.bufferevent.SocketBuffers;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The futures of a TLS BufferEvent: {@link BufferEvent#outputDrained()} waits for the ciphertext to leave the socket
 * below, and {@link BufferEvent#closeFuture()} of a {@code CLOSE_ON_FREE} TLS layer completes only once its close has
 * finished: close_notify sent after the lingering output, and the socket closed.
 */
public abstract class TlsFuturesConformance extends FilterTestSupport {

    private static void loopUntil(EventBase base, BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
        }
    }

    private static void passes(EventBase base, int n) {
        for (int i = 0; i < n; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
    }

    /** TLS over a loopback pair whose kernel buffers are small; handshaken. [0] client, [1] server. */
    private TlsBufferEvent[] handshaken(EventBase base, SocketBufferEvent[] tcp, List<String> events)
            throws IOException {
        SocketBuffers.shrinkSend(tcp[0].handle(), 16 << 10);
        SocketBuffers.shrinkReceive(tcp[1].handle(), 16 << 10);
        TlsCerts certs = TlsCerts.get();
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        int[] connected = {0};
        BufferEvent.EventCallback cb = (b, reasons, cause) -> {
            events.add((b == client ? "client " : "server ") + BevEvent.toString(reasons));
            if (reasons == BevEvent.CONNECTED) {
                connected[0]++;
            }
        };
        client.setCallbacks(null, null, cb);
        server.setCallbacks(null, null, cb);
        server.enable(Ev.READ);
        client.enable(Ev.READ);
        loopUntil(base, () -> connected[0] == 2, "the handshakes");
        return new TlsBufferEvent[] {client, server};
    }

    @Test
    void shouldCompleteOutputDrainedOfTlsOnlyWhenTheCiphertextLeftTheSocket() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        List<String> events = new ArrayList<>();
        TlsBufferEvent[] t = handshaken(base, tcp, events);
        TlsBufferEvent client = t[0];
        TlsBufferEvent server = t[1];
        server.disable(Ev.READ); // a slow reader
        byte[] data = data(31, 2 << 20);
        client.write(data);
        long[] belowAtCompletion = {-1};
        CompletableFuture<Void> drained = client.outputDrained()
                .thenRun(() -> belowAtCompletion[0] = tcp[0].output().length());
        passes(base, 20);
        assertFalse(drained.isDone(), "drained with " + tcp[0].output().length() + " ciphertext bytes in the socket's"
                + " output");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        server.setCallbacks(b -> {
            byte[] chunk = new byte[(int) b.input().length()];
            b.read(chunk, 0, chunk.length);
            got.writeBytes(chunk);
        }, null, null);
        server.enable(Ev.READ);
        loopUntil(base, () -> got.size() == data.length && drained.isDone(), "the plaintext at the server");
        drained.join();
        assertEquals(0, belowAtCompletion[0]);
        assertArrayEquals(data, got.toByteArray());
        client.close();
        server.close();
    }

    @Test
    void shouldCompleteTheCloseFutureOfTlsOnceTheLingeringCloseHasClosedTheSocket() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        List<String> events = new ArrayList<>();
        TlsBufferEvent[] t = handshaken(base, tcp, events);
        TlsBufferEvent client = t[0];
        TlsBufferEvent server = t[1];
        server.disable(Ev.READ);
        byte[] data = data(32, 1 << 20);
        client.write(data);
        loopUntil(base, () -> client.output().length() == 0, "the plaintext handed to TLS");
        CompletableFuture<Void> closed = client.closeFuture();
        boolean[] socketClosedAtCompletion = {false};
        CompletableFuture<Void> observed = closed.thenRun(() -> socketClosedAtCompletion[0] = tcp[0].isClosed());
        Thread loopThread = Thread.currentThread();
        Thread[] on = {null};
        closed.thenRun(() -> on[0] = Thread.currentThread());
        client.close(); // ciphertext still queued below: the socket lingers until it and close_notify are sent
        assertTrue(client.isClosed());
        assertFalse(tcp[0].isClosed(), "the socket below should linger with " + tcp[0].output().length() + " bytes");
        assertFalse(closed.isDone(), "the TLS close future completed before its close finished");
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        boolean[] eof = {false};
        server.setCallbacks(b -> {
            byte[] chunk = new byte[(int) b.input().length()];
            b.read(chunk, 0, chunk.length);
            got.writeBytes(chunk);
        }, null, (b, reasons, cause) -> {
            events.add("server " + BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
            eof[0] = (reasons & BevEvent.EOF) != 0;
            b.close();
        });
        server.enable(Ev.READ);
        loopUntil(base, () -> closed.isDone() && eof[0], "the lingering close and the server's EOF");
        observed.join();
        assertTrue(socketClosedAtCompletion[0], "the close future completed before the socket below closed");
        assertSame(loopThread, on[0]);
        assertArrayEquals(data, got.toByteArray(), "every byte before close_notify arrived; events " + events);
        assertTrue(events.contains("server READING|EOF"), "a clean end (close_notify): " + events);
    }
}
