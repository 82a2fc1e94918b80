package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.buffer.Eol;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DataFormatException;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** zlib(socket) on the backend under test. */
public abstract class ZlibConformance extends FilterTestSupport {

    private void echoThroughZlib(ZlibFormat format) throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        ZlibOptions o = ZlibOptions.defaults().format(format);
        BufferEvent client = Filters.zlib(tcp[0], o, BevOption.CLOSE_ON_FREE);
        BufferEvent server = Filters.zlib(tcp[1], o, BevOption.CLOSE_ON_FREE);
        List<String> problems = new ArrayList<>();
        echo(server, problems);
        byte[] payload = ZlibFilterTest.text(format.ordinal(), 1 << 20);
        byte[] got = roundTrip(base, client, payload, Duration.ofSeconds(20), problems);
        assertEquals(List.of(), problems);
        assertArrayEquals(payload, got);
        client.close();
        assertTrue(tcp[0].isClosed(), "CLOSE_ON_FREE closes the socket under the zlib layer");
        server.close();
    }

    @Test
    void shouldEchoThroughZlibOverSocket() throws IOException {
        echoThroughZlib(ZlibFormat.ZLIB);
    }

    @Test
    void shouldEchoThroughGzipOverSocket() throws IOException {
        echoThroughZlib(ZlibFormat.GZIP);
    }

    @Test
    void shouldReportGarbageFromPeerAsReadingErrorWithDataFormatException() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        int[] reasons = {0};
        Throwable[] cause = {null};
        server.setCallbacks(b -> b.input().drain(b.input().length()), null, (b, r, c) -> {
            reasons[0] = r;
            cause[0] = c;
            b.close();
            tcp[0].close();
        });
        server.enable(Ev.READ);
        tcp[0].enable(Ev.READ);
        tcp[0].write("this is not a zlib stream at all, just plain text\n".getBytes());
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(BevEvent.READING | BevEvent.ERROR, reasons[0], BevEvent.toString(reasons[0]));
        assertTrue(cause[0] instanceof DataFormatException || cause[0] instanceof java.util.zip.ZipException,
                String.valueOf(cause[0]));
    }

    private static final java.util.Map<Long, byte[]> ZEROS = new java.util.concurrent.ConcurrentHashMap<>();

    /** A zlib stream of {@code bytes} zeros (about 1 KiB per MiB: deflate's best ratio), made once per size. */
    static byte[] zerosStream(long bytes) {
        return ZEROS.computeIfAbsent(bytes, ZlibConformance::deflateZeros).clone();
    }

    private static byte[] deflateZeros(long bytes) {
        java.util.zip.Deflater d = new java.util.zip.Deflater();
        byte[] zeros = new byte[1 << 20];
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buf = new byte[64 << 10];
        for (long left = bytes; left > 0; left -= zeros.length) {
            d.setInput(zeros, 0, (int) Math.min(zeros.length, left));
            while (!d.needsInput()) {
                out.write(buf, 0, d.deflate(buf));
            }
        }
        d.finish();
        while (!d.finished()) {
            out.write(buf, 0, d.deflate(buf));
        }
        d.end();
        return out.toByteArray();
    }

    /**
     * Data that compresses a thousand to one (zero-filled blocks) and ordinary text pass a zlib layer with the
     * default options to an application that drains its input; it gets them in pieces of at most maxBuffered.
     */
    @Test
    void shouldDeliverStreamThatCompressesAThousandToOneWithDefaultOptions() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        byte[] text = ZlibFilterTest.text(21, 1 << 20);
        long zeros = 24L << 20;
        long total = zeros + text.length;
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        long[] got = {0, 0}; // bytes, largest input seen in a read callback
        List<String> problems = new ArrayList<>();
        server.setCallbacks(b -> {
            got[1] = Math.max(got[1], b.input().length());
            byte[] chunk = new byte[(int) b.input().length()];
            b.input().remove(chunk, 0, chunk.length);
            crc.update(chunk);
            got[0] += chunk.length;
            if (got[0] == total) {
                base.loopBreak();
            }
        }, null, (b, r, c) -> {
            problems.add(BevEvent.toString(r) + " " + c);
            base.loopBreak();
        });
        server.enable(Ev.READ);
        // the zeros compressed beforehand (about 24 KiB), then text through a zlib layer of its own
        tcp[0].write(ZlibConformance.zerosStream(zeros));
        java.util.zip.CRC32 want = new java.util.zip.CRC32();
        byte[] mib = new byte[1 << 20];
        for (long left = zeros; left > 0; left -= mib.length) {
            want.update(mib, 0, (int) Math.min(mib.length, left));
        }
        want.update(text);
        BufferEvent client = Filters.zlib(tcp[0], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        client.write(text);
        client.flush(Ev.WRITE, FlushMode.FLUSH);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(List.of(), problems);
        assertEquals(total, got[0]);
        assertEquals(want.getValue(), crc.getValue(), "the bytes that arrived");
        assertTrue(got[1] <= ZlibOptions.DEFAULT_MAX_BUFFERED, "the application was given " + got[1]
                + " bytes at once, over maxBuffered " + ZlibOptions.DEFAULT_MAX_BUFFERED);
        client.close();
        server.close();
    }

    /**
     * A bomb (64 MiB of zeros in about 64 KiB) to an application that does not drain: with the default options
     * the zlib layer holds at most maxBuffered of it and stops reading the socket, with no error; once the
     * application drains, the rest follows.
     */
    @Test
    void shouldHoldUndrainedBombAtMaxBufferedAndResumeWhenDrained() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        long bomb = 64L << 20;
        long[] drained = {0};
        boolean[] draining = {false};
        List<String> problems = new ArrayList<>();
        server.setCallbacks(b -> {
            if (draining[0]) {
                drained[0] += b.input().drain(b.input().length());
                if (drained[0] == bomb) {
                    base.loopBreak();
                }
            }
        }, null, (b, r, c) -> {
            problems.add(BevEvent.toString(r) + " " + c);
            base.loopBreak();
        });
        server.enable(Ev.READ);
        tcp[0].write(zerosStream(bomb));
        long[] held = {-1, -1, -1};
        io.jevent.Event[] check = new io.jevent.Event[1];
        long[] last = {-1, 0};
        check[0] = base.newEvent(null, Ev.PERSIST, (ev, what) -> {
            long now = server.input().length();
            if (now != last[0]) {
                last[0] = now;
                last[1] = 0;
                return;
            }
            if (++last[1] < 20) {
                return; // 200 ms without change: held
            }
            check[0].close();
            held[0] = server.input().length();
            held[1] = tcp[1].input().length();
            held[2] = tcp[1].readSuspendReasons();
            draining[0] = true;
            drained[0] += server.input().drain(server.input().length()); // resumes inflation
        });
        check[0].add(Duration.ofMillis(10));
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertEquals(List.of(), problems);
        assertTrue(held[0] > 0 && held[0] <= ZlibOptions.DEFAULT_MAX_BUFFERED, "held " + held[0]
                + " inflated bytes; maxBuffered is " + ZlibOptions.DEFAULT_MAX_BUFFERED);
        assertTrue(held[1] <= 1 << 20, "the socket's input held " + held[1] + " compressed bytes");
        assertTrue((held[2] & BufferEvent.SUSPEND_FILTER) != 0, "the socket stopped reading: reasons " + held[2]);
        assertEquals(bomb, drained[0], "everything arrived once the application drained");
        server.close();
        tcp[0].close();
    }

    /**
     * Where nothing holds the output back (the zlib layer's read watermark removed), a bomb whose output nobody
     * drains is rejected at maxBuffered: READING|ERROR with a DecompressionLimitException naming the limit and how
     * to raise it, and no more than that was inflated.
     */
    @Test
    void shouldRejectUndrainedBombWhereNothingHoldsItBack() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults().maxBuffered(1 << 20),
                BevOption.CLOSE_ON_FREE);
        server.setWatermark(Ev.READ, 0, 0); // no backpressure: the application takes whatever comes, or fails
        int[] reasons = {0};
        Throwable[] cause = {null};
        long[] heldAtError = {-1};
        server.setCallbacks(b -> { }, null, (b, r, c) -> {
            reasons[0] = r;
            cause[0] = c;
            heldAtError[0] = b.input().length();
            base.loopBreak();
        });
        server.enable(Ev.READ);
        tcp[0].write(zerosStream(32L << 20));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(BevEvent.READING | BevEvent.ERROR, reasons[0], BevEvent.toString(reasons[0]));
        DecompressionLimitException e = assertInstanceOf(DecompressionLimitException.class, cause[0]);
        assertEquals(DecompressionLimitException.Limit.BUFFERED, e.limit(), e.getMessage());
        assertTrue(e.getMessage().contains("maxBuffered 1048576") && e.getMessage().contains(
                "ZlibOptions.maxBuffered(bytes)"), e.getMessage());
        assertTrue(heldAtError[0] <= (1 << 20) + 1, "inflated " + heldAtError[0] + " bytes before the rejection");
        server.close();
        tcp[0].close();
    }

    /** A configured total limit: the rejection reaches the event callback saying which limit and how to raise it. */
    @Test
    void shouldRejectPastMaxInflatedNamingTheLimitAndHowToRaiseIt() throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults().maxInflated(1 << 20),
                BevOption.CLOSE_ON_FREE);
        BufferEvent client = Filters.zlib(tcp[0], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        int[] reasons = {0};
        Throwable[] cause = {null};
        long[] got = {0};
        server.setCallbacks(b -> got[0] += b.input().drain(b.input().length()), null, (b, r, c) -> {
            reasons[0] = r;
            cause[0] = c;
            base.loopBreak();
        });
        server.enable(Ev.READ);
        client.write(ZlibFilterTest.text(22, 2 << 20));
        client.flush(Ev.WRITE, FlushMode.FLUSH);
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(BevEvent.READING | BevEvent.ERROR, reasons[0], BevEvent.toString(reasons[0]));
        assertInstanceOf(java.util.zip.ZipException.class, cause[0]);
        String m = cause[0].getMessage();
        assertTrue(m.contains("maxInflated 1048576") && m.contains("ZlibOptions.maxInflated(bytes)"), m);
        assertTrue(got[0] <= 1 << 20, "delivered " + got[0] + " bytes, over the limit");
        client.close();
        server.close();
    }

    private int endOfStream(boolean finish, Throwable[] cause, StringBuilder got) throws IOException {
        EventBase base = newBase();
        SocketBufferEvent[] tcp = tcpPair(base);
        BufferEvent client = Filters.zlib(tcp[0], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        BufferEvent server = Filters.zlib(tcp[1], ZlibOptions.defaults(), BevOption.CLOSE_ON_FREE);
        int[] reasons = {0};
        server.setCallbacks(b -> got.append(b.input().readLine(Eol.LF, StandardCharsets.UTF_8)), null, (b, r, c) -> {
            reasons[0] = r;
            cause[0] = c;
            b.close();
        });
        server.enable(Ev.READ);
        client.write("sent before the end\n".getBytes(StandardCharsets.UTF_8));
        client.flush(Ev.WRITE, finish ? FlushMode.FINISHED : FlushMode.FLUSH);
        tcp[0].shutdownOutput(); // after the compressed bytes drain
        loopWithin(base, 0, Duration.ofSeconds(10));
        client.close();
        return reasons[0];
    }

    @Test
    void shouldDeliverCleanEofAfterFinishedStream() throws IOException {
        Throwable[] cause = {null};
        StringBuilder got = new StringBuilder();
        int reasons = endOfStream(true, cause, got);
        assertEquals("sent before the end", got.toString());
        assertEquals(BevEvent.READING | BevEvent.EOF, reasons, BevEvent.toString(reasons) + " " + cause[0]);
    }

    @Test
    void shouldReportTruncatedStreamWhenPeerEndsWithoutFinishing() throws IOException {
        Throwable[] cause = {null};
        StringBuilder got = new StringBuilder();
        int reasons = endOfStream(false, cause, got);
        assertEquals("sent before the end", got.toString(), "data before the truncation is still delivered");
        assertEquals(BevEvent.READING | BevEvent.ERROR, reasons, BevEvent.toString(reasons));
        assertInstanceOf(java.util.zip.ZipException.class, cause[0]);
        assertTrue(cause[0].getMessage().startsWith("truncated"), cause[0].getMessage());
    }
}
