package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Readiness on real sockets: read, write, edge-triggered, peer close, timeouts, accept and connect; and the
 * lifetime of a handle: once closed through {@code NetOps.close} it is dead, and a new socket that receives the
 * same descriptor number is never confused with it.
 */
public abstract class IoConformance extends ConformanceBase {

    private long write(Handle h, String s) throws IOException {
        return netOps().write(h, new ByteBuffer[] {ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))}, 0, 1);
    }

    private String read(Handle h, int max) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(max);
        long n = netOps().read(h, new ByteBuffer[] {buf}, 0, 1);
        if (n == NetOps.WOULD_BLOCK) {
            return null;
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldReportReadableWhenPeerWrites() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        List<String> got = new ArrayList<>();
        Event r = base.newEvent(p[0], Ev.READ, (ev, what) -> {
            assertEquals(Ev.READ, what);
            try {
                got.add(read(p[0], 100));
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        r.add();
        assertEquals(Ev.READ, r.pending(Ev.READ | Ev.WRITE));
        base.newTimer((ev, w) -> {
            try {
                write(p[1], "hello");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add(Duration.ofMillis(5));
        dispatchWithin(base);
        assertEquals(List.of("hello"), got);
    }

    @Test
    void shouldNameTheAddressWhenBindFails() throws IOException {
        Handle taken = closeLater(netOps().listen(TestData.loopback0(), 1, false, false));
        InetSocketAddress busy = (InetSocketAddress) netOps().localAddress(taken);
        IOException e = assertThrows(IOException.class, () -> closeLater(netOps().listen(busy, 1, false, false)));
        String expected = "127.0.0.1:" + busy.getPort();
        assertTrue(e.getMessage().contains(expected), "expected the message to name " + expected + ": " + e);
        assertTrue(e.getMessage().startsWith("bind"), e.getMessage());
    }

    @Test
    void shouldReportWritableOnFreshSocket() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        int[] what = {0};
        base.newEvent(p[0], Ev.WRITE, (ev, w) -> what[0] = w).add();
        dispatchWithin(base);
        assertEquals(Ev.WRITE, what[0]);
    }

    @Test
    void shouldKeepReportingLevelTriggeredReadUntilDrained() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        write(p[1], "abc");
        StringBuilder got = new StringBuilder();
        Event r = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> {
            try {
                String s = read(p[0], 1); // one byte per callback: readiness must persist
                got.append(s);
                if (got.length() == 3) {
                    assertEquals(null, read(p[0], 1), "drained socket would block");
                    ev.remove();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        r.add();
        dispatchWithin(base);
        assertEquals("abc", got.toString());
    }

    @Test
    void shouldDeliverEdgeTriggeredEventOncePerEdge() throws IOException {
        assumeFeature(Feature.ET);
        EventBase base = newBase();
        Handle[] p = socketPair();
        int[] fired = {0};
        List<Integer> seenAtCheck = new ArrayList<>();
        Event r = base.newEvent(p[0], Ev.READ | Ev.PERSIST | Ev.ET, (ev, w) -> fired[0]++); // never reads
        r.add();
        base.newTimer((ev, w) -> {
            try {
                write(p[1], "one");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add(Duration.ofMillis(5));
        base.newTimer((ev, w) -> {
            seenAtCheck.add(fired[0]);
            try {
                write(p[1], "two"); // a new edge
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add(Duration.ofMillis(60));
        base.newTimer((ev, w) -> {
            seenAtCheck.add(fired[0]);
            r.remove();
        }).add(Duration.ofMillis(120));
        dispatchWithin(base);
        assertEquals(List.of(1, 2), seenAtCheck, "edge-triggered: one callback per arrival of data");
    }

    @Test
    void shouldReportClosedWhenPeerCloses() throws IOException {
        assumeFeature(Feature.EARLY_CLOSE);
        EventBase base = newBase();
        Handle[] p = socketPair();
        int[] what = {0};
        base.newEvent(p[0], Ev.CLOSED, (ev, w) -> what[0] = w).add();
        base.newTimer((ev, w) -> {
            try {
                netOps().close(p[1]);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add(Duration.ofMillis(5));
        dispatchWithin(base);
        assertTrue((what[0] & Ev.CLOSED) != 0, "got " + Ev.toString(what[0]));
    }

    @Test
    void shouldReportEndOfStreamAsReadable() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        write(p[1], "last");
        netOps().shutdownOutput(p[1]);
        StringBuilder got = new StringBuilder();
        boolean[] eof = {false};
        base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> {
            try {
                String s = read(p[0], 100);
                if (s != null && s.isEmpty()) {
                    eof[0] = true;
                    ev.remove();
                } else if (s != null) {
                    got.append(s);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add();
        dispatchWithin(base);
        assertEquals("last", got.toString(), "all data before end of stream");
        assertTrue(eof[0]);
    }

    @Test
    void shouldDispatchReadAndWriteEventsOnOneHandleIndependently() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        List<String> order = new ArrayList<>();
        Event reader = base.newEvent(p[0], Ev.READ, (ev, w) -> order.add("read"));
        Event writer = base.newEvent(p[0], Ev.WRITE, (ev, w) -> {
            order.add("write");
            try {
                write(p[1], "x"); // makes p[0] readable
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        reader.add();
        writer.add();
        dispatchWithin(base);
        assertEquals(List.of("write", "read"), order);
    }

    @Test
    void shouldTimeOutIdleReadEvent() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        int[] what = {0};
        long start = System.nanoTime();
        Event r = base.newEvent(p[0], Ev.READ, (ev, w) -> what[0] = w);
        r.add(Duration.ofMillis(30));
        dispatchWithin(base);
        assertEquals(Ev.TIMEOUT, what[0]);
        assertTrue(System.nanoTime() - start >= 30_000_000L);
        assertEquals(0, r.pending(Ev.READ | Ev.TIMEOUT));
    }

    @Test
    void shouldWatchNewHandleAfterRemoveAndClose() throws IOException {
        EventBase base = newBase();
        for (int round = 0; round < 20; round++) {
            Handle[] p = socketPair();
            int[] n = {0};
            Event r = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> {
                n[0]++;
                ev.remove();
            });
            r.add();
            write(p[1], "r" + round);
            dispatchWithin(base);
            assertEquals(1, n[0], "round " + round);
            r.remove();
            netOps().close(p[0]); // descriptors are reused by the next round's pair
            netOps().close(p[1]);
        }
    }

    @Test
    void shouldServeFiveHundredSocketPairs() throws IOException {
        EventBase base = newBase();
        int n = 500;
        Handle[][] pairs = new Handle[n][];
        int[] done = {0};
        for (int i = 0; i < n; i++) {
            pairs[i] = socketPair();
            Handle h = pairs[i][0];
            String expect = "m" + i;
            base.newEvent(h, Ev.READ, (ev, w) -> {
                try {
                    assertEquals(expect, read(h, 100));
                    done[0]++;
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).add();
        }
        for (int i = n - 1; i >= 0; i--) {
            write(pairs[i][1], "m" + i);
        }
        dispatchWithin(base);
        assertEquals(n, done[0]);
    }

    @Test
    void shouldAcceptAndConnectOverLoopback() throws IOException {
        EventBase base = newBase();
        NetOps ops = netOps();
        Handle listener = closeLater(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16,
                true, false));
        SocketAddress addr = ops.localAddress(listener);
        Handle client = closeLater(ops.connect(addr));
        List<String> got = new ArrayList<>();
        base.newEvent(listener, Ev.READ, (ev, w) -> {
            try {
                Handle accepted = closeLater(ops.accept(listener));
                assertNotNull(accepted);
                base.newEvent(accepted, Ev.READ, (ev2, w2) -> {
                    try {
                        got.add(read(accepted, 100));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }).add();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add();
        base.newEvent(client, Ev.WRITE, (ev, w) -> {
            try {
                assertTrue(ops.finishConnect(client));
                write(client, "hi server");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add();
        dispatchWithin(base);
        assertEquals(List.of("hi server"), got);
    }

    /** A connect in progress to a loopback port nobody listens on, or null if the stack refused it at once. */
    private Handle connectToAClosedPort() throws IOException {
        NetOps ops = netOps();
        Handle l = ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, true, false);
        SocketAddress dead = ops.localAddress(l);
        ops.close(l);
        try {
            return closeLater(ops.connect(dead));
        } catch (IOException refusedAtOnce) {
            return null;
        }
    }

    @Test
    void shouldReportRefusedConnectThroughFinishConnect() throws IOException {
        EventBase base = newBase();
        NetOps ops = netOps();
        Handle client = connectToAClosedPort();
        if (client == null) {
            return; // some stacks refuse loopback connects synchronously: also a clear error
        }
        IOException[] failure = {null};
        base.newEvent(client, Ev.WRITE, (ev, w) -> {
            failure[0] = assertThrows(IOException.class, () -> ops.finishConnect(client));
        }).add();
        dispatchWithin(base);
        assertNotNull(failure[0]);
        assertTrue(String.valueOf(failure[0].getMessage()).toLowerCase().contains("refused"),
                String.valueOf(failure[0]));
    }

    @Test
    void shouldNeverLeaveARefusedConnectLookingPending() throws IOException {
        // Whoever reads the socket's error first (libkqueue does, to fill its event), the refused connect must
        // surface from finishConnect once the socket is writable, not look pending while WRITE fires forever.
        EventBase base = newBase();
        NetOps ops = netOps();
        Handle client = connectToAClosedPort();
        if (client == null) {
            return; // some stacks refuse loopback connects synchronously: also a clear error
        }
        int[] pendingAnswers = {0};
        IOException[] failure = {null};
        base.newEvent(client, Ev.WRITE | Ev.PERSIST, (ev, w) -> {
            try {
                if (!ops.finishConnect(client)) {
                    if (++pendingAnswers[0] >= 100) {
                        ev.close(); // level-triggered WRITE kept firing while finishConnect said "pending"
                    }
                    return;
                }
                ev.close();
            } catch (IOException e) {
                failure[0] = e;
                ev.close();
            }
        }).add();
        loopWithin(base, 0, java.time.Duration.ofSeconds(20));
        assertNotNull(failure[0], "finishConnect answered 'still connecting' " + pendingAnswers[0]
                + " times while the refused socket was writable");
    }

    @Test
    void shouldRejectHandleOfAnotherBackendKind() throws IOException {
        EventBase base = newBase();
        Handle foreign;
        Pipe pipe = null;
        if (backend.handleType() == FdHandle.class) {
            pipe = Pipe.open();
            foreign = new ChannelHandle(pipe.source());
        } else {
            foreign = new FdHandle(0);
        }
        try {
            Handle f = foreign;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> base.newEvent(f, Ev.READ, (ev, w) -> { }));
            assertTrue(e.getMessage().contains(backendName()), e.getMessage());
        } finally {
            if (pipe != null) {
                pipe.source().close();
                pipe.sink().close();
            }
        }
    }

    @Test
    void shouldCarryReadDataIntact() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        byte[] data = new byte[256 * 1024];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        ByteBuffer out = ByteBuffer.wrap(data);
        ByteBuffer in = ByteBuffer.allocateDirect(data.length);
        Event w = base.newEvent(p[1], Ev.WRITE | Ev.PERSIST, (ev, what) -> {
            try {
                netOps().write(p[1], new ByteBuffer[] {out}, 0, 1);
                if (!out.hasRemaining()) {
                    ev.remove();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        Event r = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, what) -> {
            try {
                netOps().read(p[0], new ByteBuffer[] {in}, 0, 1);
                if (!in.hasRemaining()) {
                    ev.remove();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        w.add();
        r.add();
        dispatchWithin(base);
        byte[] got = new byte[data.length];
        in.flip().get(got);
        assertArrayEquals(data, got);
    }

    // ------------------------------------------------------------------------------------ descriptor lifetime

    /** A new pair whose first end has the number of {@code dead}, closed just before (native backends). */
    private Handle[] pairReusing(Handle dead) throws IOException {
        return Descriptors.reusingNumberOf(dead, socketPair());
    }

    private static void assertClosed(String what, org.junit.jupiter.api.function.Executable op) {
        Throwable t = assertThrows(Throwable.class, op, what + " on a closed handle");
        if (!(t instanceof ClosedChannelException)) {
            throw new AssertionError(what + " on a closed handle: expected ClosedChannelException, got " + t, t);
        }
    }

    @Test
    void shouldReportNewSocketReusingTheNumberOfOneClosedByAOneShotCallback() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        write(p[1], "wake");
        int[] what = {0};
        base.once(p[0], Ev.READ, null, (ev, w) -> {
            try {
                netOps().close(p[0]); // the one-shot's removal is still batched at this point
                Handle[] q = pairReusing(p[0]);
                base.once(q[0], Ev.READ, Duration.ofSeconds(5), (ev2, w2) -> what[0] = w2);
                write(q[1], "new");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        dispatchWithin(base);
        assertEquals(Ev.READ, what[0], "the new socket was readable at once, got " + Ev.toString(what[0]));
    }

    @Test
    void shouldWatchNewSocketReusingTheNumberOfOneClosedOutsideNetOps() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        write(p[1], "wake");
        int[] what = {0};
        base.once(p[0], Ev.READ, null, (ev, w) -> {
            try {
                // closed behind the handle's back: by another wrapper of the number, or through the channel
                if (p[0] instanceof FdHandle) {
                    netOps().close(new FdHandle(((FdHandle) p[0]).fd()));
                } else {
                    ((ChannelHandle) p[0]).channel().close();
                }
                Handle[] q = pairReusing(p[0]);
                base.once(q[0], Ev.READ, Duration.ofSeconds(5), (ev2, w2) -> what[0] = w2);
                write(q[1], "new");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        dispatchWithin(base);
        assertEquals(Ev.READ, what[0], "the new socket was readable at once, got " + Ev.toString(what[0]));
    }

    @Test
    void shouldRefuseEveryOperationOnAClosedHandleAfterItsNumberWasReused() throws IOException {
        NetOps ops = netOps();
        Handle[] p = socketPair();
        Handle listener = ops.listen(TestData.loopback0(), 4, true, false);
        Handle client = ops.connect(ops.localAddress(listener));
        ops.close(p[0]);
        ops.close(client);
        ops.close(listener);
        Handle[] q = pairReusing(p[0]);
        Handle[] more = socketPair(); // takes the numbers of the client and the listener on native backends

        ByteBuffer[] into = {ByteBuffer.allocate(16)};
        assertClosed("read", () -> ops.read(p[0], into, 0, 1));
        assertClosed("write", () -> write(p[0], "leaked"));
        assertClosed("shutdownOutput", () -> ops.shutdownOutput(p[0]));
        assertClosed("localAddress", () -> ops.localAddress(p[0]));
        assertClosed("remoteAddress", () -> ops.remoteAddress(p[0]));
        assertClosed("setTcpNoDelay", () -> ops.setTcpNoDelay(p[0], true));
        assertClosed("finishConnect", () -> ops.finishConnect(client));
        assertClosed("accept", () -> ops.accept(listener));
        ops.close(p[0]); // closing again is a no-op: it must not close whatever has the number now
        ops.close(client);
        ops.close(listener);

        // the sockets that took the numbers are untouched: nothing was written into them, none was closed
        for (Handle[] pair : new Handle[][] {q, more, {more[1], more[0]}}) {
            write(pair[0], "marker");
            assertEquals("marker", Descriptors.readUpTo(netOps(), pair[1], 6), "bytes on " + pair[0] + " after the dead handle's use");
        }
    }

    @Test
    void shouldRefuseToRegisterAClosedHandle() throws IOException {
        Handle[] p = socketPair();
        netOps().close(p[0]);
        Handle[] q = pairReusing(p[0]);
        Readiness r = backend.open(new EventConfig());
        try {
            assertClosed("update(READ)", () -> r.update(p[0], 0, 0, Ev.READ));
            r.update(p[0], 0, 0, 0); // forgetting a dead handle is always allowed
            // the live socket with that number is watched normally by the same instance
            r.update(q[0], 1, 0, Ev.READ);
            write(q[1], "x");
            int[] seen = {-1, 0};
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen[0] < 0 && System.nanoTime() < deadline) {
                r.poll(100_000_000L, (token, bits) -> {
                    seen[0] = token;
                    seen[1] = bits;
                });
            }
            assertEquals(1, seen[0], "token of the live socket");
            assertEquals(Ev.READ, seen[1] & Ev.READ);
        } finally {
            r.close();
        }
    }

    @Test
    void shouldWakeAnEventAddedOnAClosedHandleAndLeaveTheSocketThatReusedItsNumberAlone() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        netOps().close(p[0]);
        Handle[] q = pairReusing(p[0]);
        List<String> live = new ArrayList<>();
        Event liveEvent = base.newEvent(q[0], Ev.READ | Ev.PERSIST, (ev, w) -> {
            try {
                live.add(read(q[0], 100));
                ev.remove();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        liveEvent.add();
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // the live socket is registered
        int[] what = {0};
        Throwable[] failure = {null};
        base.newEvent(p[0], Ev.READ, (ev, w) -> {
            what[0] = w;
            failure[0] = assertThrows(IOException.class, () -> read(p[0], 10));
            try {
                write(q[1], "live"); // now the live socket has data: its own event must still see it
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add(Duration.ofSeconds(5));
        dispatchWithin(base);
        assertEquals(Ev.READ, what[0], "woken at once, got " + Ev.toString(what[0]));
        assertTrue(failure[0] instanceof ClosedChannelException, String.valueOf(failure[0]));
        assertEquals(List.of("live"), live, "the live socket's event, beside the dead handle's");
    }

    @Test
    void shouldKeepEventsOfAHandleClosedUnderneathApartFromTheSocketThatReusedItsNumber() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        int[] oldFired = {0};
        Event old = base.newEvent(p[0], Ev.READ | Ev.PERSIST, (ev, w) -> oldFired[0]++);
        old.add();
        loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5)); // registered with the backend
        netOps().close(p[0]); // closed while its event waits (against the rules, but it happens)
        Handle[] q = pairReusing(p[0]);
        List<String> got = new ArrayList<>();
        Event fresh = base.newEvent(q[0], Ev.READ | Ev.PERSIST, (ev, w) -> {
            try {
                got.add(read(q[0], 100));
                if (got.size() == 1) {
                    old.remove(); // forgetting the dead registration must not drop the live one
                    write(q[1], "second");
                } else {
                    ev.remove();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        fresh.add();
        write(q[1], "first");
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(List.of("first", "second"), got);
        assertEquals(0, oldFired[0], "the closed handle's event fired for the new socket's data");
    }

    // ------------------------------------------------------------------------------------ out of descriptors

    /**
     * A server that runs out of descriptors before its first write keeps running and serves again once some are
     * freed (see {@link OutOfDescriptorsProbe}, run in a fresh JVM whose descriptor limit is 256).
     */
    @Test
    void shouldSurviveRunningOutOfDescriptorsBeforeTheFirstWrite() throws Exception {
        Path sh = Path.of("/bin/sh");
        Assumptions.assumeTrue(Files.isExecutable(sh) && Files.isDirectory(Path.of("/proc/self/fd")),
                () -> "[" + backendName() + "] needs /bin/sh (ulimit) and /proc to run out of descriptors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = Files.createTempFile("jevent-out-of-fds", ".txt");
        try {
            List<String> command = new ArrayList<>(List.of(sh.toString(), "-c", "ulimit -n 256 && exec \"$0\" \"$@\"",
                    java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            // the backend's configuration goes along (jevent.kqueue.library: where libkqueue is)
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("jevent.")).sorted()
                    .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    OutOfDescriptorsProbe.class.getName(), backendName()));
            Process child = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the probe did not end within 60 s:\n" + Files.readString(output));
            }
            String out = Files.readString(output);
            assertEquals(0, child.exitValue(), "the probe failed:\n" + out);
            assertTrue(out.contains("OK"), out);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
