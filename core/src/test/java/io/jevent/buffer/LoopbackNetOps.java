package io.jevent.buffer;

import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A throwaway, backend-free NetOps over java.nio socket channels, just enough to run the EvBuffer I/O conformance
 * scenarios inside core (the real NIO backend lives in its own module).
 */
final class LoopbackNetOps implements NetOps {
    /** When positive, caps the bytes of each read and write, so that short reads and writes happen. */
    int maxPerCall;

    /** When true, handles are not ChannelHandles, as with the native backends' descriptors (no transferTo). */
    boolean opaqueHandles;

    /** A handle that is not a {@link ChannelHandle}. */
    record Opaque(SocketChannel channel) implements Handle {
        @Override
        public boolean isOpen() {
            return channel.isOpen();
        }
    }

    /** Calls to {@link #read} and {@link #write}, to check one call per readFrom/writeTo. */
    int reads;
    int writes;

    @Override
    public Handle[] socketPair() throws IOException {
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel a = SocketChannel.open(server.getLocalAddress());
            SocketChannel b = server.accept();
            a.configureBlocking(false);
            b.configureBlocking(false);
            return opaqueHandles ? new Handle[] {new Opaque(a), new Opaque(b)}
                    : new Handle[] {new ChannelHandle(a), new ChannelHandle(b)};
        }
    }

    private static SocketChannel ch(Handle h) {
        return h instanceof Opaque ? ((Opaque) h).channel() : (SocketChannel) ((ChannelHandle) h).channel();
    }

    @Override
    public long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        reads++;
        long n = maxPerCall > 0 ? capped(dsts, offset, length, true, handle) : ch(handle).read(dsts, offset, length);
        return n < 0 ? 0 : n == 0 ? WOULD_BLOCK : n;
    }

    @Override
    public long write(Handle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        writes++;
        long n = maxPerCall > 0 ? capped(srcs, offset, length, false, handle) : ch(handle).write(srcs, offset, length);
        return n == 0 ? WOULD_BLOCK : n;
    }

    private long capped(ByteBuffer[] bufs, int offset, int length, boolean read, Handle h) throws IOException {
        ByteBuffer first = bufs[offset];
        int saved = first.limit();
        first.limit(Math.min(saved, first.position() + maxPerCall));
        try {
            return read ? ch(h).read(first) : ch(h).write(first);
        } finally {
            first.limit(saved);
        }
    }

    @Override
    public Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Handle accept(Handle listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Handle connect(SocketAddress remote) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean finishConnect(Handle handle) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void shutdownOutput(Handle handle) throws IOException {
        ch(handle).shutdownOutput();
    }

    @Override
    public void close(Handle handle) throws IOException {
        ch(handle).close();
    }

    @Override
    public SocketAddress localAddress(Handle handle) throws IOException {
        return ch(handle).getLocalAddress();
    }

    @Override
    public SocketAddress remoteAddress(Handle handle) throws IOException {
        return ch(handle).getRemoteAddress();
    }

    @Override
    public void setTcpNoDelay(Handle handle, boolean on) throws IOException {
        ch(handle).setOption(StandardSocketOptions.TCP_NODELAY, on);
    }
}
