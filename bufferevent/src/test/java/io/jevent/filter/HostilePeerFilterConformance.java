package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FilterBufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.SocketBufferEvent;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A hostile peer against the zlib and TLS layers, over loopback TCP on the backend under test: valid bytes followed
 * by garbage in the same segment, streams that fail part-way. What must hold: every byte that passed the filter
 * before the failure reaches the read callback (and before the ERROR event, as the peer sent them first), and a
 * failed connection gives all its memory back when it closes.
 */
public abstract class HostilePeerFilterConformance extends FilterTestSupport {

    /** What one side saw, in order: "read:<text>" for each read callback, the event names otherwise. */
    static final class Seen {
        final List<String> log = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        Throwable cause;

        /** Reads everything on each read callback; records events; closes on anything but CONNECTED. */
        void wire(BufferEvent bev) {
            bev.setCallbacks(b -> {
                byte[] a = new byte[(int) b.input().length()];
                b.read(a, 0, a.length);
                String s = new String(a, StandardCharsets.ISO_8859_1);
                text.append(s);
                log.add("read:" + s);
            }, null, (b, reasons, c) -> {
                log.add(BevEvent.toString(reasons));
                if (reasons == BevEvent.CONNECTED) {
                    return;
                }
                cause = c;
                b.close();
                b.base().loopBreak();
            });
            bev.enable(Ev.READ | Ev.WRITE);
        }
    }

    /** A zlib stream of {@code text}: finished (with its Adler-32 trailer) or only sync-flushed. */
    static byte[] deflate(String text, boolean finish) {
        Deflater d = new Deflater();
        d.setInput(text.getBytes(StandardCharsets.ISO_8859_1));
        if (finish) {
            d.finish();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        int n;
        while ((n = d.deflate(buf, 0, buf.length, finish ? Deflater.NO_FLUSH : Deflater.SYNC_FLUSH)) > 0) {
            out.write(buf, 0, n);
        }
        d.end();
        return out.toByteArray();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = new byte[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Raw bytes from a plain socket peer into a zlib server layer; returns what the server saw. */
    private Seen zlibServerReceiving(byte[] wire, FilterBufferEvent[] serverOut) throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        FilterBufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        Seen seen = new Seen();
        seen.wire(server);
        tcp[0].write(wire); // one write: the server reads it all in one go
        loopWithin(base, 0, Duration.ofSeconds(10));
        tcp[0].close();
        if (serverOut != null) {
            serverOut[0] = server;
        }
        return seen;
    }

    @Test
    void shouldDeliverACompleteZlibStreamBeforeReportingTheGarbageAfterIt() throws IOException {
        // a finished stream (checksum verified) then a second "stream" with an invalid header, in one segment
        Seen seen = zlibServerReceiving(concat(deflate("request-1\n", true), "\0garbage!".getBytes(
                StandardCharsets.ISO_8859_1)), null);
        assertEquals(List.of("read:request-1\n", "READING|ERROR"), seen.log,
                "the bytes the filter passed before the failure reach the read callback, then the error");
        assertInstanceOf(DataFormatException.class, seen.cause);
    }

    @Test
    void shouldDeliverEveryByteUpToMaxInflatedAndNoneBeyond() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        FilterBufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults().maxInflated(100_000),
                BevOption.CLOSE_ON_FREE);
        Seen seen = new Seen();
        seen.wire(server);
        tcp[0].write(deflate("0123456789".repeat(30_000), true)); // 300,000 bytes, in one segment
        loopWithin(base, 0, Duration.ofSeconds(10));
        tcp[0].close();
        assertEquals("READING|ERROR", seen.log.get(seen.log.size() - 1), seen.log.toString());
        DecompressionLimitException e = assertInstanceOf(DecompressionLimitException.class, seen.cause);
        assertEquals(DecompressionLimitException.Limit.TOTAL, e.limit());
        assertEquals(100_000, seen.text.length(), "the application gets every byte up to the limit, none past it");
        assertTrue("0123456789".repeat(10_000).contentEquals(seen.text), "the bytes delivered");
    }

    @Test
    void shouldStillReportTheEndOfATlsStreamAfterADeferredReadCallbackThrew() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        List<Throwable> thrown = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> thrown.add(t));
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(),
                BevOption.CLOSE_ON_FREE | BevOption.DEFER_CALLBACKS);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        List<String> events = new ArrayList<>();
        server.setCallbacks(b -> {
            throw new IllegalArgumentException("the application rejects what the peer sent");
        }, null, (b, r, c) -> {
            events.add(BevEvent.toString(r));
            if (r != BevEvent.CONNECTED) {
                b.close();
                base.loopBreak();
            }
        });
        server.enable(Ev.READ | Ev.WRITE);
        client.setCallbacks(null, null, (b, r, c) -> {
            if (r == BevEvent.CONNECTED) {
                b.write("bad request\n".getBytes(StandardCharsets.ISO_8859_1));
                b.flush(Ev.WRITE, FlushMode.FLUSH); // encrypted into the socket's output now
                b.close(); // then close_notify, in the same segment; the TCP connection ends after them
            }
        });
        client.enable(Ev.READ | Ev.WRITE);
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals(List.of("CONNECTED", "READING|EOF"), events,
                "a read callback that threw must not swallow the event deferred with it");
        assertEquals(1, thrown.size(), thrown.toString());
    }

    @Test
    void shouldGiveBackAllMemoryOfAConnectionWhoseZlibStreamWasCorrupt() throws IOException {
        FilterBufferEvent[] server = new FilterBufferEvent[1];
        Seen seen = zlibServerReceiving(concat(deflate("x".repeat(100), false), new byte[] {0x07, 0x00}),
                server);
        assertTrue(seen.log.contains("READING|ERROR"), seen.log.toString());
        assertTrue(server[0].isClosed());
        // a reservation left pending by the failed inflate keeps a segment out of the pool for ever (left to the GC):
        // one per corrupt stream a peer sends
        assertEquals(0, server[0].input().memoryHeld(), "memory held by the closed layer's input");
        assertEquals(0, server[0].underlying().input().memoryHeld(), "memory held by the closed socket's input");
    }

    @Test
    void shouldDeliverATlsRecordBeforeReportingTheGarbageRecordAfterIt() throws IOException {
        TlsCerts certs = TlsCerts.get();
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        TlsBufferEvent server = Filters.tls(tcp[1], certs.server(), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        TlsBufferEvent client = Filters.tls(tcp[0], certs.client(), TlsOptions.client("localhost"),
                BevOption.CLOSE_ON_FREE);
        Seen seen = new Seen();
        client.setCallbacks(null, null, (b, r, c) -> {
            if (r == BevEvent.CONNECTED) {
                // one authenticated record, then a record whose tag cannot verify, in the same TCP segment
                b.write("request-1\n".getBytes(StandardCharsets.ISO_8859_1));
                b.flush(Ev.WRITE, FlushMode.FLUSH); // encrypts it into the socket's output now
                byte[] bad = new byte[5 + 32];
                bad[0] = 23; // application_data
                bad[1] = 3;
                bad[2] = 3;
                bad[4] = 32;
                for (int i = 5; i < bad.length; i++) {
                    bad[i] = (byte) (i * 37);
                }
                tcp[0].output().add(bad); // the hostile part: straight into the socket, after the record
            }
        });
        client.enable(Ev.READ | Ev.WRITE);
        seen.wire(server);
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals(List.of("CONNECTED", "read:request-1\n", "READING|ERROR"), seen.log,
                "the authenticated record reaches the read callback before the error");
        assertInstanceOf(SSLException.class, seen.cause);
        client.abort();
    }
}
