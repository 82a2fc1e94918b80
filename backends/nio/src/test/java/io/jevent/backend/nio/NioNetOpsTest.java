package io.jevent.backend.nio;

import static io.jevent.backend.nio.NioTesting.ascii;
import static io.jevent.backend.nio.NioTesting.one;
import static io.jevent.backend.nio.NioTesting.pollUntil;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.Ev;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NioNetOpsTest {
    private final NetOps ops = new NioBackend().netOps();
    private final List<Handle> opened = new ArrayList<>();

    @AfterEach
    void closeAll() throws IOException {
        for (Handle h : opened) {
            ops.close(h);
        }
    }

    private Handle[] pair() throws IOException {
        Handle[] p = ops.socketPair();
        opened.add(p[0]);
        opened.add(p[1]);
        return p;
    }

    private <H extends Handle> H track(H h) {
        opened.add(h);
        return h;
    }

    private static SocketChannel socket(Handle h) {
        return (SocketChannel) ((ChannelHandle) h).channel();
    }

    /** Reads until {@code n} bytes arrived; loopback delivers at once, the bound only guards a broken read. */
    private String readExactly(Handle h, int n) throws IOException {
        ByteBuffer dst = ByteBuffer.allocate(n);
        long end = System.nanoTime() + NioTesting.DEADLINE_NANOS;
        while (dst.hasRemaining() && System.nanoTime() - end < 0) {
            long r = ops.read(h, one(dst), 0, 1);
            assertTrue(r != 0, "unexpected end of stream");
        }
        return new String(dst.array(), 0, dst.position(), java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void shouldConnectSocketPairBothWaysWithNoDelay() throws IOException {
        Handle[] p = pair();
        for (Handle h : p) {
            assertFalse(socket(h).isBlocking(), "socketPair ends must be non-blocking");
            assertTrue(socket(h).getOption(StandardSocketOptions.TCP_NODELAY), "socketPair ends use TCP_NODELAY");
        }
        assertEquals(ops.localAddress(p[0]), ops.remoteAddress(p[1]));
        assertEquals(ops.localAddress(p[1]), ops.remoteAddress(p[0]));

        assertEquals(5, ops.write(p[0], one(ascii("hello")), 0, 1));
        assertEquals("hello", readExactly(p[1], 5));
        assertEquals(3, ops.write(p[1], one(ascii("bye")), 0, 1));
        assertEquals("bye", readExactly(p[0], 3));
    }

    @Test
    void shouldGatherWriteAndScatterReadAcrossHeapAndDirectBuffers() throws IOException {
        Handle[] p = pair();
        ByteBuffer d1 = ByteBuffer.allocateDirect(4).put(new byte[] {'a', 'b', 'c', 'd'}).flip();
        ByteBuffer[] srcs = {ascii("XX"), ascii("0123"), d1, ascii("efg"), ascii("YY")};
        long written = ops.write(p[0], srcs, 1, 3);
        assertEquals(11, written, "offset/length select the middle three buffers");
        assertEquals(2, srcs[0].remaining(), "buffer before offset untouched");
        assertEquals(2, srcs[4].remaining(), "buffer after offset+length untouched");
        assertFalse(srcs[1].hasRemaining() || srcs[2].hasRemaining() || srcs[3].hasRemaining());

        ByteBuffer guard = ByteBuffer.allocate(1);
        ByteBuffer h1 = ByteBuffer.allocate(3);
        ByteBuffer dd = ByteBuffer.allocateDirect(5);
        ByteBuffer h2 = ByteBuffer.allocate(10);
        ByteBuffer[] dsts = {guard, h1, dd, h2};
        long got = 0;
        long end = System.nanoTime() + NioTesting.DEADLINE_NANOS;
        while (got < 11 && System.nanoTime() - end < 0) {
            long r = ops.read(p[1], dsts, 1, 3);
            assertTrue(r != 0, "unexpected end of stream");
            got += r == NetOps.WOULD_BLOCK ? 0 : r;
        }
        assertEquals(11, got);
        assertEquals(0, guard.position(), "buffer before offset untouched");
        assertEquals("012", new String(h1.array(), java.nio.charset.StandardCharsets.US_ASCII));
        byte[] mid = new byte[5];
        dd.flip().get(mid);
        assertArrayEquals("3abcd".getBytes(java.nio.charset.StandardCharsets.US_ASCII), mid);
        assertEquals("efg", new String(h2.array(), 0, h2.position(), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void shouldReturnWouldBlockWhenNothingToRead() throws IOException {
        Handle[] p = pair();
        assertEquals(NetOps.WOULD_BLOCK, ops.read(p[0], one(ByteBuffer.allocate(8)), 0, 1));
    }

    @Test
    void shouldReturnZeroAtEndOfStreamAfterPeerShutdownOrClose() throws IOException {
        Handle[] p = pair();
        ops.write(p[0], one(ascii("x")), 0, 1);
        ops.shutdownOutput(p[0]);
        assertEquals("x", readExactly(p[1], 1));
        assertEquals(0, readUntilNotWouldBlock(p[1]), "peer's shutdownOutput reads as end of stream");
        // The half-closed side can still receive.
        ops.write(p[1], one(ascii("y")), 0, 1);
        assertEquals("y", readExactly(p[0], 1));
        ops.close(p[1]);
        assertEquals(0, readUntilNotWouldBlock(p[0]), "peer's close reads as end of stream");
    }

    private long readUntilNotWouldBlock(Handle h) throws IOException {
        long end = System.nanoTime() + NioTesting.DEADLINE_NANOS;
        long r;
        do {
            r = ops.read(h, one(ByteBuffer.allocate(8)), 0, 1);
        } while (r == NetOps.WOULD_BLOCK && System.nanoTime() - end < 0);
        return r;
    }

    @Test
    void shouldReturnWouldBlockWhenSendBufferIsFull() throws IOException {
        Handle[] p = pair();
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
        long total = 0;
        long r;
        int calls = 0;
        do {
            chunk.clear();
            r = ops.write(p[0], one(chunk), 0, 1);
            if (r > 0) {
                total += r;
            }
            calls++;
        } while (r != NetOps.WOULD_BLOCK && calls < 100_000);
        assertEquals(NetOps.WOULD_BLOCK, r, "the peer never reads, so the write must eventually block");
        assertTrue(total > 0);
        assertEquals(0, ops.write(p[0], one(ByteBuffer.allocate(0)), 0, 1), "nothing to write is 0, not would-block");
    }

    @Test
    void shouldReportReadOfZeroSpaceAsZeroLikeReadv() throws IOException {
        Handle[] p = pair();
        assertEquals(0, ops.read(p[0], one(ByteBuffer.allocate(0)), 0, 1));
    }

    @Test
    void shouldListenAndAcceptWithNullWhenNonePending() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16, true,
                false));
        assertFalse(((ChannelHandle) listener).channel().isBlocking());
        assertNull(ops.accept(listener), "no connection pending");

        SocketAddress where = ops.localAddress(listener);
        Handle client = track(ops.connect(where));
        try (NioReadiness r = NioTesting.open()) {
            RecordingSink sink = new RecordingSink(2);
            r.update(listener, 0, 0, Ev.READ);
            r.update(client, 1, 0, Ev.WRITE);
            pollUntil(r, sink, () -> sink.bits[0] == Ev.READ && sink.bits[1] == Ev.WRITE, "accept and connect");
        }
        assertTrue(ops.finishConnect(client));
        Handle server = track(ops.accept(listener));
        assertNotNull(server);
        assertFalse(socket(server).isBlocking(), "accepted handles are non-blocking");
        assertEquals(ops.localAddress(client), ops.remoteAddress(server));
        assertNull(ops.accept(listener), "the only connection was taken");
    }

    @Test
    void shouldBindTwoListenersToOnePortWithReusePort() throws IOException {
        ServerSocketChannel probe = ServerSocketChannel.open();
        boolean supported = probe.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        probe.close();
        org.junit.jupiter.api.Assumptions.assumeTrue(supported, "SO_REUSEPORT not supported here");
        Handle first = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true, true));
        Handle second = track(ops.listen(ops.localAddress(first), 4, true, true));
        assertEquals(ops.localAddress(first), ops.localAddress(second));
    }

    @Test
    void shouldRefuseToBindAnUsedPortWithoutReusePort() throws IOException {
        Handle first = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true, false));
        assertThrows(java.net.BindException.class, () -> track(ops.listen(ops.localAddress(first), 4, true, false)));
    }

    @Test
    void shouldFailConnectToClosedLoopbackPortWithConnectException() throws IOException {
        SocketAddress closedPort;
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            closedPort = s.getLocalAddress();
        }
        Handle client = track(ops.connect(closedPort));
        try (NioReadiness r = NioTesting.open()) {
            RecordingSink sink = new RecordingSink(1);
            r.update(client, 0, 0, Ev.WRITE);
            pollUntil(r, sink, () -> sink.bits[0] != 0, "the refused connect to be reported");
            assertEquals(Ev.WRITE, sink.bits[0] & Ev.WRITE, "a failed connect is reported as WRITE");
        }
        ConnectException e = assertThrows(ConnectException.class, () -> ops.finishConnect(client));
        assertTrue(e.getMessage().contains("refused"), e.getMessage());
    }

    @Test
    void shouldRejectFdHandleWithAHelpfulMessage() {
        FdHandle fd = new FdHandle(5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.read(fd, one(ByteBuffer.allocate(1)), 0, 1));
        assertEquals("the nio backend works on ChannelHandle (SelectableChannel); got fd 5: create handles with"
                + " this backend's NetOps or choose a native backend", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ops.close(fd));
        assertThrows(IllegalArgumentException.class, () -> ops.accept(fd));
        assertThrows(IllegalArgumentException.class, () -> ops.finishConnect(fd));
        assertThrows(IllegalArgumentException.class, () -> ops.setTcpNoDelay(fd, true));
        assertThrows(IllegalArgumentException.class, () -> ops.read(null, one(ByteBuffer.allocate(1)), 0, 1));
    }

    @Test
    void shouldRejectHandleOfTheWrongChannelKindNamingIt() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true,
                false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.read(listener, one(ByteBuffer.allocate(1)), 0, 1));
        assertTrue(e.getMessage().startsWith("read needs a handle on a ScatteringByteChannel, got a"),
                e.getMessage());
        Handle[] p = pair();
        e = assertThrows(IllegalArgumentException.class, () -> ops.accept(p[0]));
        assertTrue(e.getMessage().startsWith("accept needs a handle on a ServerSocketChannel"), e.getMessage());
    }

    @Test
    void shouldRefuseToReadFromABlockingChannel() throws IOException {
        Handle[] p = pair();
        socket(p[0]).configureBlocking(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ops.read(p[0], one(ByteBuffer.allocate(1)), 0, 1));
        assertTrue(e.getMessage().contains("blocking mode"), e.getMessage());
    }

    @Test
    void shouldToggleTcpNoDelayAndCloseIdempotently() throws IOException {
        Handle[] p = pair();
        ops.setTcpNoDelay(p[0], false);
        assertFalse(socket(p[0]).getOption(StandardSocketOptions.TCP_NODELAY));
        ops.setTcpNoDelay(p[0], true);
        assertTrue(socket(p[0]).getOption(StandardSocketOptions.TCP_NODELAY));
        ops.close(p[0]);
        ops.close(p[0]);
        assertFalse(socket(p[0]).isOpen());
        assertInstanceOf(java.nio.channels.ClosedChannelException.class,
                assertThrows(IOException.class, () -> ops.write(p[0], one(ascii("x")), 0, 1)));
    }
}
