package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.ThreadScratch;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PosixNetOpsTest {
    private final NetOps ops = new PollBackend().netOps();
    private final OpenedHandles opened = new OpenedHandles();

    @BeforeAll
    static void available() {
        assumeTrue(Posix.isAvailable(), () -> "posix unavailable: " + Posix.unavailabilityCause());
    }

    @AfterEach
    void closeAll() {
        opened.closeAll(ops);
    }

    private Handle[] pair() throws IOException {
        return opened.pair(ops);
    }

    private static ByteBuffer direct(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer d = ByteBuffer.allocateDirect(b.length).put(b);
        return d.flip();
    }

    private static String drain(ByteBuffer... bufs) {
        StringBuilder sb = new StringBuilder();
        for (ByteBuffer b : bufs) {
            b.flip();
            while (b.hasRemaining()) {
                sb.append((char) b.get());
            }
        }
        return sb.toString();
    }

    @Test
    void shouldWriteAndReadThroughSocketPair() throws IOException {
        Handle[] p = pair();
        ByteBuffer src = direct("hello");
        assertEquals(5, ops.write(p[0], new ByteBuffer[] {src}, 0, 1));
        assertEquals(5, src.position());
        ByteBuffer dst = ByteBuffer.allocateDirect(16);
        assertEquals(5, ops.read(p[1], new ByteBuffer[] {dst}, 0, 1));
        assertEquals("hello", drain(dst));
    }

    @Test
    void shouldGatherAndScatterAcrossDirectAndHeapBuffers() throws IOException {
        Handle[] p = pair();
        ByteBuffer heapRo = ByteBuffer.wrap("BB".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();
        ByteBuffer[] srcs = {
            ByteBuffer.allocate(0), direct("A"), heapRo, direct(""), ByteBuffer.wrap("CCC".getBytes(StandardCharsets.US_ASCII)),
            direct("DDDD"), ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)),
        };
        // offset/length: skip the first and the last buffer
        assertEquals(10, ops.write(p[0], srcs, 1, 5));
        for (int i = 1; i < 6; i++) {
            assertEquals(0, srcs[i].remaining(), "source " + i + " fully advanced");
        }
        assertEquals(1, srcs[6].remaining(), "outside the range: untouched");

        ByteBuffer[] dsts = {
            ByteBuffer.allocate(2), ByteBuffer.allocateDirect(3), ByteBuffer.allocate(1), ByteBuffer.allocateDirect(10),
        };
        assertEquals(10, ops.read(p[1], dsts, 0, 4));
        assertEquals(2, dsts[0].position());
        assertEquals(3, dsts[1].position());
        assertEquals(1, dsts[2].position());
        assertEquals(4, dsts[3].position());
        assertEquals("ABBCCCDDDD", drain(dsts));
    }

    @Test
    void shouldMoveMoreHeapBytesThanTheScratchHoldsOverSeveralCalls() throws IOException {
        Handle[] p = pair();
        int size = ThreadScratch.HEAP_SCRATCH_BYTES + 1000;
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i * 31);
        }
        ByteBuffer src = ByteBuffer.wrap(data);
        ByteBuffer dst = ByteBuffer.allocate(size);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (dst.hasRemaining()) {
            assertTrue(System.nanoTime() < deadline, "stalled at " + dst.position());
            if (src.hasRemaining()) {
                long w = ops.write(p[0], new ByteBuffer[] {src}, 0, 1);
                assertTrue(w == NetOps.WOULD_BLOCK || w > 0 && w <= ThreadScratch.HEAP_SCRATCH_BYTES, "wrote " + w);
            }
            long r = ops.read(p[1], new ByteBuffer[] {dst}, 0, 1);
            assertTrue(r == NetOps.WOULD_BLOCK || r > 0, "read " + r);
        }
        assertArrayEquals(data, dst.array());
    }

    @Test
    void shouldReturnWouldBlockWhenNothingIsReadable() throws IOException {
        Handle[] p = pair();
        assertEquals(NetOps.WOULD_BLOCK, ops.read(p[0], new ByteBuffer[] {ByteBuffer.allocateDirect(8)}, 0, 1));
    }

    @Test
    void shouldReturnWouldBlockWhenSendBufferIsFull() throws IOException {
        Handle[] p = pair();
        ByteBuffer chunk = ByteBuffer.allocateDirect(64 * 1024);
        long total = 0;
        for (int i = 0; i < 10_000; i++) {
            chunk.clear();
            long w = ops.write(p[0], new ByteBuffer[] {chunk}, 0, 1);
            if (w == NetOps.WOULD_BLOCK) {
                assertTrue(total > 0);
                return;
            }
            total += w;
        }
        throw new AssertionError("never blocked after " + total + " bytes");
    }

    @Test
    void shouldReturnZeroAtEndOfStream() throws IOException {
        Handle[] p = pair();
        ops.write(p[0], new ByteBuffer[] {direct("z")}, 0, 1);
        ops.shutdownOutput(p[0]);
        ByteBuffer dst = ByteBuffer.allocate(4);
        assertEquals(1, ops.read(p[1], new ByteBuffer[] {dst}, 0, 1));
        assertEquals(0, ops.read(p[1], new ByteBuffer[] {dst}, 0, 1));
    }

    @Test
    void shouldReportConnectionResetByName() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, true, true));
        Handle client = track(ops.connect(ops.localAddress(listener)));
        Handle server = track(acceptWithin(listener));
        TestSockets.setLingerZero(server);
        ops.close(server);
        opened.remove(server);
        ErrnoException e = readUntilError(client);
        assertEquals("ECONNRESET", e.errnoName());
        assertEquals(104, e.errno());
        assertEquals("read", e.call(), "one buffer goes through read(2), not readv(2)");
        assertTrue(e.getMessage().startsWith("read: ECONNRESET (104)"), e.getMessage());
    }

    @Test
    void shouldThrowClosedChannelForClosedDescriptor() throws IOException {
        Handle[] p = ops.socketPair();
        ops.close(p[1]);
        ops.close(p[0]);
        ops.close(p[0]); // a closed handle is dead: closing it again is a no-op, its number is never closed twice
        assertThrows(ClosedChannelException.class,
                () -> ops.read(p[0], new ByteBuffer[] {ByteBuffer.allocate(1)}, 0, 1));

        // closed behind the handle's back (outside NetOps): the kernel's EBADF, with the errno kept as the cause
        Handle[] q = pair();
        Errors.check("close", LibC.close(((FdHandle) q[0]).fd()));
        ClosedChannelException e = assertThrows(ClosedChannelException.class,
                () -> ops.read(q[0], new ByteBuffer[] {ByteBuffer.allocate(1)}, 0, 1));
        ErrnoException cause = assertInstanceOf(ErrnoException.class, e.getCause());
        assertEquals("EBADF", cause.errnoName());
        opened.remove(q[0]);
    }

    @Test
    void shouldReturnNullFromAcceptWhenNoneIsPending() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4, false, false));
        assertNull(ops.accept(listener));
        assertNull(ops.remoteAddress(listener), "a listener has no peer");
    }

    @Test
    void shouldListenAndConnectOverIpv6Loopback() throws IOException {
        InetAddress v6 = InetAddress.getByName("::1");
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here");
        Handle listener = track(ops.listen(new InetSocketAddress(v6, 0), 4, true, false));
        InetSocketAddress bound = (InetSocketAddress) ops.localAddress(listener);
        assertInstanceOf(Inet6Address.class, bound.getAddress());
        assertEquals(v6, bound.getAddress());
        Handle client = track(ops.connect(bound));
        Handle server = track(acceptWithin(listener));
        assertEquals(ops.localAddress(client), ops.remoteAddress(server));
    }

    @Test
    void shouldDescribeSocketPairEndsAsUnnamedUnixSockets() throws IOException {
        Handle[] p = pair();
        assertEquals(UnixDomainSocketAddress.of(""), ops.localAddress(p[0]));
    }

    @Test
    void shouldRejectChannelHandleNamingTheRightNetOps() throws IOException {
        try (SocketChannel ch = SocketChannel.open()) {
            Handle wrong = new ChannelHandle(ch);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ops.read(wrong, new ByteBuffer[] {ByteBuffer.allocate(1)}, 0, 1));
            assertTrue(e.getMessage().contains("expected an FdHandle"), e.getMessage());
            assertTrue(e.getMessage().contains("nio backend"), e.getMessage());
        }
    }

    @Test
    void shouldRejectBadRangesAndReadOnlyDestinations() throws IOException {
        Handle[] p = pair();
        ByteBuffer[] one = {ByteBuffer.allocate(1)};
        assertThrows(IndexOutOfBoundsException.class, () -> ops.read(p[0], one, 1, 1));
        assertThrows(java.nio.ReadOnlyBufferException.class,
                () -> ops.read(p[0], new ByteBuffer[] {ByteBuffer.allocateDirect(1).asReadOnlyBuffer()}, 0, 1));
        assertThrows(IllegalArgumentException.class,
                () -> ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0, false, false));
    }

    @Test
    void shouldNameErrnosLikeLinux() {
        assertEquals("ECONNREFUSED", Errors.name(111));
        assertEquals("EAGAIN", Errors.name(11));
        assertEquals("errno 999", Errors.name(999));
        assertEquals(true, Errors.describe(111).toLowerCase().contains("refused"));
    }

    @Test
    void shouldNotAllocateWhileReadingAndWritingDirectBuffers() throws IOException {
        
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Handle[] p = pair();
        ByteBuffer[] out = {ByteBuffer.allocateDirect(16), ByteBuffer.allocateDirect(16)};
        ByteBuffer[] in = {ByteBuffer.allocateDirect(64)};
        ByteBuffer[] heapOut = {ByteBuffer.allocate(16)};
        ByteBuffer[] heapIn = {ByteBuffer.allocate(64)};
        for (int round = 0; round < 3; round++) {
            long before = mx.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                out[0].clear();
                out[1].clear();
                in[0].clear();
                ops.write(p[0], out, 0, 2);
                ops.read(p[1], in, 0, 1);
                heapOut[0].clear();
                heapIn[0].clear();
                ops.write(p[0], heapOut, 0, 1);
                ops.read(p[1], heapIn, 0, 1);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            if (allocated < 4096) {
                return;
            }
            if (round == 2) {
                throw new AssertionError("80,000 calls allocated " + allocated + " bytes");
            }
        }
    }

    private Handle track(Handle h) {
        opened.add(h);
        return h;
    }

    private Handle acceptWithin(Handle listener) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Handle h;
        while ((h = ops.accept(listener)) == null) {
            assertTrue(System.nanoTime() < deadline, "nothing to accept");
            Thread.onSpinWait();
        }
        assertInstanceOf(FdHandle.class, h);
        return h;
    }

    private ErrnoException readUntilError(Handle h) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(8)};
        while (System.nanoTime() < deadline) {
            try {
                dst[0].clear();
                long n = ops.read(h, dst, 0, 1);
                assertTrue(n == NetOps.WOULD_BLOCK, "expected no data before the reset, read " + n);
            } catch (ErrnoException e) {
                return e;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("no error within 5 s");
    }

    private static boolean hasIpv6Loopback() throws IOException {
        NetworkInterface lo = NetworkInterface.getByInetAddress(InetAddress.getByName("::1"));
        return lo != null;
    }
}
