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
