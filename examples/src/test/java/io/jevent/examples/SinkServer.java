package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.bufferevent.BevEvent;
import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.Listener;
import io.jevent.bufferevent.SocketBufferEvent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * A test upstream: reads everything a connection sends, keeping its length and CRC32, and at end of stream answers
 * with 16 bytes (length, CRC32, big-endian longs), half-closes and closes once they are sent. Made
 * {@code stalled}, it accepts but does not read until {@link #resume()}: a consumer that has stopped reading.
 */
final class SinkServer implements AutoCloseable {
    /** One accepted connection. */
    static final class Sink {
        final SocketBufferEvent bev;
        final CRC32 crc = new CRC32();
        long bytes;
        boolean eof;

        Sink(SocketBufferEvent bev) {
            this.bev = bev;
        }
    }

    private final Listener listener;
    final List<Sink> sinks = new ArrayList<>();
    private boolean stalled;

    private SinkServer(EventBase base, boolean stalled) throws IOException {
        this.stalled = stalled;
        SocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        this.listener = Listener.bind(base, any, Listener.REUSEADDR, (l, h) -> accept(base, h));
    }

    static SinkServer start(EventBase base, boolean stalled) throws IOException {
        return new SinkServer(base, stalled);
    }

    private void accept(EventBase base, io.jevent.spi.Handle h) {
        Sink s = new Sink(SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE));
        sinks.add(s);
        s.bev.setCallbacks(b -> consume(s), b -> {
            if (s.eof && b.output().length() == 0) {
                b.close();
            }
        }, (b, reasons, cause) -> {
            if ((reasons & BevEvent.EOF) != 0) {
                consume(s);
                s.eof = true;
                b.write(ByteBuffer.allocate(16).putLong(s.bytes).putLong(s.crc.getValue()).flip());
                s.bev.shutdownOutput();
            } else {
                b.close();
            }
        });
        if (!stalled) {
            s.bev.enable(Ev.READ);
        }
    }

    private static void consume(Sink s) {
        EvBuffer in = s.bev.input();
        for (ByteBuffer v : in.peek()) {
            s.crc.update(v); // no copy: CRC straight from the segments
        }
        s.bytes += in.drain(in.length());
    }

    /** Starts reading on every connection. */
    void resume() {
        stalled = false;
        for (Sink s : sinks) {
            if (!s.bev.isClosed()) {
                s.bev.enable(Ev.READ);
            }
        }
    }

    SocketAddress localAddress() throws IOException {
        return listener.localAddress();
    }

    /** Bytes received over all connections. */
    long received() {
        long n = 0;
        for (Sink s : sinks) {
            n += s.bytes;
        }
        return n;
    }

    @Override
    public void close() {
        listener.close();
        for (Sink s : sinks) {
            s.bev.close();
        }
    }
}
