package io.jevent.backend.nio;

import io.jevent.spi.ChannelHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.DatagramChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ScatteringByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link NetOps} over NIO channels: every handle made here is a {@link ChannelHandle} on a non-blocking channel
 * of the default {@link java.nio.channels.spi.SelectorProvider}.
 *
 * <p>{@link #read} and {@link #write} accept any scattering / gathering {@link SelectableChannel} (sockets, pipes,
 * connected datagram channels); the socket-only operations need a {@link SocketChannel}. A handle on a channel
 * left in blocking mode is refused rather than allowed to block the loop thread.
 *
 * <p>A failed non-blocking connect is reported by {@link #finishConnect}, or already by {@link #connect} when the
 * OS refuses at once; in both cases as a {@link java.net.ConnectException}, and the JDK closes the channel.
 *
 * <p><b>Out of descriptors.</b> The JDK initialises part of its socket machinery on a channel's first write or
 * close, and on Linux that initialisation opens a socketpair: in a process that has no descriptor left at that
 * moment it fails with an {@link ExceptionInInitializerError}, and every later write with a
 * {@link NoClassDefFoundError}, for the life of the JVM. {@link #warmUp()}, called when a backend instance opens
 * (which needs descriptors anyway), runs those paths once on a throwaway pair, so that running out later is an
 * ordinary {@link IOException} from accept and nothing else.
 *
 * <p>Stateless and thread-safe.
 */
final class NioNetOps implements NetOps {
    private static final Logger LOG = LoggerFactory.getLogger(NioNetOps.class);

    /** Set once {@link #warmUp()} has run the JDK's socket paths in this process. */
    private static volatile boolean warm;

    /** Bound on attempts to get our own connection out of socketPair's temporary listener. */
    private static final int SOCKET_PAIR_ATTEMPTS = 3;

    /**
     * {@inheritDoc}
     *
     * <p>NIO has no socketpair(2): this connects through a temporary listener on the loopback address, checks
     * that the accepted connection is ours (a stranger could connect to the ephemeral port first), and closes
     * the listener. Both ends are non-blocking with TCP_NODELAY.
     */
    @Override
    public Handle[] socketPair() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
            SocketAddress listening = listener.getLocalAddress();
            for (int attempt = 1; attempt <= SOCKET_PAIR_ATTEMPTS; attempt++) {
                SocketChannel a = SocketChannel.open(listening);
                SocketChannel b = null;
                try {
                    b = listener.accept();
                    if (!b.getRemoteAddress().equals(a.getLocalAddress())) {
                        LOG.debug("socketPair: accepted a stranger {} instead of {}, retrying", b.getRemoteAddress(),
                                a.getLocalAddress());
                        closeQuietly(a, b);
                        continue;
                    }
                    for (SocketChannel c : new SocketChannel[] {a, b}) {
                        c.configureBlocking(false);
                        c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    }
                    return new Handle[] {new ChannelHandle(a), new ChannelHandle(b)};
                } catch (IOException | RuntimeException e) {
                    closeQuietly(a, b);
                    throw e;
                }
            }
            throw new IOException("socketPair: " + SOCKET_PAIR_ATTEMPTS
                    + " connections to the temporary loopback listener " + listening + " were taken by others");
        }
    }

    @Override
    public Handle listen(SocketAddress local, int backlog, boolean reuseAddress, boolean reusePort)
            throws IOException {
        Objects.requireNonNull(local, "local");
        if (backlog <= 0) {
            throw new IllegalArgumentException("expected backlog > 0, got " + backlog);
        }
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, reuseAddress);
            if (reusePort) {
                if (server.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
                    server.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                } else {
                    LOG.debug("listen {}: SO_REUSEPORT is not supported on this platform, ignored", local);
                }
            }
            try {
                server.bind(local, backlog);
            } catch (java.net.BindException e) {
                // The JDK's message ("Address already in use") does not say which address.
                java.net.BindException named = new java.net.BindException(
                        "bind " + io.jevent.spi.ErrnoException.format(local) + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
            server.configureBlocking(false);
            LOG.debug("listening on {}", server.getLocalAddress());
            return new ChannelHandle(server);
        } catch (IOException | RuntimeException e) {
            closeQuietly(server, null);
            throw e;
        }
    }

    @Override
    public Handle accept(Handle listener) throws IOException {
        ServerSocketChannel server = NioHandles.channel(listener, ServerSocketChannel.class, "accept");
        SocketChannel accepted = server.accept();
        if (accepted == null) {
            return null;
        }
        try {
            accepted.configureBlocking(false);
        } catch (IOException | RuntimeException e) {
            closeQuietly(accepted, null);
            throw e;
        }
        LOG.trace("accepted {}", accepted);
        return new ChannelHandle(accepted);
    }

    @Override
    public Handle connect(SocketAddress remote) throws IOException {
        Objects.requireNonNull(remote, "remote");
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            boolean done = channel.connect(remote);
            LOG.trace("connect {}: {}", remote, done ? "connected" : "in progress");
            return new ChannelHandle(channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, null);
            throw e;
        }
    }

    @Override
    public boolean finishConnect(Handle handle) throws IOException {
        SocketChannel channel = NioHandles.channel(handle, SocketChannel.class, "finishConnect");
        return channel.finishConnect();
    }

    /**
     * {@inheritDoc}
     *
     * <p>As readv(2), offering no space at all reads nothing and returns 0: callers must offer space, or they
     * mistake it for end of stream.
     */
    @Override
    public long read(Handle handle, ByteBuffer[] dsts, int offset, int length) throws IOException {
        ScatteringByteChannel channel = nonBlocking(handle, ScatteringByteChannel.class, "read");
        long n = channel.read(dsts, offset, length);
        if (n > 0) {
            return n;
        }
        if (n < 0) {
            return 0;
        }
        return anyRemaining(dsts, offset, length) ? WOULD_BLOCK : 0;
    }

    @Override
    public long write(Handle handle, ByteBuffer[] srcs, int offset, int length) throws IOException {
        GatheringByteChannel channel = nonBlocking(handle, GatheringByteChannel.class, "write");
        long n = channel.write(srcs, offset, length);
        if (n == 0 && anyRemaining(srcs, offset, length)) {
            return WOULD_BLOCK;
        }
        return n;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link FileChannel#transferTo}, which is sendfile(2) on Linux for a socket channel. Its 0 means either "the
     * socket is full" or "the file ends here"; the file's size tells which.
     */
    @Override
    public long sendFile(Handle handle, FileChannel file, long position, long count) throws IOException {
        if (position < 0 || count <= 0) {
            throw new IllegalArgumentException("expected position >= 0 and count > 0, got " + position + ", " + count);
        }
        WritableByteChannel out = nonBlocking(handle, WritableByteChannel.class, "sendFile");
        long n = file.transferTo(position, count, out);
        if (n == 0 && position < file.size()) {
            return WOULD_BLOCK;
        }
        return n;
    }

    @Override
    public void shutdownOutput(Handle handle) throws IOException {
        NioHandles.channel(handle, SocketChannel.class, "shutdownOutput").shutdownOutput();
    }

    /** {@inheritDoc} Closing a closed handle is a no-op. */
    @Override
    public void close(Handle handle) throws IOException {
        NioHandles.channel(handle).close();
    }

    @Override
    public SocketAddress localAddress(Handle handle) throws IOException {
        return NioHandles.channel(handle, NetworkChannel.class, "localAddress").getLocalAddress();
    }

    @Override
    public SocketAddress remoteAddress(Handle handle) throws IOException {
        return NioHandles.channel(handle, SocketChannel.class, "remoteAddress").getRemoteAddress();
    }

    @Override
    public void setTcpNoDelay(Handle handle, boolean on) throws IOException {
        NioHandles.channel(handle, SocketChannel.class, "setTcpNoDelay").setOption(StandardSocketOptions.TCP_NODELAY,
                on);
    }

    @Override
    public boolean supportsDatagrams() {
        return true;
    }

    @Override
    public Handle openDatagram(InetSocketAddress local) throws IOException {
        Objects.requireNonNull(local, "local");
        DatagramChannel channel = DatagramChannel.open(local.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        try {
            channel.configureBlocking(false);
            channel.bind(local);
            LOG.trace("datagram socket on {}", channel.getLocalAddress());
            return new ChannelHandle(channel);
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel, null);
            throw e;
        }
    }

    /** {@inheritDoc} A full send buffer makes {@link DatagramChannel#send} return 0: that is WOULD_BLOCK here. */
    @Override
    public long sendTo(Handle handle, ByteBuffer src, InetSocketAddress target) throws IOException {
        Objects.requireNonNull(target, "target");
        DatagramChannel channel = nonBlocking(handle, DatagramChannel.class, "sendTo");
        int n = src.remaining();
        int sent = channel.send(src, target);
        return sent == 0 && n > 0 ? WOULD_BLOCK : sent;
    }

    /** {@inheritDoc} The JDK keeps the last sender's address, so a steady peer costs no allocation here either. */
    @Override
    public InetSocketAddress receiveFrom(Handle handle, ByteBuffer dst) throws IOException {
        DatagramChannel channel = nonBlocking(handle, DatagramChannel.class, "receiveFrom");
        return (InetSocketAddress) channel.receive(dst);
    }

    /**
     * Writes (one buffer and gathering), shuts down and closes a throwaway loopback pair once per process, while
     * descriptors are free, so that the JDK classes those paths initialise lazily are ready before a server can run
     * out (see the class comment). A failure is logged at debug and the next call tries again.
     */
    static void warmUp() {
        if (warm) {
            return;
        }
        synchronized (NioNetOps.class) {
            if (warm) {
                return;
            }
            try {
                NioNetOps ops = new NioNetOps();
                Handle[] p = ops.socketPair(); // closes its listener: the close path of a channel
                try {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    ops.write(p[0], new ByteBuffer[] {one}, 0, 1);
                    ops.write(p[0], new ByteBuffer[] {ByteBuffer.allocate(1), ByteBuffer.allocateDirect(1)}, 0, 2);
                    ops.read(p[1], new ByteBuffer[] {ByteBuffer.allocate(4)}, 0, 1);
                    ops.shutdownOutput(p[0]);
                } finally {
                    ops.close(p[0]);
                    ops.close(p[1]);
                }
                warm = true;
                LOG.debug("JDK socket paths initialised (write, gathering write, shutdown, close)");
            } catch (IOException | RuntimeException e) {
                LOG.debug("could not initialise the JDK socket paths now; retried when the next backend opens", e);
            }
        }
    }

    /** The channel, which must be a {@code type} in non-blocking mode: a blocking read would stall the loop. */
    private static <T> T nonBlocking(Handle handle, Class<T> type, String what) {
        T channel = NioHandles.channel(handle, type, what);
        if (((SelectableChannel) channel).isBlocking()) {
            throw new IllegalArgumentException(what + " needs a non-blocking channel, and " + channel
                    + " is in blocking mode: make handles with NetOps or call configureBlocking(false)");
        }
        return channel;
    }

    private static boolean anyRemaining(ByteBuffer[] buffers, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            if (buffers[i].hasRemaining()) {
                return true;
            }
        }
        return false;
    }

    /** Closes after a failure, keeping the original exception as the one thrown. */
    private static void closeQuietly(java.nio.channels.Channel a, java.nio.channels.Channel b) {
        for (java.nio.channels.Channel c : new java.nio.channels.Channel[] {a, b}) {
            if (c != null) {
                try {
                    c.close();
                } catch (IOException e) {
                    LOG.debug("closing {} after a failure failed too", c, e);
                }
            }
        }
    }
}
