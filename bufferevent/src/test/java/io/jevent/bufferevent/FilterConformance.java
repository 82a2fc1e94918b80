package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FilterBufferEvent} with filters written in {@link TestFilters}, over a transport given by the subclass:
 * {@link OverSockets} (loopback TCP) or {@link OverPair} (the in-memory pair).
 */
public abstract class FilterConformance extends BevTestSupport {

    /** Two connected ends of the transport under the filters; [0] and [1] are peers. */
    abstract BufferEvent[] transport(EventBase base) throws IOException;

    /**
     * The most the underlying input may hold once the filter above pushes back, when {@code firstWrite} bytes
     * were written before it could and more after.
     */
    abstract long underlyingInputBound(long firstWrite);

    /** Filters over a loopback TCP connection. */
    @Test
    void shouldWriteFinishedTrailerOnlyAfterDataHeldByUnderlyingWatermark() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        // an output filter that moves bytes and, at FINISHED, appends a trailer: the trailer must come last
        byte[] trailer = "<END>".getBytes();
        Filter withTrailer = (src, dst, limit, mode) -> {
            long n = limit < 0 ? src.length() : Math.min(src.length(), limit);
            src.removeBuffer(dst, n);
            if (mode == FlushMode.FINISHED && src.length() == 0) {
                dst.add(trailer);
            }
            return FilterResult.OK;
        };
        t[0].setWatermark(io.jevent.Ev.WRITE, 0, 32 * 1024); // the underlying output holds at most 32 KiB
        FilterBufferEvent top = FilterBufferEvent.create(t[0], null, withTrailer, BevOption.CLOSE_ON_FREE);
        byte[] payload = data(31, 1 << 20);
        top.write(payload);
        top.flush(io.jevent.Ev.WRITE, FlushMode.FINISHED); // most of the payload is still held above
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        t[1].setCallbacks(b -> {
            got.writeBytes(SocketBufferEventConformance.drainAll(b));
            if (got.size() >= payload.length + trailer.length) {
                base.loopBreak();
            }
        }, null, null);
        t[1].enable(io.jevent.Ev.READ);
        loopWithin(base, io.jevent.LoopFlag.NO_EXIT_ON_EMPTY, java.time.Duration.ofSeconds(20));
        byte[] all = got.toByteArray();
        assertEquals(payload.length + trailer.length, all.length);
        assertArrayEquals(payload, java.util.Arrays.copyOf(all, payload.length), "the data first");
        assertArrayEquals(trailer, java.util.Arrays.copyOfRange(all, payload.length, all.length), "the trailer last");
        top.close();
        t[1].close();
    }

    public abstract static class OverSockets extends FilterConformance {
        @Override
        BufferEvent[] transport(EventBase base) throws IOException {
            Listener[] keep = new Listener[1];
            SocketBufferEvent[] p = tcpPair(base, keep);
            keep[0].close();
            return p;
        }

        @Override
        long underlyingInputBound(long firstWrite) {
            return 2L * SocketBufferEvent.MAX_READ; // a read or two, then the socket is no longer read
        }
    }

    /** Filters over an in-memory pair. */
    public abstract static class OverPair extends FilterConformance {
        @Override
        BufferEvent[] transport(EventBase base) {
            return BufferEvent.pair(base, BevOption.CLOSE_ON_FREE);
        }

        @Override
        long underlyingInputBound(long firstWrite) {
            return firstWrite; // a pair moves all it may at once; nothing more once the filter pushes back
        }
    }

    /** Makes {@code bev} echo what it reads and close on any event. */
    static void echo(BufferEvent bev) {
        bev.setCallbacks(b -> b.write(b.input()), null, (b, reasons, cause) -> b.close());
        bev.enable(Ev.READ);
    }

    static String lines(long seed, int count) {
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int len = r.nextInt(120);
            sb.append("line ").append(i).append(' ');
            for (int j = 0; j < len; j++) {
                sb.append((char) ('a' + r.nextInt(26)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void shouldRoundTripFramedDataIntactWithRandomChunking() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        echo(t[1]);
        FilterBufferEvent framed = FilterBufferEvent.create(t[0], new TestFilters.UnwrapFrames(),
                new TestFilters.LengthPrefix(), BevOption.CLOSE_ON_FREE);
        int size = 2 << 20;
        byte[] payload = data(21, size);
        PairConformance.Sink sink = new PairConformance.Sink(size, 5);
        framed.setCallbacks(b -> {
            sink.drainSome(b);
            if (sink.have == size) {
                b.close();
            }
        }, null, (b, reasons, cause) -> {
            throw new AssertionError("unexpected " + BevEvent.toString(reasons), cause);
        });
        framed.enable(Ev.READ);
        PairConformance.sendInRandomChunks(base, framed, payload, 0, new Random(6), null);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(size, sink.have);
        assertEquals(crc(payload, 0, size), crc(sink.got, 0, size), "CRC after framing, echo and unframing");
        assertTrue(t[0].isClosed(), "CLOSE_ON_FREE closed the transport");
    }

    @Test
    void shouldPassOnlyWholeUpperCasedLinesThroughTwoStackedFilters() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        FilterBufferEvent linesOnly = FilterBufferEvent.create(t[1], new TestFilters.WholeLines(), null,
                BevOption.CLOSE_ON_FREE);
        TestFilters.UpperCase upper = new TestFilters.UpperCase();
        FilterBufferEvent top = FilterBufferEvent.create(linesOnly, upper, null, BevOption.CLOSE_ON_FREE);
        String text = lines(22, 5000);
        StringBuilder got = new StringBuilder();
        List<String> problems = new ArrayList<>();
        int[] eofAt = {-1};
        top.setCallbacks(b -> {
            String s = new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII);
            if (!s.endsWith("\n")) {
                problems.add("a partial line passed: ..." + s.substring(Math.max(0, s.length() - 20)));
            }
            got.append(s);
        }, null, (b, reasons, cause) -> {
            if (reasons == (BevEvent.READING | BevEvent.EOF)) {
                eofAt[0] = got.length();
            } else {
                problems.add("unexpected " + BevEvent.toString(reasons) + " " + cause);
            }
            b.close();
        });
        top.enable(Ev.READ);
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        PairConformance.sendInRandomChunks(base, t[0], bytes, 0, new Random(7), () -> {
            if (t[0] instanceof SocketBufferEvent) {
                t[0].setCallbacks(null, BufferEvent::close, null); // close once everything is sent
            } else {
                t[0].close(); // a pair hands everything over first
            }
        });
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of(), problems);
        assertEquals(text.toUpperCase(java.util.Locale.ROOT), got.toString());
        assertEquals(text.length(), eofAt[0], "EOF came after all data");
        assertTrue(t[1].isClosed(), "closing the top closed the chain");
    }

    @Test
    void shouldDeliverAllDataBeforeEofThroughFilterWithReadHighWatermark() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        FilterBufferEvent f = FilterBufferEvent.create(t[1], new TestFilters.UpperCase(), null,
                BevOption.CLOSE_ON_FREE);
        f.setWatermark(Ev.READ, 0, 4096);
        byte[] payload = "abcdefgh".repeat(40_000).getBytes(StandardCharsets.US_ASCII);
        byte[] got = new byte[payload.length];
        int[] have = {0};
        int[] eofAt = {-1};
        f.setCallbacks(b -> have[0] += b.read(got, have[0], got.length - have[0]), null, (b, reasons, cause) -> {
            if (reasons == (BevEvent.READING | BevEvent.EOF)) {
                eofAt[0] = have[0];
            }
            b.close();
        });
        f.enable(Ev.READ);
        t[0].write(payload);
        if (t[0] instanceof SocketBufferEvent) {
            t[0].setCallbacks(null, BufferEvent::close, null);
        } else {
            t[0].close();
        }
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(payload.length, eofAt[0], "EOF came only after every byte passed the filter");
        assertArrayEquals("ABCDEFGH".repeat(40_000).getBytes(StandardCharsets.US_ASCII), got);
    }

    @Test
    void shouldLetFilterObserveFlushAndFinished() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        TestFilters.UpperCase out = new TestFilters.UpperCase();
        FilterBufferEvent f = FilterBufferEvent.create(t[0], null, out, BevOption.CLOSE_ON_FREE);
        StringBuilder got = new StringBuilder();
        t[1].setCallbacks(b -> {
            got.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (got.length() == 10) {
                f.close();
                b.close();
            }
        }, null, null);
        t[1].enable(Ev.READ);
        f.write("hello".getBytes(StandardCharsets.US_ASCII));
        f.flush(Ev.WRITE, FlushMode.FLUSH);
        assertEquals(List.of(FlushMode.FLUSH), out.modes, "FLUSH reached the output filter at once");
        f.write("world".getBytes(StandardCharsets.US_ASCII));
        f.flush(Ev.WRITE, FlushMode.FINISHED);
        assertEquals(List.of(FlushMode.FLUSH, FlushMode.FINISHED), out.modes);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals("HELLOWORLD", got.toString());
        assertTrue(out.closed, "the filter was closed with its BufferEvent");
    }

    @Test
    void shouldGivePartnerEofWhenFlushFinishedReachesPair() {
        EventBase base = newBase();
        BufferEvent[] t = BufferEvent.pair(base, 0);
        FilterBufferEvent f = FilterBufferEvent.create(t[0], null, new TestFilters.UpperCase(),
                BevOption.CLOSE_ON_FREE);
        StringBuilder got = new StringBuilder();
        List<Integer> events = new ArrayList<>();
        t[1].setCallbacks(b -> got.append(new String(SocketBufferEventConformance.drainAll(b),
                StandardCharsets.US_ASCII)), null, (b, reasons, cause) -> {
                    events.add(reasons);
                    b.close();
                    f.close();
                });
        t[1].enable(Ev.READ);
        f.write("bye".getBytes(StandardCharsets.US_ASCII));
        f.flush(Ev.WRITE, FlushMode.FINISHED);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals("BYE", got.toString());
        assertEquals(List.of(BevEvent.READING | BevEvent.EOF), events);
    }

    @Test
    void shouldReportInputFilterErrorWithItsCauseAndNotHang() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        TestFilters.FailOn failing = new TestFilters.FailOn((byte) '!', "bang is not allowed");
        FilterBufferEvent f = FilterBufferEvent.create(t[1], failing, null, BevOption.CLOSE_ON_FREE);
        List<Integer> events = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        StringBuilder got = new StringBuilder();
        boolean[] bangSent = {false};
        // Event-driven, not timed, so that a loaded machine cannot merge the writes or close before they arrive:
        // "then!" goes out once "fine " has been read; more bytes follow the error, and the close comes later still.
        f.setCallbacks(b -> {
            got.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (!bangSent[0] && got.toString().equals("fine ")) {
                bangSent[0] = true;
                t[0].write("then!".getBytes(StandardCharsets.US_ASCII));
            }
        }, null, (b, reasons, cause) -> {
            events.add(reasons);
            causes.add(cause);
            // no close here: the filter must stop on its own; the peer goes away later
            base.newTimer((ev, w) -> t[0].write("more after the error".getBytes(StandardCharsets.US_ASCII)))
                    .add(Duration.ZERO);
            base.newTimer((ev, w) -> {
                t[0].close();
                f.close();
            }).add(Duration.ofMillis(50));
        });
        f.enable(Ev.READ);
        t[0].write("fine ".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of(BevEvent.READING | BevEvent.ERROR), events, "exactly one ERROR event");
        assertSame(failing.failure, causes.get(0), "the filter's failure() is the cause");
        assertEquals("fine ", got.toString());
        assertEquals(0, f.enabled() & Ev.READ, "reading was disabled by the error");
    }

    @Test
    void shouldReportOutputFilterErrorWithItsCauseAndKeepTheInputGoing() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        TestFilters.FailOn failing = new TestFilters.FailOn((byte) '!', "no bangs out");
        FilterBufferEvent f = FilterBufferEvent.create(t[0], null, failing, BevOption.CLOSE_ON_FREE);
        List<Integer> events = new ArrayList<>();
        List<Throwable> causes = new ArrayList<>();
        StringBuilder got = new StringBuilder();
        f.setCallbacks(b -> {
            got.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (got.toString().equals("still reading")) {
                b.close();
                t[1].close();
            }
        }, null, (b, reasons, cause) -> {
            events.add(reasons);
            causes.add(cause);
            // the peer talks after the output failed: the input side must still deliver
            t[1].write("still reading".getBytes(StandardCharsets.US_ASCII));
        });
        f.enable(Ev.READ);
        f.write("oops!".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(List.of(BevEvent.WRITING | BevEvent.ERROR), events);
        assertSame(failing.failure, causes.get(0));
        assertEquals("still reading", got.toString(), "an output failure stopped the input too");
    }

    @Test
    void shouldCloseWholeChainWithCloseOnFree() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        FilterBufferEvent mid = FilterBufferEvent.create(t[0], null, null, BevOption.CLOSE_ON_FREE);
        FilterBufferEvent top = FilterBufferEvent.create(mid, null, new TestFilters.UpperCase(),
                BevOption.CLOSE_ON_FREE);
        StringBuilder got = new StringBuilder();
        List<Integer> peerEvents = new ArrayList<>();
        t[1].setCallbacks(b -> {
            got.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (got.length() == 2) {
                top.close();
            }
        }, null, (b, reasons, cause) -> {
            peerEvents.add(reasons);
            b.close();
        });
        t[1].enable(Ev.READ);
        top.write("hi".getBytes(StandardCharsets.US_ASCII));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals("HI", got.toString());
        assertTrue(mid.isClosed() && t[0].isClosed(), "every layer closed");
        assertEquals(List.of(BevEvent.READING | BevEvent.EOF), peerEvents, "the peer saw EOF");
    }

    @Test
    void shouldLeaveUnderlyingUsableWhenClosedWithoutCloseOnFree() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        FilterBufferEvent f = FilterBufferEvent.create(t[0], new TestFilters.UpperCase(),
                new TestFilters.UpperCase(), 0);
        StringBuilder atPeer = new StringBuilder();
        StringBuilder atUnder = new StringBuilder();
        f.setCallbacks(b -> atUnder.append("filtered:").append(new String(
                SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII)), null, null);
        f.enable(Ev.READ);
        t[1].setCallbacks(b -> {
            atPeer.append(new String(SocketBufferEventConformance.drainAll(b), StandardCharsets.US_ASCII));
            if (atPeer.toString().equals("VIA FILTER")) {
                b.write("back".getBytes(StandardCharsets.US_ASCII));
            } else if (atPeer.toString().equals("VIA FILTERdirect")) {
                b.write(" and forth".getBytes(StandardCharsets.US_ASCII));
            }
        }, null, null);
        t[1].enable(Ev.READ);
        f.write("via filter".getBytes(StandardCharsets.US_ASCII));
        int[] state = {0};
        // the filter's read callback fires on "back"; then close the filter and use t[0] directly
        base.newTimer((ev, w) -> {
            f.close();
            assertFalse(t[0].isClosed(), "without CLOSE_ON_FREE the underlying BufferEvent stays open");
            t[0].setCallbacks(b -> {
                atUnder.append(" direct:").append(new String(SocketBufferEventConformance.drainAll(b),
                        StandardCharsets.US_ASCII));
                t[0].close();
                t[1].close();
            }, null, null);
            t[0].enable(Ev.READ);
            t[0].write("direct".getBytes(StandardCharsets.US_ASCII));
            state[0] = 1;
        }).add(Duration.ofMillis(50));
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(1, state[0]);
        assertEquals("VIA FILTERdirect", atPeer.toString());
        assertEquals("filtered:BACK direct: and forth", atUnder.toString());
    }

    @Test
    void shouldStopUnderlyingReadingAtFiltersReadHighWatermark() throws IOException {
        EventBase base = newBase();
        BufferEvent[] t = transport(base);
        FilterBufferEvent f = FilterBufferEvent.create(t[1], null, null, BevOption.CLOSE_ON_FREE);
        long high = 4096;
        int total = 16 << 20;
        long[] filterInput = {-1};
        long[] underInput = {-1};
        long[] senderOutput = {-1};
        long[] maxSeen = {0};
        long[] received = {0};
        boolean[] draining = {false};
        f.setWatermark(Ev.READ, 0, high);
        f.setCallbacks(b -> {
            if (!draining[0]) {
                maxSeen[0] = Math.max(maxSeen[0], b.input().length());
            } else {
                received[0] += b.input().drain(b.input().length());
                if (received[0] == total) {
                    b.close();
                    t[0].close();
                }
            }
        }, null, null);
        f.enable(Ev.READ);
        byte[] payload = data(23, total);
        int firstWrite = total / 4;
        t[0].write(payload, 0, firstWrite);
        base.newTimer((ev, w) -> t[0].write(payload, firstWrite, total - firstWrite)).add(Duration.ofMillis(20));
        base.newTimer((ev, w) -> {
            filterInput[0] = f.input().length();
            underInput[0] = t[1].input().length();
            senderOutput[0] = t[0].output().length();
            f.setWatermark(Ev.READ, 0, 256 * 1024); // drain faster from here on
            draining[0] = true;
            received[0] += f.input().drain(f.input().length());
        }).add(Duration.ofMillis(150));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(high, filterInput[0], "the filter's input stopped at its high watermark");
        assertTrue(maxSeen[0] <= high, "the filter's input grew past its high watermark: " + maxSeen[0]);
        assertTrue(underInput[0] <= underlyingInputBound(firstWrite),
                "the underlying input kept growing: " + underInput[0] + " bytes");
        assertTrue(senderOutput[0] > 0, "backpressure did not reach the sender: its output is empty");
        assertEquals(total, received[0], "everything arrived once drained");
    }
}
