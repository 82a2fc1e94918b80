package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * jevent's side: two EventBases on {@code backend}, one per loop thread. The server accepts into a
 * {@link SocketBufferEvent} (wrapped in a server {@link TlsBufferEvent} with TLS) whose read callback is
 * {@code b.write(b.input())}: segments move, nothing is copied. The client is the same stack in client mode.
 * Both sockets get TCP_NODELAY, as Netty's do by default.
 */
final class JeventEchoRig implements EchoRig {
    private final EventBase serverBase;
    private final EventBase clientBase;
    private final Thread serverThread;
    private final Thread clientThread;
    private final EchoProgress progress = new EchoProgress();
    private final byte[] chunk = new byte[WRITE];
    private Listener listener;
    private BufferEvent client;

    /**
     * @param serverCtx null for plaintext
     */
    JeventEchoRig(String backend, SSLContext serverCtx, SSLContext clientCtx) throws Exception {
        Arrays.fill(chunk, (byte) 'x');
        serverBase = open(backend);
        clientBase = open(backend);
        serverThread = loopThread(serverBase, "jevent-echo-server");
        clientThread = loopThread(clientBase, "jevent-echo-client");
        CompletableFuture<SocketAddress> bound = new CompletableFuture<>();
        serverBase.execute(() -> {
            try {
                listener = Listener.bind(serverBase, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                        Listener.REUSEADDR, (l, h) -> accept(h, serverCtx));
                bound.complete(listener.localAddress());
            } catch (Throwable t) {
                bound.completeExceptionally(t);
            }
        });
        SocketAddress address = bound.get(10, TimeUnit.SECONDS);
        CompletableFuture<Void> connected = new CompletableFuture<>();
        clientBase.execute(() -> {
            SocketBufferEvent sock = SocketBufferEvent.create(clientBase, null, BevOption.CLOSE_ON_FREE);
            BufferEvent top = serverCtx == null ? sock : TlsBufferEvent.create(sock,
                    BenchCerts.engine(clientCtx, true), TlsOptions.client(BenchCerts.HOST), BevOption.CLOSE_ON_FREE);
            top.setCallbacks(this::clientRead, null, (b, what, cause) -> {
                if (what == BevEvent.CONNECTED) {
                    try {
                        clientBase.netOps().setTcpNoDelay(sock.handle(), true);
                        connected.complete(null);
                    } catch (Throwable t) {
                        connected.completeExceptionally(t);
                    }
                } else {
                    Throwable t = new IllegalStateException("client: " + BevEvent.toString(what), cause);
                    connected.completeExceptionally(t);
                    progress.fail(t);
                }
            });
            top.enable(Ev.READ | Ev.WRITE);
            client = top;
            sock.connect(address);
        });
        connected.get(10, TimeUnit.SECONDS);
    }

    private static EventBase open(String backend) {
        EventBase base = EventBase.create(new EventConfig().method(backend).ignoreEnvironment(true));
        if (!base.method().equals(backend)) {
            String got = base.method();
            base.close();
            throw new IllegalStateException("asked for backend " + backend + ", got " + got);
        }
        return base;
    }

    private static Thread loopThread(EventBase base, String name) {
        Thread t = new Thread(() -> base.loop(LoopFlag.NO_EXIT_ON_EMPTY), name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Server loop thread. */
    private void accept(io.jevent.spi.Handle h, SSLContext serverCtx) {
        try {
            serverBase.netOps().setTcpNoDelay(h, true);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        SocketBufferEvent sock = SocketBufferEvent.create(serverBase, h, BevOption.CLOSE_ON_FREE);
        BufferEvent top = serverCtx == null ? sock : TlsBufferEvent.create(sock,
                BenchCerts.engine(serverCtx, false), TlsOptions.server(), BevOption.CLOSE_ON_FREE);
        top.setCallbacks(b -> b.write(b.input()), null, (b, what, cause) -> {
            if ((what & (BevEvent.EOF | BevEvent.ERROR)) != 0) {
                b.close();
            }
        });
        top.enable(Ev.READ | Ev.WRITE);
    }

    /** Client loop thread. */
    private void clientRead(BufferEvent b) {
        EvBuffer in = b.input();
        long n = in.length();
        in.drain(n);
        progress.received(n);
        topUp(b);
    }

    /** Client loop thread. */
    private void topUp(BufferEvent b) {
        for (int k = progress.nextWrite(); k > 0; k = progress.nextWrite()) {
            b.write(chunk, 0, k);
        }
    }

    @Override
    public void echo(long bytes) throws InterruptedException {
        clientBase.execute(() -> {
            progress.start(bytes);
            topUp(client);
        });
        progress.await();
    }

    @Override
    public void close() throws Exception {
        clientBase.execute(() -> client.close());
        clientBase.loopExit(Duration.ofMillis(200));
        clientThread.join(15_000);
        serverBase.execute(() -> listener.close());
        serverBase.loopExit(Duration.ofMillis(200));
        serverThread.join(15_000);
        clientBase.close();
        serverBase.close();
    }
}
