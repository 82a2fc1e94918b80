package io.jevent.filter;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Netty's side, the baseline: a server and a client {@code EventLoopGroup} of one thread each, on the epoll or
 * the NIO transport, default pooled allocator, TCP_NODELAY (Netty's default). With TLS both pipelines start with
 * an {@link SslHandler} from an {@link SslContext} built with {@link SslProvider#JDK} (the same
 * {@code SSLEngine} jevent uses), pinned to the same protocol and cipher suite. The server handler is the
 * classic echo: {@code ctx.write(msg)} per read, {@code ctx.flush()} per read batch. The client copies its 16 KiB
 * chunk into a pooled buffer per write, as jevent's {@code write(byte[])} copies into pooled segments.
 */
final class NettyEchoRig implements EchoRig {
    /**
     * Netty's epoll classes are looked up by name: {@code netty-transport-native-epoll} brings
     * {@code netty-transport-classes-epoll} in runtime scope only, so they are in the jar but not on the compile
     * class path.
     */
    private static final String EPOLL = "io.netty.channel.epoll.";

    private final EventLoopGroup serverGroup;
    private final EventLoopGroup clientGroup;
    private final Channel serverChannel;
    private final Channel client;
    private final EchoProgress progress = new EchoProgress();
    private final byte[] chunk = new byte[WRITE];

    /**
     * @param tls false for plaintext
     */
    NettyEchoRig(String transport, BenchCerts certs, boolean tls) throws Exception {
        Arrays.fill(chunk, (byte) 'x');
        boolean epoll = transport.equals("epoll");
        if (!epoll && !transport.equals("nio")) {
            throw new IllegalArgumentException("expected transport epoll or nio, got " + transport);
        }
        serverGroup = new MultiThreadIoEventLoopGroup(1, epoll ? epollFactory() : NioIoHandler.newFactory());
        clientGroup = new MultiThreadIoEventLoopGroup(1, epoll ? epollFactory() : NioIoHandler.newFactory());
        Class<? extends ServerChannel> serverType = epoll
                ? Class.forName(EPOLL + "EpollServerSocketChannel").asSubclass(ServerChannel.class)
                : NioServerSocketChannel.class;
        Class<? extends SocketChannel> clientType = epoll
                ? Class.forName(EPOLL + "EpollSocketChannel").asSubclass(SocketChannel.class)
                : NioSocketChannel.class;
        SslContext serverSsl = tls ? SslContextBuilder.forServer(certs.cert.toFile(), certs.key.toFile())
                .sslProvider(SslProvider.JDK).protocols(BenchCerts.PROTOCOL).ciphers(List.of(BenchCerts.CIPHER))
                .build() : null;
        SslContext clientSsl = tls ? SslContextBuilder.forClient().trustManager(certs.cert.toFile())
                .sslProvider(SslProvider.JDK).protocols(BenchCerts.PROTOCOL).ciphers(List.of(BenchCerts.CIPHER))
                .endpointIdentificationAlgorithm("HTTPS").build() : null;

        serverChannel = new ServerBootstrap().group(serverGroup).channel(serverType)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (serverSsl != null) {
                            ch.pipeline().addLast(serverSsl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(new Echo());
                    }
                })
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).sync().channel();
        InetSocketAddress address = (InetSocketAddress) serverChannel.localAddress();
        client = new Bootstrap().group(clientGroup).channel(clientType)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (clientSsl != null) {
                            ch.pipeline().addLast(clientSsl.newHandler(ch.alloc(), BenchCerts.HOST,
                                    address.getPort()));
                        }
                        ch.pipeline().addLast(new Client());
                    }
                })
                .connect(address).sync().channel();
        if (tls) {
            client.pipeline().get(SslHandler.class).handshakeFuture().await(10, TimeUnit.SECONDS);
            if (!client.pipeline().get(SslHandler.class).handshakeFuture().isSuccess()) {
                throw new IllegalStateException("handshake failed",
                        client.pipeline().get(SslHandler.class).handshakeFuture().cause());
            }
        }
    }

    private static IoHandlerFactory epollFactory() throws ReflectiveOperationException {
        return (IoHandlerFactory) Class.forName(EPOLL + "EpollIoHandler").getMethod("newFactory").invoke(null);
    }

    /** The echo server handler. */
    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The client handler: counts echoed bytes and tops the window up. Client loop thread. */
    private final class Client extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            progress.received(b.readableBytes());
            b.release();
            topUp(ctx.channel(), false);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            progress.fail(cause);
            ctx.close();
        }
    }

    /** Client loop thread. */
    private void topUp(Channel ch, boolean flush) {
        for (int k = progress.nextWrite(); k > 0; k = progress.nextWrite()) {
            ByteBuf b = ch.alloc().buffer(k);
            b.writeBytes(chunk, 0, k);
            ch.write(b);
        }
        if (flush) {
            ch.flush();
        }
    }

    @Override
    public void echo(long bytes) throws InterruptedException {
        client.eventLoop().execute(() -> {
            progress.start(bytes);
            topUp(client, true);
        });
        progress.await();
    }

    @Override
    public void close() throws Exception {
        client.close().await(10, TimeUnit.SECONDS);
        serverChannel.close().await(10, TimeUnit.SECONDS);
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
}
