package io.jevent.examples;

import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.EventConfig;
import io.jevent.LoopStatistics;
import io.jevent.bufferevent.GroupListener;
import io.jevent.bufferevent.Listener;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code echo-server --loops N}: the {@link EchoServer} on an {@link EventBaseGroup} of N loops, one thread each. Every
 * loop runs its own {@code EchoServer} (its connections, counters and timeouts are that loop's alone: no lock), fed
 * either by one accepting loop that hands each connection to the next loop in turn ({@link GroupListener#distributing})
 * or, with {@code --reuseport}, by a listener per loop on one port ({@link GroupListener#perLoop}). On SIGINT/SIGTERM
 * the group shuts down gracefully: listeners first, then each loop once its pending echo has drained (quiet for
 * 200 ms, at most 5 s). Per-loop statistics are printed at the end, so an unbalanced spread shows.
 */
final class MultiLoopEchoServer implements AutoCloseable {
    private final EventBaseGroup group;
    private final List<EchoServer> servers;
    private final GroupListener listener;

    private MultiLoopEchoServer(EventBaseGroup group, List<EchoServer> servers, GroupListener listener) {
        this.group = group;
        this.servers = servers;
        this.listener = listener;
    }

    /** Starts N loops, an EchoServer on each, and the listener(s) on {@code address}. Not on a loop thread. */
    static MultiLoopEchoServer start(int loops, boolean reusePort, EventConfig config, SocketAddress address,
                                     ChainSpec chain, Duration idle, Duration handshake) throws IOException {
        EventBaseGroup group = EventBaseGroup.create(loops, config);
        try {
            List<EchoServer> servers = new ArrayList<>();
            for (EventBase b : group) {
                servers.add(onLoop(b, () -> EchoServer.unbound(b, chain).idleTimeout(idle).handshakeTimeout(handshake)));
            }
            GroupListener.AcceptCallback feed = (base, h) -> servers.get(group.bases().indexOf(base)).adopt(h);
            GroupListener l = reusePort
                    ? GroupListener.perLoop(group, address, Listener.REUSEADDR, feed)
                    : GroupListener.distributing(group, address, Listener.REUSEADDR, feed);
            return new MultiLoopEchoServer(group, servers, l);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    private static <T> T onLoop(EventBase base, IoCall<T> c) throws IOException {
        CompletableFuture<T> f = new CompletableFuture<>();
        base.execute(() -> {
            try {
                f.complete(c.call());
            } catch (IOException e) {
                f.completeExceptionally(new UncheckedIOException(e));
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() instanceof UncheckedIOException ? e.getCause().getCause() : e.getCause();
            if (cause instanceof IOException) {
                throw (IOException) cause;
            }
            throw new IllegalStateException("loop " + base + " did not start its echo server", cause == null ? e : cause);
        }
    }

    SocketAddress localAddress() {
        return listener.localAddress();
    }

    EventBaseGroup group() {
        return group;
    }

    /** Connections accepted by each loop's server, loop 1 first (read on each loop). */
    List<Long> acceptedPerLoop() throws IOException {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            EchoServer s = servers.get(i);
            out.add(onLoop(group.get(i), s::accepted));
        }
        return out;
    }

    /**
     * Closes the listeners, then each loop's connections once its echo has drained (the group's graceful shutdown),
     * and waits for the loop threads.
     */
    @Override
    public void close() {
        group.shutdownGracefully(Duration.ofMillis(200), Duration.ofSeconds(5)).join();
        try {
            group.awaitTermination(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (EchoServer s : servers) {
            s.close(); // the bases are closed: this releases what connections are left, from this thread
        }
    }

    /** One line per loop: connections, callbacks, tasks, busy share. */
    String statistics(List<Long> accepted) {
        StringBuilder sb = new StringBuilder();
        List<LoopStatistics> stats = group.statistics();
        for (int i = 0; i < stats.size(); i++) {
            LoopStatistics s = stats.get(i);
            sb.append(String.format(Locale.ROOT, "  loop %d/%d: %d connection(s), %d callbacks, %d tasks, %d"
                    + " iterations, busy %.0f%%%n", i + 1, stats.size(), accepted.get(i), s.callbacks(), s.tasks(),
                    s.iterations(), 100 * s.busyRatio()));
        }
        return sb.toString();
    }

    /** {@code echo-server --loops N ...}. */
    static int run(int loops, boolean reusePort, EventConfig config, Integer port, ChainSpec chain, Duration idle,
                   Duration handshake, int conns, long bytes) throws IOException {
        boolean selfTest = bytes >= 0;
        SocketAddress at = selfTest
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), port == null ? 0 : port)
                : new InetSocketAddress(port == null ? 7000 : port);
        MultiLoopEchoServer server = start(loops, reusePort, config, at, chain, idle, handshake);
        if (selfTest) {
            System.out.printf(Locale.ROOT, "self-test on %d %s loops (%s) through %s: %d connection(s) x %s%n", loops,
                    server.group.get(0).method(), reusePort ? "a SO_REUSEPORT listener each" : "one accepting loop",
                    chain, conns, Sizes.format(bytes));
            EchoLoad.Result r;
            try (EventBase client = EventBase.create(config)) {
                EchoLoad load = EchoLoad.start(client, server.localAddress(), conns, bytes, chain, client::loopExit);
                client.dispatch();
                r = load.result();
            }
            List<Long> accepted = server.acceptedPerLoop();
            System.out.println(r);
            System.out.print(server.statistics(accepted));
            server.close();
            return r.ok() ? 0 : 1;
        }
        System.out.println("echo server on " + server.localAddress() + " (" + loops + " loops on "
                + server.group.get(0).method() + ", " + (reusePort ? "SO_REUSEPORT listener per loop" : "one accepting"
                + " loop") + ", " + chain + "); Ctrl-C to stop");
        CountDownLatch stop = new CountDownLatch(1);
        EventBase first = server.group.get(0);
        first.execute(() -> {
            for (String sig : new String[] {"INT", "TERM"}) {
                Event ev = first.newSignal(sig, (e, what) -> {
                    System.out.println("SIG" + sig + ": shutting down");
                    e.close();
                    stop.countDown();
                });
                ev.add();
            }
        });
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<Long> accepted = server.acceptedPerLoop();
        System.out.print(server.statistics(accepted));
        server.close();
        return 0;
    }
}
