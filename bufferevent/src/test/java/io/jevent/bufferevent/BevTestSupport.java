package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.conformance.ConformanceBase;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.net.SocketAddress;

/** Shared plumbing for the BufferEvent suites: loopback servers, echo wiring, deterministic data. */
abstract class BevTestSupport extends ConformanceBase {

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
