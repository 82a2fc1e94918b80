package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How TLS moves data: read watermarks (libevent's {@code ssl/bufferevent_wm}), deferred callbacks, memory per
 * record, and the abortive close, each over loopback TCP and over an in-memory pair, on the backend under test.
 */
public abstract class TlsFlowConformance extends FilterTestSupport {

    /** Two connected ends: loopback TCP ({@code overPair} false) or an in-memory pair. */
    static BufferEvent[] transport(EventBase base, boolean overPair) throws IOException {
        return overPair ? BufferEvent.pair(base, BevOption.CLOSE_ON_FREE) : tcpPair(base);
    }

    /** TLS on both ends of a transport: [0] the client, [1] the server. */
    static TlsBufferEvent[] tlsOver(BufferEvent[] t, int options) {
        TlsCerts certs = TlsCerts.get();
        TlsBufferEvent server = Filters.tls(t[1], certs.server(), TlsOptions.server(), options);
        TlsBufferEvent client = Filters.tls(t[0], certs.client(), TlsOptions.client("localhost"), options);
        return new TlsBufferEvent[] {client, server};
    }

    // ------------------------------------------------------------------------------------ read high watermark

    private static final int WM_HIGH = 5 << 10;
    private static final int WM_PAYLOAD = 1 << 10;
    private static final int WM_TO_READ = WM_PAYLOAD >> 1;
    private static final int WM_LIMIT = WM_HIGH << 3;

    /**
     * One end of libevent's {@code ssl/bufferevent_wm}: each read callback takes at most 512 bytes and answers
     * with 1 KiB, until it has received 40 KiB.
     */
    static final class WmSide {
        final String name;
        final byte[] payload = new byte[WM_PAYLOAD];
        WmSide peer;
        long got;
        long maxInput;
        int callbacks;
        boolean done;
        final List<String> problems;

        WmSide(String name, List<String> problems) {
            this.name = name;
            this.problems = problems;
            Arrays.fill(payload, (byte) 'A');
        }

        void attach(BufferEvent b) {
            b.input().addCallback((buf, orig, added, deleted) -> maxInput = Math.max(maxInput, buf.length()));
            b.setWatermark(Ev.READ, 0, WM_HIGH);
            b.setCallbacks(this::transfer, null, (bev, reasons, cause) -> {
                if (reasons != BevEvent.CONNECTED) {
                    problems.add(name + ": " + BevEvent.toString(reasons) + " " + cause);
                    bev.base().loopBreak();
                }
            });
            b.enable(Ev.READ | Ev.WRITE);
        }

        void transfer(BufferEvent b) {
            callbacks++;
            long n = Math.min(b.input().length(), Math.min(WM_TO_READ, WM_LIMIT - got));
            got += b.input().drain(n);
            if (got >= WM_LIMIT) {
                done = true;
                b.setCallbacks(null, null, null);
                b.disable(Ev.READ);
                if (peer.done) {
                    b.base().loopBreak();
                }
                return;
            }
            b.write(payload);
        }
    }

    private void transferUnderReadWatermark(boolean overPair, boolean defer) throws IOException {
        EventBase base = newBase();
        int options = BevOption.CLOSE_ON_FREE | (defer ? BevOption.DEFER_CALLBACKS : 0);
        TlsBufferEvent[] tls = tlsOver(transport(base, overPair), options);
        List<String> problems = new ArrayList<>();
        WmSide client = new WmSide("client", problems);
        WmSide server = new WmSide("server", problems);
        client.peer = server;
        server.peer = client;
        server.attach(tls[1]);
        client.attach(tls[0]);
        tls[0].write(client.payload);
        // a stall (the bug this guards against) ends the loop after 2 s without progress, not at the watchdog
        long[] last = {-1};
        io.jevent.Event[] watch = new io.jevent.Event[1];
        watch[0] = base.newTimer((ev, w) -> {
            long now = client.got + server.got;
            if (now == last[0]) {
                problems.add("stalled: client got " + client.got + ", server got " + server.got + "; inputs "
                        + tls[0].input().length() + "/" + tls[1].input().length() + " of high " + WM_HIGH);
                base.loopBreak();
                return;
            }
            last[0] = now;
            watch[0].add(Duration.ofSeconds(2));
        });
        watch[0].add(Duration.ofSeconds(2));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(30));
        watch[0].close();
        assertEquals(List.of(), problems);
        assertEquals(WM_LIMIT, client.got, "client received everything");
        assertEquals(WM_LIMIT, server.got, "server received everything");
        assertTrue(client.maxInput <= WM_HIGH, "the client's input passed the high watermark: " + client.maxInput);
        assertTrue(server.maxInput <= WM_HIGH, "the server's input passed the high watermark: " + server.maxInput);
        assertTrue(client.callbacks >= WM_LIMIT / WM_TO_READ, "at most 512 bytes per callback");
        tls[0].close();
        tls[1].close();
    }

    @Test
    void shouldKeepTlsInputUnderReadHighWatermarkAndResumeOverSockets() throws IOException {
        transferUnderReadWatermark(false, false);
    }

    @Test
    void shouldKeepTlsInputUnderReadHighWatermarkAndResumeOverSocketsDeferred() throws IOException {
        transferUnderReadWatermark(false, true);
    }

    @Test
    void shouldKeepTlsInputUnderReadHighWatermarkAndResumeOverPair() throws IOException {
        transferUnderReadWatermark(true, false);
    }

    @Test
    void shouldKeepTlsInputUnderReadHighWatermarkAndResumeOverPairDeferred() throws IOException {
        transferUnderReadWatermark(true, true);
    }

    // --------------------------------------------------------------------------------------- memory per record

    private static BufferPoolMXBean directPool() {
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (p.getName().equals("direct")) {
                return p;
            }
        }
        throw new AssertionError("no 'direct' buffer pool MXBean");
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, g.getCollectionCount());
        }
        return n;
    }

    /**
     * Counts the direct buffers made while 1 MiB is echoed through TLS (256 records encrypted and 256 decrypted).
     * The JVM counts live direct buffers only, and a GC frees unreachable ones, so a window in which a GC ran could
     * hide allocations: such a window is measured again (a GC can never make a clean run look guilty).
     */
    private void echoAllocatesNoBufferPerRecord(boolean overPair) throws IOException {
        EventBase base = newBase();
        TlsBufferEvent[] tls = tlsOver(transport(base, overPair), BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(tls[1], problems);
        int size = 1 << 20;
        byte[] payload = data(41, size);
        int flags = LoopFlag.NO_EXIT_ON_EMPTY;
        // warm up: handshake, pooled segments, per-thread state
        assertArrayEquals(payload, roundTrip(base, tls[0], payload, Duration.ofSeconds(20), problems, flags),
                problems::toString);
        BufferPoolMXBean direct = directPool();
        long made = 0;
        for (int attempt = 0; attempt < 8; attempt++) {
            long gcs = gcCount();
            long before = direct.getCount();
            byte[] got = roundTrip(base, tls[0], payload, Duration.ofSeconds(20), problems, flags);
            made = direct.getCount() - before;
            assertEquals(List.of(), problems);
            assertArrayEquals(payload, got);
            if (gcCount() == gcs) {
                break;
            }
        }
        int records = 4 * (size / (16 << 10)); // each way, each encrypted once and decrypted once
        assertTrue(made < 16, made + " direct buffers were made for " + records + " TLS records (wrap, unwrap)");
        tls[0].close();
        tls[1].close();
    }

    @Test
    void shouldEchoWithoutAllocatingABufferPerRecordOverSockets() throws IOException {
        echoAllocatesNoBufferPerRecord(false);
    }

    @Test
    void shouldEchoWithoutAllocatingABufferPerRecordOverPair() throws IOException {
        echoAllocatesNoBufferPerRecord(true);
    }

    // ----------------------------------------------------------------------------------- deferred callbacks

    /**
     * With deferred callbacks, a TLS client that sends a request and closes from its write callback still sees
     * CONNECTED first; the server sees CONNECTED on its own, then the data, then READING|EOF.
     */
    private void connectedComesFirstAndAloneWithDeferredCallbacks(boolean overPair) throws IOException {
        EventBase base = newBase();
        TlsBufferEvent[] tls = tlsOver(transport(base, overPair), BevOption.CLOSE_ON_FREE
                | BevOption.DEFER_CALLBACKS);
        List<String> clientSaw = new ArrayList<>();
        List<String> serverSaw = new ArrayList<>();
        tls[1].setCallbacks(b -> serverSaw.add("read " + new String(drainAll(b), StandardCharsets.US_ASCII)), null,
                (b, reasons, cause) -> {
                    serverSaw.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
                    if (reasons != BevEvent.CONNECTED) {
                        b.close();
                        base.loopBreak();
                    }
                });
        tls[1].enable(Ev.READ);
        tls[0].setCallbacks(null, b -> {
            clientSaw.add("write");
            b.close(); // close_notify follows the request
        }, (b, reasons, cause) -> clientSaw.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause)));
        tls[0].enable(Ev.READ); // take the server's session ticket, or over a pair it could not be delivered
        tls[0].write("request".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals(List.of("CONNECTED", "write"), clientSaw, "the handshake finished before the write");
        assertEquals("CONNECTED", serverSaw.get(0), serverSaw.toString());
        assertEquals("READING|EOF", serverSaw.get(serverSaw.size() - 1), serverSaw.toString());
        StringBuilder read = new StringBuilder();
        for (String s : serverSaw.subList(1, serverSaw.size() - 1)) {
            assertTrue(s.startsWith("read "), serverSaw.toString());
            read.append(s.substring(5));
        }
        assertEquals("request", read.toString());
    }

    static byte[] drainAll(BufferEvent b) {
        byte[] out = new byte[(int) b.input().length()];
        b.input().remove(out, 0, out.length);
        return out;
    }

    @Test
    void shouldDeliverConnectedFirstAndAloneWithDeferredCallbacksOverSockets() throws IOException {
        connectedComesFirstAndAloneWithDeferredCallbacks(false);
    }

    @Test
    void shouldDeliverConnectedFirstAndAloneWithDeferredCallbacksOverPair() throws IOException {
        connectedComesFirstAndAloneWithDeferredCallbacks(true);
    }

    // -------------------------------------------------------------------------------------- abortive close

    /**
     * The client sends a message, the server reads it and answers, and the client, once it has read the answer (so
     * that nothing the server sent waits unread, whatever engine moves the bytes), closes abortively (or, for the
     * contrast, cleanly): returns the server's events after CONNECTED.
     */
    private List<String> serverSeesClientEnd(boolean overPair, boolean abort) throws IOException {
        EventBase base = newBase();
        TlsBufferEvent[] tls = tlsOver(transport(base, overPair), BevOption.CLOSE_ON_FREE);
        List<String> serverSaw = new ArrayList<>();
        StringBuilder got = new StringBuilder();
        tls[1].setCallbacks(b -> {
            got.append(new String(drainAll(b), StandardCharsets.US_ASCII));
            if (got.toString().equals("last words")) {
                b.write("ack".getBytes(StandardCharsets.US_ASCII));
            }
        }, null, (b, reasons, cause) -> {
            if (reasons == BevEvent.CONNECTED) {
                return;
            }
            serverSaw.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause.getMessage()));
            b.close();
            base.loopBreak();
        });
        tls[1].enable(Ev.READ);
        StringBuilder answer = new StringBuilder();
        tls[0].setCallbacks(b -> {
            answer.append(new String(drainAll(b), StandardCharsets.US_ASCII));
            if (answer.toString().equals("ack")) {
                if (abort) {
                    tls[0].abort();
                } else {
                    tls[0].close();
                }
            }
        }, null, null);
        tls[0].enable(Ev.READ);
        tls[0].write("last words".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals("last words", got.toString());
        assertTrue(tls[0].isClosed());
        return serverSaw;
    }

    private void abortIsTruncationForPeer(boolean overPair) throws IOException {
        List<String> clean = serverSeesClientEnd(overPair, false);
        assertEquals(List.of("READING|EOF"), clean, "close() sends close_notify: a clean end");
        List<String> aborted = serverSeesClientEnd(overPair, true);
        assertEquals(1, aborted.size(), aborted.toString());
        assertTrue(aborted.get(0).startsWith("READING|ERROR truncated"), "abort() ends without close_notify: "
                + aborted);
    }

    @Test
    void shouldEndWithoutCloseNotifyOnAbortSoPeerSeesErrorOverSockets() throws IOException {
        abortIsTruncationForPeer(false);
    }

    @Test
    void shouldEndWithoutCloseNotifyOnAbortSoPeerSeesErrorOverPair() throws IOException {
        abortIsTruncationForPeer(true);
    }
}
