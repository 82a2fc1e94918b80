package io.jevent.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A lying DNS server for the tests that dnsmasq cannot play: a thread on a loopback UDP socket that hands each query
 * to {@link #reply}, which sends whatever it likes (forgeries, garbage, the truth).
 */
final class FakeServer implements AutoCloseable {
    /** What to send back for one query. */
    @FunctionalInterface
    interface Reply {
        void answer(byte[] query, SocketAddress from, DatagramSocket socket) throws IOException;
    }

    private final DatagramSocket socket;
    private final Thread thread;
    volatile Reply reply = (q, f, s) -> { };

    FakeServer() throws IOException {
        socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        thread = new Thread(this::run, "fake-dns");
        thread.setDaemon(true);
        thread.start();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void run() {
        byte[] buf = new byte[65535];
        while (!socket.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                socket.receive(p);
                reply.answer(Arrays.copyOf(p.getData(), p.getLength()), p.getSocketAddress(), socket);
            } catch (IOException e) {
                return;
            }
        }
    }

    /** A response with one A or AAAA record for {@code name} (the question repeated, the owner uncompressed). */
    static byte[] answer(int id, String name, int type, String address) throws IOException {
        ByteBuffer b = DnsMessage.encodeQuery(ByteBuffer.allocate(512), id, name, type);
        b.putShort(2, (short) (DnsMessage.QR | DnsMessage.RD | 0x80));
        b.putShort(6, (short) 1);
        byte[] raw = InetAddress.getByName(address).getAddress();
        // owner: the question's name, by pointer to offset 12
        b.put((byte) 0xc0).put((byte) 12);
        b.putShort((short) type).putShort((short) 1).putInt(300).putShort((short) raw.length).put(raw);
        return Arrays.copyOf(b.array(), b.position());
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join(5000);
    }
}
