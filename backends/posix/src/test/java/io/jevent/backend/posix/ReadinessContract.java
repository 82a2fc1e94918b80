package io.jevent.backend.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jevent.Ev;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.Test;

/**
 * What every readiness backend over raw descriptors must do, against the SPI directly (real sockets, no
 * EventBase), and what {@link PollLoopContract} asks. Subclassed once per backend: poll here, epoll and io_uring in
 * their modules (which add {@link EdgeTriggeredContract}); kqueue's test takes the two interface contracts only.
 */
public abstract class ReadinessContract extends ReadinessFixture implements PollLoopContract, ManyHandlesContract {
    @Test
    void shouldReportReadableWhenDataArrives() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 7, 0, Ev.READ);
        assertEquals(0, rec.pollNow(readiness), "nothing written yet");
        send(p[1], 3);
        rec.pollUntil(readiness, "READ on token 7", () -> rec.bits[7] != 0);
        assertEquals(Ev.READ, rec.bits[7]);
    }

    @Test
    void shouldReportWritableOnFreshSocket() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 3, 0, Ev.WRITE);
        rec.pollUntil(readiness, "WRITE on token 3", () -> rec.bits[3] != 0);
        assertEquals(Ev.WRITE, rec.bits[3]);
    }

    @Test
    void shouldFollowInterestChanges() throws IOException {
        Handle[] p = pair();
        send(p[1], 1); // p[0] is now readable and writable
        readiness.update(p[0], 1, 0, Ev.WRITE);
        rec.pollUntil(readiness, "WRITE", () -> rec.total > 0);
        assertEquals(Ev.WRITE, rec.bits[1]);

        readiness.update(p[0], 1, Ev.WRITE, Ev.READ);
        rec.clear().pollUntil(readiness, "READ", () -> rec.total > 0);
        assertEquals(Ev.READ, rec.bits[1]);

        readiness.update(p[0], 1, Ev.READ, Ev.READ | Ev.WRITE);
        rec.clear().pollUntil(readiness, "READ|WRITE", () -> rec.total > 0);
        assertEquals(Ev.READ | Ev.WRITE, rec.bits[1]);

        readiness.update(p[0], 1, Ev.READ | Ev.WRITE, 0);
        rec.clear();
        assertEquals(0, rec.pollNow(readiness), "deleted: nothing more");
        assertEquals(0, rec.total);
    }

    @Test
    void shouldKeepOtherHandlesWhenOneIsDeleted() throws IOException {
        Handle[] a = pair();
        Handle[] b = pair();
        Handle[] c = pair();
        readiness.update(a[0], 10, 0, Ev.WRITE);
        readiness.update(b[0], 11, 0, Ev.WRITE);
        readiness.update(c[0], 12, 0, Ev.WRITE);
        readiness.update(a[0], 10, Ev.WRITE, 0);
        rec.pollUntil(readiness, "tokens 11 and 12", () -> rec.bits[11] != 0 && rec.bits[12] != 0);
        assertEquals(0, rec.bits[10]);
        readiness.update(a[0], 10, 0, Ev.WRITE);
        readiness.update(c[0], 12, Ev.WRITE, 0);
        rec.clear().pollUntil(readiness, "tokens 10 and 11", () -> rec.bits[10] != 0 && rec.bits[11] != 0);
        assertEquals(0, rec.bits[12]);
    }

    @Test
    void shouldReportClosedWhenPeerCloses() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 5, 0, Ev.CLOSED);
        assertEquals(0, rec.pollNow(readiness));
        ops.close(p[1]);
        opened.remove(p[1]);
        rec.pollUntil(readiness, "CLOSED", () -> (rec.bits[5] & Ev.CLOSED) != 0);
    }

    @Test
    void shouldReportClosedWhenPeerShutsDownOutput() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 5, 0, Ev.CLOSED);
        assertEquals(0, rec.pollNow(readiness));
        ops.shutdownOutput(p[1]);
        rec.pollUntil(readiness, "CLOSED", () -> rec.bits[5] != 0);
        assertEquals(Ev.CLOSED, rec.bits[5], "half-close is RDHUP only: no error, no write bit");
    }

    @Test
    void shouldNotReportClosedUnlessAsked() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 5, 0, Ev.READ);
        ops.close(p[1]);
        opened.remove(p[1]);
        rec.pollUntil(readiness, "READ", () -> rec.bits[5] != 0);
        assertEquals(0, rec.bits[5] & Ev.CLOSED);
        assertEquals(0, ops.read(p[0], bytes(8), 0, 1), "end of stream");
    }

    @Test
    void shouldReportReadAndWriteOnHangUp() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 9, 0, Ev.READ | Ev.CLOSED);
        ops.close(p[1]);
        opened.remove(p[1]);
        rec.pollUntil(readiness, "hang-up", () -> rec.bits[9] != 0);
        assertEquals(Ev.READ | Ev.WRITE | Ev.CLOSED, rec.bits[9], "HUP: READ|WRITE, and CLOSED as asked");
    }

    @Test
    void shouldReportErrorAsReadWriteAndClosedOnReset() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8, true, false));
        Handle client = track(ops.connect(ops.localAddress(listener)));
        readiness.update(client, 1, 0, Ev.WRITE);
        rec.pollUntil(readiness, "connected", () -> rec.bits[1] != 0);
        assertTrue(ops.finishConnect(client));
        readiness.update(client, 1, Ev.WRITE, Ev.READ | Ev.CLOSED);
        Handle server = track(acceptWithin(listener));
        // SO_LINGER {on, 0}: close sends RST instead of FIN
        TestSockets.setLingerZero(server);
        ops.close(server);
        opened.remove(server);
        rec.clear().pollUntil(readiness, "reset", () -> (rec.bits[1] & Ev.WRITE) != 0);
        assertEquals(Ev.READ | Ev.WRITE | Ev.CLOSED, rec.bits[1]);
        ErrnoException e = org.junit.jupiter.api.Assertions.assertThrows(ErrnoException.class,
                () -> ops.read(client, bytes(8), 0, 1));
        assertEquals("ECONNRESET", e.errnoName());
    }

    @Test
    void shouldConnectAcceptOnLoopback() throws IOException {
        Handle listener = track(ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8, true, false));
        InetSocketAddress bound = (InetSocketAddress) ops.localAddress(listener);
        assertTrue(bound.getPort() > 0);
        readiness.update(listener, 0, 0, Ev.READ);
        Handle client = track(ops.connect(bound));
        readiness.update(client, 1, 0, Ev.WRITE);
        rec.pollUntil(readiness, "accept and connect", () -> rec.bits[0] != 0 && rec.bits[1] != 0);
        assertEquals(Ev.READ, rec.bits[0]);
        assertTrue(ops.finishConnect(client));
        Handle server = track(ops.accept(listener));
        assertEquals(ops.localAddress(client), ops.remoteAddress(server));
        assertEquals(bound, ops.remoteAddress(client));
        ops.setTcpNoDelay(client, true);

        readiness.update(server, 2, 0, Ev.READ);
        send(client, 5);
        rec.pollUntil(readiness, "data on server", () -> rec.bits[2] != 0);
        ByteBuffer in = ByteBuffer.allocate(16);
        assertEquals(5, ops.read(server, new ByteBuffer[] {in}, 0, 1));
        assertEquals(ops.accept(listener), null, "no second connection pending");
    }

    @Test
    void shouldFailConnectToClosedPortWithConnectionRefused() throws IOException {
        // find a free port and close it again, so nothing listens there
        Handle probe = ops.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1, true, false);
        InetSocketAddress dead = (InetSocketAddress) ops.localAddress(probe);
        ops.close(probe);

        Handle client = track(ops.connect(dead));
        readiness.update(client, 4, 0, Ev.WRITE);
        rec.pollUntil(readiness, "connect outcome", () -> rec.bits[4] != 0);
        try {
            ops.finishConnect(client);
            fail("expected ECONNREFUSED");
        } catch (ErrnoException e) {
            assertEquals("ECONNREFUSED", e.errnoName());
            assertEquals(111, e.errno());
            assertEquals("connect", e.call());
        }
    }

    @Test
    void shouldFailModifyingDescriptorClosedWhileRegistered() throws IOException {
        Handle[] p = ops.socketPair();
        track(p[1]);
        readiness.update(p[0], 1, 0, Ev.READ);
        ops.close(p[0]);
        org.junit.jupiter.api.Assertions.assertThrows(IOException.class,
                () -> readiness.update(p[0], 1, Ev.READ, Ev.WRITE));
        readiness.update(p[0], 1, Ev.READ, 0); // forgetting a dead handle: no system call on its number
        assertEquals(0, rec.pollNow(readiness));
    }

    @Test
    void shouldCarryLargeTokens() throws IOException {
        Handle[] p = pair();
        readiness.update(p[0], 8000, 0, Ev.WRITE | Ev.CLOSED);
        rec.pollUntil(readiness, "token 8000", () -> rec.bits[8000] != 0);
        assertEquals(Ev.WRITE, rec.bits[8000]);
    }

    @Test
    void shouldNotReturnBeforeTheTimeout() throws IOException {
        long start = System.nanoTime();
        readiness.poll(1_500_000L, rec); // 1.5 ms: rounded up to 2, never down to 1
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= 1_500_000L, "returned after " + elapsed + " ns");
        assertEquals(0, rec.total);
    }

    @Test
    void shouldRejectChannelHandleWithHelpfulMessage() throws IOException {
        try (SocketChannel ch = SocketChannel.open()) {
            Handle wrong = new ChannelHandle(ch);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> readiness.update(wrong, 1, 0, Ev.READ));
            assertTrue(e.getMessage().contains("FdHandle") && e.getMessage().contains("nio"), e.getMessage());
        }
    }

    @Test
    void shouldBeClosableTwice() {
        readiness.close();
        readiness.close();
        assertFalse(readiness == null);
    }


    private Handle acceptWithin(Handle listener) throws IOException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Handle h;
        while ((h = ops.accept(listener)) == null) {
            assertTrue(System.nanoTime() < deadline, "nothing to accept");
            Thread.onSpinWait();
        }
        return h;
    }
}
