package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.conformance.ConformanceBase;
import io.jevent.spi.Handle;

import io.jevent.LoopFlag;
import io.jevent.dns.HostsFile;
import io.jevent.dns.Resolver;
import io.jevent.dns.ResolverConfig;
import org.junit.jupiter.api.AfterEach;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Shared plumbing for the BufferEvent suites: loopback servers, echo wiring, deterministic data. */
abstract class BevTestSupport extends ConformanceBase {
    /** Closed after each test, in order: servers, resolvers and sockets a test made. */
    final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAfterEach() throws Exception {
        for (AutoCloseable c : closeAfter) {
            c.close();
        }
        closeAfter.clear();
    }

    /**
     * A resolver on {@code base} answering from {@code hosts} (a hosts-file text, so the order of a name's addresses
     * is known), whose DNS server is a socket that never answers. Closed after the test.
     */
    Resolver hostsResolver(EventBase base, String hosts) throws IOException {
        DatagramSocket quiet = new DatagramSocket(0, InetAddress.getLoopbackAddress()); // never answers
        closeAfter.add(quiet);
        Resolver r = Resolver.create(base, ResolverConfig.nameservers((InetSocketAddress) quiet.getLocalSocketAddress())
                .withHosts(HostsFile.parse(hosts)));
        closeAfter.add(r::close);
        return r;
    }

    /**
     * A port on {@code ip} (a loopback address) where connects hang: a listener with a backlog of 1 that never
     * accepts, its queue filled first, so the kernel drops further SYNs. Closed after the test.
     */
    InetSocketAddress hangingAddress(String ip) throws IOException {
        InetAddress hangAddr = InetAddress.getByName(ip);
        ServerSocket hang = new ServerSocket(0, 1, hangAddr);
        closeAfter.add(hang);
        int port = hang.getLocalPort();
        for (int i = 0; i < 4; i++) {
            Socket filler = new Socket();
            closeAfter.add(filler);
            try {
                filler.connect(new InetSocketAddress(hangAddr, port), 200);
            } catch (IOException full) {
                break; // the queue is full already
            }
        }
        return new InetSocketAddress(hangAddr, port);
    }

    /** Runs single passes of the loop until {@code done}, at most 20 s; {@code what} names it in the failure. */
    static void loopUntil(EventBase base, BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 20 s: " + what);
            }
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
            if (!done.getAsBoolean()) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10)); // waits for something to happen
            }
        }
    }

    static SocketAddress loopback0() {
        return io.jevent.conformance.TestData.loopback0();
    }

    /** Deterministic pseudo-random bytes: {@code data(seed, n)} is the same everywhere. */
    static byte[] data(long seed, int n) {
        return io.jevent.conformance.TestData.data(seed, n);
    }

    static long crc(byte[] b, int off, int len) {
        return io.jevent.conformance.TestData.crc(b, off, len);
    }

    /** An echo server on the base: every accepted connection echoes what it reads and closes on EOF. */
    static Listener echoServer(EventBase base, int options) throws IOException {
        return Listener.bind(base, loopback0(), Listener.REUSEADDR, (l, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | options);
            bev.setCallbacks(b -> b.write(b.input()), null, (b, reasons, cause) -> b.close());
            bev.enable(io.jevent.Ev.READ);
        });
    }

    /** A connected SocketBufferEvent pair over loopback TCP (server side accepted on the base). */
    static SocketBufferEvent[] tcpPair(EventBase base, Listener[] keep) throws IOException {
        return tcpPair(base, keep, 0);
    }

    /** {@link #tcpPair(EventBase, Listener[])} with {@code options} (besides CLOSE_ON_FREE) on both ends. */
    static SocketBufferEvent[] tcpPair(EventBase base, Listener[] keep, int options) throws IOException {
        SocketBufferEvent[] out = new SocketBufferEvent[2];
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) ->
                out[1] = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | options));
        keep[0] = l;
        out[0] = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE | options);
        boolean[] connected = {false};
        out[0].setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                throw new AssertionError("connect failed: " + BevEvent.toString(reasons), cause);
            }
            connected[0] = true;
        });
        out[0].connect(l.localAddress());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while ((out[1] == null || !connected[0]) && System.nanoTime() < deadline) {
            loopWithin(base, io.jevent.LoopFlag.ONCE, java.time.Duration.ofSeconds(10));
        }
        if (out[1] == null || !connected[0]) {
            throw new AssertionError("loopback connection not established within 10 s");
        }
        out[0].setCallbacks(null, null, null);
        return out;
    }

    static Handle[] unused() {
        return null;
    }
}
