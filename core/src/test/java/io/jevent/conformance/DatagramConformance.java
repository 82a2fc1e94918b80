package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * UDP through {@link NetOps#openDatagram}, {@link NetOps#sendTo} and {@link NetOps#receiveFrom}: bytes cross a real
 * loopback socket pair in both directions, READ readiness on a datagram handle wakes an {@link Event}, and each
 * datagram arrives whole with its sender's address, on IPv4 and on IPv6 (skipped, saying so, where {@code ::1} is
 * absent).
 */
public abstract class DatagramConformance extends ConformanceBase {

    private static final InetAddress V4 = InetAddress.getLoopbackAddress();

    private static InetAddress v6() {
        try {
            InetAddress a = InetAddress.getByName("::1");
            NetworkInterface lo = NetworkInterface.getByInetAddress(a);
            Assumptions.assumeTrue(lo != null && lo.isUp(), "::1 is not configured on this machine: IPv6 skipped");
            return a;
        } catch (IOException e) {
            Assumptions.abort("::1 is not usable on this machine (" + e + "): IPv6 skipped");
            return null;
        }
    }

    private Handle open(InetAddress a) throws IOException {
        return closeLater(netOps().openDatagram(new InetSocketAddress(a, 0)));
    }

    private InetSocketAddress local(Handle h) throws IOException {
        return (InetSocketAddress) netOps().localAddress(h);
    }

    private static ByteBuffer datagram(int i, int size, boolean direct) {
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size);
        for (int k = 0; k < size; k++) {
            b.put(k, (byte) (i * 31 + k));
        }
        return b;
    }

    @Test
    void shouldCarryDatagramsBothWaysOnIpv4() throws IOException {
        org.junit.jupiter.api.Assertions.assertTrue(netOps().supportsDatagrams(),
                "a backend running this suite must say it supports datagrams (the DNS resolver asks)");
        exchange(V4);
    }

    @Test
    void shouldCarryDatagramsBothWaysOnIpv6() throws IOException {
        exchange(v6());
    }

    /**
     * Client sends 50 datagrams of varied sizes (heap and direct buffers alternately); the server, woken by READ
     * readiness, echoes each to its sender; the client, woken the same way, checks every byte and the order.
     */
    private void exchange(InetAddress loopback) throws IOException {
        EventBase base = newBase();
        NetOps ops = netOps();
        Handle server = open(loopback);
        Handle client = open(loopback);
        InetSocketAddress serverAddr = local(server);
        InetSocketAddress clientAddr = local(client);
        assertEquals(loopback, serverAddr.getAddress());
        int count = 50;
        List<InetSocketAddress> senders = new ArrayList<>();
        List<byte[]> echoed = new ArrayList<>();
        ByteBuffer in = ByteBuffer.allocateDirect(65535);
        Event serverRead = base.newEvent(server, Ev.READ | Ev.PERSIST, (ev, what) -> {
            try {
                for (;;) {
                    in.clear();
                    InetSocketAddress from = ops.receiveFrom(server, in);
                    if (from == null) {
                        return;
                    }
                    senders.add(from);
                    in.flip();
                    assertEquals(in.remaining(), ops.sendTo(server, in, from));
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        Event clientRead = base.newEvent(client, Ev.READ | Ev.PERSIST, (ev, what) -> {
            try {
                for (;;) {
                    ByteBuffer b = ByteBuffer.allocate(2000); // a heap buffer: the copy-out path
                    InetSocketAddress from = ops.receiveFrom(client, b);
                    if (from == null) {
                        return;
                    }
                    assertEquals(serverAddr, from);
                    echoed.add(java.util.Arrays.copyOf(b.array(), b.position()));
                    if (echoed.size() == count) {
                        base.loopBreak();
                    }
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        serverRead.add();
        clientRead.add();
        for (int i = 0; i < count; i++) {
            ByteBuffer d = datagram(i, 1 + i * 37, i % 2 == 0);
            long n = ops.sendTo(client, d, serverAddr);
            assertEquals(1 + i * 37, n, "datagram " + i + " sent whole");
            assertEquals(0, d.remaining(), "position advanced past the datagram");
        }
        dispatchWithin(base);
        assertEquals(count, echoed.size());
        for (int i = 0; i < count; i++) {
            ByteBuffer want = datagram(i, 1 + i * 37, false);
            assertArrayEquals(want.array(), echoed.get(i), "datagram " + i);
            assertEquals(clientAddr, senders.get(i), "sender of datagram " + i);
        }
    }

    @Test
    void shouldReturnNullWhenNoDatagramWaits() throws IOException {
        Handle h = open(V4);
        ByteBuffer b = ByteBuffer.allocate(16);
        assertNull(netOps().receiveFrom(h, b));
        assertEquals(0, b.position());
    }

    @Test
    void shouldCutADatagramLongerThanTheSpaceOffered() throws IOException {
        EventBase base = newBase();
        Handle a = open(V4);
        Handle b = open(V4);
        netOps().sendTo(a, ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII)), local(b));
        netOps().sendTo(a, ByteBuffer.wrap("next".getBytes(StandardCharsets.US_ASCII)), local(b));
        List<String> got = new ArrayList<>();
        base.newEvent(b, Ev.READ | Ev.PERSIST, (ev, what) -> {
            try {
                ByteBuffer small = ByteBuffer.allocate(4);
                while (netOps().receiveFrom(b, small) != null) {
                    got.add(new String(small.array(), 0, small.position(), StandardCharsets.US_ASCII));
                    small.clear();
                }
                if (got.size() == 2) {
                    base.loopBreak();
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }).add();
        dispatchWithin(base);
        assertEquals(List.of("0123", "next"), got, "the rest of a long datagram is dropped, the next one is whole");
    }

    @Test
    void shouldRefuseADatagramOpOnAClosedHandle() throws IOException {
        Handle a = netOps().openDatagram(new InetSocketAddress(V4, 0));
        InetSocketAddress where = local(a);
        netOps().close(a);
        assertThrows(java.nio.channels.ClosedChannelException.class,
                () -> netOps().sendTo(a, ByteBuffer.allocate(1), where));
        assertThrows(java.nio.channels.ClosedChannelException.class,
                () -> netOps().receiveFrom(a, ByteBuffer.allocate(1)));
    }

    @Test
    void shouldBindAFreshRandomPortEachTime() throws IOException {
        Handle a = open(V4);
        Handle b = open(V4);
        assertNotNull(local(a));
        org.junit.jupiter.api.Assertions.assertNotEquals(local(a).getPort(), local(b).getPort());
        org.junit.jupiter.api.Assertions.assertTrue(local(a).getPort() > 0);
        org.junit.jupiter.api.Assertions.assertFalse(local(a).getAddress() instanceof Inet6Address);
    }
}
