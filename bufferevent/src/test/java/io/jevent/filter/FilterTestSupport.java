package io.jevent.filter;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.conformance.ConformanceBase;

import java.io.IOException;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

/** Plumbing for the filter suites: loopback pairs, echo wiring, deterministic data. */
abstract class FilterTestSupport extends ConformanceBase {

    static SocketAddress loopback0() {
        return io.jevent.conformance.TestData.loopback0();
    }

    /** Deterministic pseudo-random (incompressible) bytes. */
    static byte[] data(long seed, int n) {
        return io.jevent.conformance.TestData.data(seed, n);
    }

    static long crc(byte[] b) {
        return io.jevent.conformance.TestData.crc(b, 0, b.length);
    }

    /** A connected SocketBufferEvent pair over loopback TCP, both CLOSE_ON_FREE; [0] connected, [1] accepted. */
    static SocketBufferEvent[] tcpPair(EventBase base) throws IOException {
        SocketBufferEvent[] out = new SocketBufferEvent[2];
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) ->
                out[1] = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE));
        out[0] = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
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
            loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
        }
        l.close();
        if (out[1] == null || !connected[0]) {
            throw new AssertionError("loopback connection not established within 10 s");
        }
        out[0].setCallbacks(null, null, null);
        return out;
    }

    /** Makes {@code bev} echo what it reads (flushing each batch), and close on any event but CONNECTED. */
    static void echo(BufferEvent bev, List<String> problems) {
        bev.setCallbacks(b -> {
            b.write(b.input());
            b.flush(Ev.WRITE, FlushMode.FLUSH);
        }, null, (b, reasons, cause) -> {
            if (reasons == BevEvent.CONNECTED) {
                return;
            }
            if ((reasons & BevEvent.EOF) == 0) {
                problems.add("echo side: " + BevEvent.toString(reasons) + " " + cause);
            }
            b.close();
        });
        bev.enable(Ev.READ | Ev.WRITE);
    }

    /**
     * Sends {@code payload} through {@code client} (flushing after each piece), reads the echo back, and loops until
     * it is complete or {@code limit} passes; returns what came back.
     */
    static byte[] roundTrip(EventBase base, BufferEvent client, byte[] payload, Duration limit,
                            List<String> problems) {
        return roundTrip(base, client, payload, limit, problems, 0);
    }

    /**
     * {@link #roundTrip(EventBase, BufferEvent, byte[], Duration, List)} with loop flags: {@code
     * LoopFlag.NO_EXIT_ON_EMPTY} over a pair, where no descriptor keeps the loop alive while a TLS handshake task
     * runs on its executor.
     */
    static byte[] roundTrip(EventBase base, BufferEvent client, byte[] payload, Duration limit,
                            List<String> problems, int loopFlags) {
        byte[] got = new byte[payload.length];
        int[] have = {0};
        client.setCallbacks(b -> {
            have[0] += b.read(got, have[0], got.length - have[0]);
            if (have[0] == got.length) {
                b.base().loopBreak();
            }
        }, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                problems.add("client: " + BevEvent.toString(reasons) + " " + cause);
                b.base().loopBreak();
            }
        });
        client.enable(Ev.READ | Ev.WRITE);
        for (int off = 0; off < payload.length; off += 100_000) {
            client.write(payload, off, Math.min(100_000, payload.length - off));
        }
        client.flush(Ev.WRITE, FlushMode.FLUSH);
        loopWithin(base, loopFlags, limit);
        if (have[0] != got.length) {
            problems.add("echo incomplete: " + have[0] + " of " + got.length + " bytes");
        }
        return got;
    }
}
