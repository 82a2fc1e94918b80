package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BufferEvent#readInto}: a caller's buffer sized from a Content-Length filled from the socket, straight from
 * the socket on readiness backends (nothing passes through the input), end of stream before it is full, and a
 * pipelined second message left in the input.
 */
public abstract class ReadIntoConformance extends BevTestSupport {

    private static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate().flip();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    @Test
    void shouldFillContentLengthBufferAndLeaveNextMessageInInput() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent server = p[0];
        SocketBufferEvent client = p[1];
        int length = 3 * 1024 * 1024 + 17;
        byte[] body = data(11, length);
        ByteBuffer dst = ByteBuffer.allocateDirect(length);
        long[] addedWhilePending = {0};
        boolean[] pending = {false};
        int[] fills = {0};
        String[] next = {null};
        client.input().addCallback((b, orig, added, deleted) -> {
            if (pending[0]) {
                addedWhilePending[0] += added;
            }
        });
        client.setCallbacks(bev -> {
            if (fills[0] == 0 && !pending[0]) {
                String header = bev.input().readLine(io.jevent.buffer.Eol.LF, StandardCharsets.US_ASCII);
                if (header == null) {
                    return;
                }
                assertEquals("Content-Length: " + length, header);
                pending[0] = true;
                bev.readInto(dst, (b, d, reasons, cause) -> {
                    pending[0] = false;
                    assertSame(dst, d);
                    assertEquals(0, reasons, "filled: " + BevEvent.toString(reasons));
                    assertNull(cause);
                    fills[0]++;
                });
                assertThrows(IllegalStateException.class, () -> bev.readInto(ByteBuffer.allocate(1), (b, d, r, c) -> {
                }), "one readInto at a time");
            } else if (fills[0] == 1) {
                String line = bev.input().readLine(io.jevent.buffer.Eol.LF, StandardCharsets.US_ASCII);
                if (line != null) {
                    next[0] = line;
                    base.loopExit(null);
                }
            }
        }, null, (b, r, c) -> {
            throw new AssertionError("client: " + BevEvent.toString(r), c);
        });
        client.enable(Ev.READ);
        // the header and a little of the body first; the rest in pieces, then the next message with the last piece
        server.output().add(("Content-Length: " + length + "\n").getBytes(StandardCharsets.US_ASCII));
        server.output().add(body, 0, 1000);
        int[] sent = {1000};
        base.newTimer((ev, w) -> {
            int k = Math.min(256 * 1024, length - sent[0]);
            server.output().add(body, sent[0], k);
            sent[0] += k;
            if (sent[0] < length) {
                ev.add(Duration.ofMillis(1));
            } else {
                server.output().add("NEXT message\n".getBytes(StandardCharsets.US_ASCII));
            }
        }).add(Duration.ofMillis(20));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(1, fills[0]);
        assertFalse(dst.hasRemaining());
        assertArrayEquals(body, bytes(dst), "the body, every byte");
        assertEquals("NEXT message", next[0], "the pipelined message stays in the input");
        if (base.completionEngine() == null) {
            assertEquals(0, addedWhilePending[0], "[" + backendName() + "] reads straight into the caller's buffer:"
                    + " no byte of the body may pass through the input once readInto was called");
        }
        client.close();
        server.close();
        keep[0].close();
    }

    @Test
    void shouldReportEofBeforeBufferIsFull() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent server = p[0];
        SocketBufferEvent client = p[1];
        byte[] body = data(5, 1000);
        ByteBuffer dst = ByteBuffer.allocateDirect(4096);
        int[] fillReasons = {-1};
        int[] eventReasons = {-1};
        client.readInto(dst, (b, d, reasons, cause) -> {
            fillReasons[0] = reasons;
            assertEquals(0, eventReasons[0] + 1, "the fill callback runs before the event callback");
        });
        client.setCallbacks(b -> {
            throw new AssertionError("no read callback: every byte went into the caller's buffer");
        }, null, (b, r, c) -> {
            eventReasons[0] = r;
            base.loopExit(null);
        });
        client.enable(Ev.READ);
        server.output().add(body);
        server.setCallbacks(null, b -> server.shutdownOutput(), null);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(BevEvent.READING | BevEvent.EOF, fillReasons[0], BevEvent.toString(fillReasons[0]));
        assertEquals(BevEvent.READING | BevEvent.EOF, eventReasons[0], "then the event callback as usual");
        assertEquals(1000, dst.position(), "the bytes read so far");
        assertArrayEquals(body, bytes(dst));
        client.close();
        server.close();
        keep[0].close();
    }

    @Test
    void shouldFillFromInputAtOnceAndKeepTheRest() throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent server = p[0];
        SocketBufferEvent client = p[1];
        byte[] both = data(9, 500); // message one: 300 bytes, message two: 200, sent in one write
        ByteBuffer dst = ByteBuffer.allocate(300); // a heap buffer works too
        int[] filled = {0};
        client.setWatermark(Ev.READ, 500, 0);
        client.setCallbacks(bev -> {
            bev.readInto(dst, (b, d, reasons, cause) -> {
                assertEquals(0, reasons);
                filled[0]++;
            });
            assertEquals(1, filled[0], "the input held the whole message: filled before readInto returned");
            assertEquals(200, bev.input().length(), "the second message stays in the input");
            base.loopExit(null);
        }, null, null);
        client.enable(Ev.READ);
        server.output().add(both);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertArrayEquals(Arrays.copyOf(both, 300), bytes(dst));
        byte[] rest = new byte[200];
        client.input().remove(rest, 0, 200);
        assertArrayEquals(Arrays.copyOfRange(both, 300, 500), rest);
        assertThrows(IllegalArgumentException.class, () -> client.readInto(dst, (b, d, r, c) -> { }),
                "a full buffer is refused");
        client.close();
        assertThrows(IllegalStateException.class,
                () -> client.readInto(ByteBuffer.allocate(4), (b, d, r, c) -> { }));
        server.close();
        keep[0].close();
    }

    @Test
    void shouldFillThroughPairByCopy() {
        EventBase base = newBase();
        BufferEvent[] pair = BufferEvent.pair(base, 0);
        byte[] msg = data(3, 70_000);
        ByteBuffer dst = ByteBuffer.allocate(50_000);
        int[] filled = {0};
        pair[1].readInto(dst, (b, d, r, c) -> {
            filled[0]++;
            base.loopExit(null);
        });
        pair[1].enable(Ev.READ);
        pair[0].write(msg);
        loopWithin(base, 0, Duration.ofSeconds(20));
        assertEquals(1, filled[0]);
        assertArrayEquals(Arrays.copyOf(msg, 50_000), bytes(dst));
        assertTrue(pair[1].input().length() <= 20_000);
        pair[0].close();
        pair[1].close();
    }

    /**
     * A stream consumed by a random mix of readInto calls (direct and heap buffers of 1 byte to 200 KiB, some started
     * from the fill callback itself, some from the read callback) and plain reads of random sizes, while the peer
     * writes in random pieces and reading is now and then disabled and enabled again. Every byte arrives once, in
     * order, whatever the engine (straight reads, or engine buffers moved on from the input): none lost, none twice.
     */
    @Test
    void shouldKeepOrderAcrossRandomMixOfReadIntoAndReads() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            mixedReads(seed);
        }
    }

    private void mixedReads(long seed) throws Exception {
        EventBase base = newBase();
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent server = p[0];
        SocketBufferEvent client = p[1];
        int length = 6 * 1024 * 1024 + (int) seed;
        byte[] stream = data((int) seed, length);
        java.util.Random rnd = new java.util.Random(seed);
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        int[] eofs = {0};
        int[] fills = {0};
        int[] reads = {0};
        BufferEvent.FillCallback[] onFill = {null};
        Runnable startFill = () -> {
            int k = 1 + rnd.nextInt(rnd.nextBoolean() ? 64 : 200 * 1024);
            ByteBuffer dst = rnd.nextBoolean() ? ByteBuffer.allocateDirect(k) : ByteBuffer.allocate(k);
            client.readInto(dst, onFill[0]);
        };
        onFill[0] = (b, d, reasons, cause) -> {
            got.writeBytes(bytes(d));
            fills[0]++;
            if (reasons != 0) {
                assertEquals(BevEvent.READING | BevEvent.EOF, reasons, "only the end of the stream ends a fill early");
                return;
            }
            if (rnd.nextInt(3) == 0) {
                startFill.run(); // the next one at once, from the fill callback
            }
            if (rnd.nextInt(8) == 0) {
                b.disable(Ev.READ);
                base.newEvent(null, 0, (ev, w) -> b.enable(Ev.READ)).add(Duration.ofMillis(1));
            }
        };
        client.setCallbacks(b -> {
            reads[0]++;
            int m = 1 + rnd.nextInt(100 * 1024);
            byte[] chunk = new byte[(int) Math.min(m, b.input().length())];
            b.input().remove(chunk, 0, chunk.length);
            got.writeBytes(chunk);
            if (rnd.nextInt(2) == 0) {
                startFill.run();
            }
        }, null, (b, r, c) -> {
            assertEquals(BevEvent.READING | BevEvent.EOF, r, "client: " + BevEvent.toString(r) + " " + c);
            eofs[0]++;
            byte[] rest = new byte[(int) b.input().length()];
            b.input().remove(rest, 0, rest.length);
            got.writeBytes(rest);
            base.loopExit(null);
        });
        client.enable(Ev.READ);
        int[] sent = {0};
        base.newTimer((ev, w) -> {
            int k = Math.min(1 + rnd.nextInt(300 * 1024), length - sent[0]);
            server.output().add(stream, sent[0], k);
            sent[0] += k;
            if (sent[0] < length) {
                ev.add(Duration.ofMillis(rnd.nextInt(2)));
            } else {
                server.setCallbacks(null, b -> {
                    if (b.output().length() == 0) {
                        b.close(); // everything went out: the client reads the end of the stream
                    }
                }, null);
            }
        }).add(Duration.ofMillis(1));
        loopWithin(base, 0, Duration.ofSeconds(30));
        assertEquals(1, eofs[0], "seed " + seed);
        assertTrue(fills[0] > 10 && reads[0] > 10, "seed " + seed + ": a mix (" + fills[0] + " fills, " + reads[0]
                + " read callbacks)");
        byte[] all = got.toByteArray();
        assertEquals(length, all.length, "seed " + seed + ": every byte once");
        assertArrayEquals(stream, all, "seed " + seed + ": in order");
        client.close();
        server.close();
        keep[0].close();
    }
}
