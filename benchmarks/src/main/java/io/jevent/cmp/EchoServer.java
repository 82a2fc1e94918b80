package io.jevent.cmp;

import io.jevent.BackendInfo;
import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.EventConfig;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.GroupListener;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Java echo servers of the comparison, one process per system, driven by {@code benchmarks/run.sh} and loaded
 * by the same C client ({@code benchmarks/native/loadgen.c}) as libevent's server.
 *
 * <pre>java -cp benchmarks.jar io.jevent.cmp.EchoServer SYSTEM [LOOPS]</pre>
 * SYSTEM is {@code jevent-epoll}, {@code jevent-poll}, {@code jevent-nio}, {@code jevent-uring}, {@code netty-epoll},
 * {@code netty-uring}, {@code netty-nio} or {@code plain-nio}. Each listens on 127.0.0.1 at a port the kernel picks,
 * runs one event-loop thread (with LOOPS, for jevent and Netty only: a group of LOOPS loop threads, one of which
 * accepts and hands each connection to the next in turn: jevent's {@code EventBaseGroup} with
 * {@code GroupListener.distributing}, Netty's {@code MultiThreadIoEventLoopGroup(LOOPS)}), prints {@code READY <port> <what>} and then answers control lines on stdin (the loop
 * thread never sees them):
 * <ul>
 *   <li>{@code STATS}: {@code STATS conns=<open connections> heap=-1 alloc=<bytes allocated by every thread but this
 *   one since start>};</li>
 *   <li>{@code HEAP}: the same after two {@code System.gc()}, with {@code heap=<used heap bytes>};</li>
 *   <li>{@code QUIT} or end of input: exit.</li>
 * </ul>
 * A system that cannot run on this machine (a jevent backend that is not on the class path or reports itself
 * unavailable, Netty's epoll or io_uring transport refused by the kernel) prints {@code SKIP <reason>} instead of
 * {@code READY} and exits with status {@value #EXIT_SKIPPED}, so that the runner shows the row as skipped with that
 * reason rather than dropping it.
 *
 * <p>Each server is the idiomatic one for its system: jevent moves the input buffer to the output
 * ({@code bev.write(bev.input())}, no copy); Netty writes the received {@code ByteBuf} back and flushes on read
 * complete (Netty's own EchoServerHandler); plain NIO reads into one shared direct buffer and writes it back,
 * keeping a per-connection copy only of what a write could not take.
 */
public final class EchoServer {
    private static final AtomicInteger CONNS = new AtomicInteger();
    /** Exit status after {@code SKIP <reason>}: the system cannot run here (not a failure of the server). */
    static final int EXIT_SKIPPED = 4;

    private EchoServer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 2) {
            System.err.println("usage: EchoServer jevent-epoll|jevent-poll|jevent-nio|jevent-uring"
                    + "|netty-epoll|netty-uring|netty-nio|plain-nio [LOOPS]");
            System.exit(2);
        }
        String system = args[0];
        int loops = args.length == 2 ? Integer.parseInt(args[1]) : 0; // 0: one loop, no group
        if (loops != 0 && system.equals("plain-nio")) {
            System.err.println("plain-nio runs one loop only");
            System.exit(2);
        }
        String refusal = refusal(system);
        if (refusal != null) {
            System.out.println("SKIP " + refusal.replace('\n', ' '));
            System.exit(EXIT_SKIPPED);
        }
        CompletableFuture<String> ready = new CompletableFuture<>();
        Thread loop = new Thread(() -> {
            try {
                if (system.startsWith("jevent-") && loops > 0) {
                    jeventGroup(system.substring("jevent-".length()), loops, ready);
                } else if (system.startsWith("jevent-")) {
                    jevent(system.substring("jevent-".length()), ready);
                } else if (system.startsWith("netty-")) {
                    netty(system.substring("netty-".length()), Math.max(1, loops), ready);
                } else if (system.equals("plain-nio")) {
                    plainNio(ready);
                } else {
                    throw new IllegalArgumentException("unknown system " + system);
                }
            } catch (Throwable t) {
                ready.completeExceptionally(t);
                t.printStackTrace();
                System.exit(3);
            }
        }, "echo-loop");
        loop.setDaemon(true);
        loop.start();
        System.out.println("READY " + ready.get(30, TimeUnit.SECONDS));
        control(loop);
        System.exit(0);
    }

    /**
     * Why {@code system} cannot run on this machine, or {@code null} when it can (or is not a system that can be
     * refused: an unknown name fails later, as an error).
     */
    private static String refusal(String system) {
        try {
            if (system.startsWith("jevent-")) {
                String backend = system.substring("jevent-".length());
                for (BackendInfo b : EventBase.methods()) {
                    if (b.name().equals(backend)) {
                        return b.available() ? null : "backend '" + backend + "' unavailable: " + b.unavailabilityCause();
                    }
                }
                return "unknown backend '" + backend + "': no jevent-backend-" + backend + " on the class path";
            }
            if (system.equals("netty-epoll")) {
                return Epoll.isAvailable() ? null : "Netty epoll unavailable: " + Epoll.unavailabilityCause();
            }
            if (system.equals("netty-uring")) {
                return IoUring.isAvailable() ? null : "Netty io_uring unavailable: " + IoUring.unavailabilityCause();
            }
            return null;
        } catch (LinkageError e) {
            return system + ": its classes do not load: " + e;
        }
    }

    private static void control(Thread loop) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        for (String line; (line = in.readLine()) != null; ) {
            line = line.trim();
            if (line.equals("QUIT")) {
                return;
            }
            long heap = -1;
            if (line.equals("HEAP")) {
                System.gc();
                System.gc();
                heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            } else if (!line.equals("STATS")) {
                continue;
            }
            long alloc = 0;
            long[] ids = threads.getAllThreadIds();
            long[] bytes = threads.getThreadAllocatedBytes(ids);
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] != self && bytes[i] > 0) {
                    alloc += bytes[i];
                }
            }
            System.out.println("STATS conns=" + CONNS.get() + " heap=" + heap + " alloc=" + alloc);
        }
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    // ----------------------------------------------------------------------------------------------- jevent

    private static void jevent(String backend, CompletableFuture<String> ready) throws IOException {
        EventBase base = EventBase.create(new EventConfig().method(backend).ignoreEnvironment(true));
        if (!base.method().equals(backend)) {
            throw new IllegalStateException("asked for backend " + backend + ", got " + base.method());
        }
        Listener listener = Listener.bind(base, loopback(), Listener.REUSEADDR, (l, handle) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, handle, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> b.write(b.input()), null, (b, reasons, cause) -> {
                if ((reasons & (BevEvent.EOF | BevEvent.ERROR)) != 0) {
                    b.close();
                    CONNS.decrementAndGet();
                }
            });
            bev.enable(Ev.READ);
            CONNS.incrementAndGet();
        });
        ready.complete(((InetSocketAddress) listener.localAddress()).getPort() + " jevent " + base.method());
        base.dispatch();
    }

    /** A group of {@code loops} bases; loop 1 accepts and hands each connection to the next loop in turn. */
    private static void jeventGroup(String backend, int loops, CompletableFuture<String> ready) throws Exception {
        EventBaseGroup group = EventBaseGroup.create(loops, new EventConfig().method(backend).ignoreEnvironment(true));
        GroupListener l = GroupListener.distributing(group, loopback(), Listener.REUSEADDR, (base, handle) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, handle, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> b.write(b.input()), null, (b, reasons, cause) -> {
                if ((reasons & (BevEvent.EOF | BevEvent.ERROR)) != 0) {
                    b.close();
                    CONNS.decrementAndGet();
                }
            });
            bev.enable(Ev.READ);
            CONNS.incrementAndGet();
        });
        ready.complete(((InetSocketAddress) l.localAddress()).getPort() + " jevent " + group.get(0).method() + " x"
                + loops);
        new java.util.concurrent.CountDownLatch(1).await(); // the loops serve until the process exits
    }

    // ------------------------------------------------------------------------------------------------ Netty

    /** Netty's example EchoServerHandler: write what arrives, flush when the read burst is over. */
    @ChannelHandler.Sharable
    static final class NettyEcho extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            CONNS.incrementAndGet();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CONNS.decrementAndGet();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset from the client's SO_LINGER 0 close lands here
        }
    }

    /** Netty 4.2: one {@code MultiThreadIoEventLoopGroup} thread over the transport's {@code IoHandler}. */
    private static void netty(String transport, int loops, CompletableFuture<String> ready)
            throws InterruptedException {
        IoHandlerFactory handlers;
        Class<? extends ServerChannel> channel;
        switch (transport) {
            case "epoll" -> {
                handlers = EpollIoHandler.newFactory();
                channel = EpollServerSocketChannel.class;
            }
            case "uring" -> {
                handlers = IoUringIoHandler.newFactory();
                channel = IoUringServerSocketChannel.class;
            }
            case "nio" -> {
                handlers = NioIoHandler.newFactory();
                channel = NioServerSocketChannel.class;
            }
            default -> throw new IllegalArgumentException("unknown Netty transport " + transport);
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(loops, handlers);
        NettyEcho handler = new NettyEcho();
        Channel server = new ServerBootstrap().group(group).channel(channel).childHandler(handler)
                .bind(loopback()).sync().channel();
        ready.complete(((InetSocketAddress) server.localAddress()).getPort() + " netty-"
                + io.netty.util.Version.identify().values().stream().findFirst().map(v -> v.artifactVersion()).orElse("4.2") + " "
                + transport + (loops > 1 ? " x" + loops : ""));
        server.closeFuture().sync();
    }

    // --------------------------------------------------------------------------------------------- plain NIO

    private static void plainNio(CompletableFuture<String> ready) throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(loopback(), 511);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        ByteBuffer shared = ByteBuffer.allocateDirect(64 * 1024);
        ready.complete(server.socket().getLocalPort() + " plain-nio " + selector.getClass().getSimpleName());
        // one handler for the server's life: a lambda built inside the loop would capture and allocate per select
        java.util.function.Consumer<SelectionKey> handler = key -> {
                try {
                    if (key.isAcceptable()) {
                        for (SocketChannel ch; (ch = server.accept()) != null; ) {
                            ch.configureBlocking(false);
                            ch.register(selector, SelectionKey.OP_READ);
                            CONNS.incrementAndGet();
                        }
                        return;
                    }
                    SocketChannel ch = (SocketChannel) key.channel();
                    if (key.isWritable()) {
                        ByteBuffer pending = (ByteBuffer) key.attachment();
                        ch.write(pending);
                        if (!pending.hasRemaining()) {
                            key.attach(null);
                            key.interestOps(SelectionKey.OP_READ);
                        }
                        return;
                    }
                    shared.clear();
                    int n = ch.read(shared);
                    if (n < 0) {
                        close(key);
                        return;
                    }
                    shared.flip();
                    ch.write(shared);
                    if (shared.hasRemaining()) {
                        // the socket took only part: keep the rest, stop reading until it is written
                        ByteBuffer pending = ByteBuffer.allocate(shared.remaining());
                        pending.put(shared).flip();
                        key.attach(pending);
                        key.interestOps(SelectionKey.OP_WRITE);
                    }
                } catch (IOException e) {
                    close(key);
                }
        };
        for (long passes = 0; passes < Long.MAX_VALUE; passes++) {
            selector.select(handler);
        }
    }

    private static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing after a reset: nothing to do
        }
        CONNS.decrementAndGet();
    }
}
