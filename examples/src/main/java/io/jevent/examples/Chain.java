package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.buffer.CallbackEntry;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.FlushMode;
import io.jevent.bufferevent.SocketBufferEvent;

import java.time.Duration;
import java.util.List;

/**
 * One connection's filter chain as built by {@link ChainSpec}: the socket at the bottom, the layer the application
 * uses on top (the socket itself when there are no filters). The examples use only {@link #top()}; the layers below
 * are kept for two things the top alone cannot tell:
 *
 * <ul>
 * <li><b>Backpressure through the chain.</b> Every layer pushes into the one below only up to that one's write high
 * watermark, and stops reading while its input is at its read high watermark; {@link #limitLayersBelowTop} sets both
 * on every layer under the top, so a peer that does not read (or does not stop sending) fills the layers up to
 * those marks and then the top's own output grows, where the application sees it (its writability). Without them
 * each lower layer would take everything from the one above at once, and the top would always look empty.</li>
 * <li><b>Ending the stream.</b> {@code flush(WRITE, FINISHED)} makes each layer emit its end (the zlib trailer, TLS
 * close_notify) once, with what it holds at that moment; data still waiting above (a rate limit out of tokens, a
 * lower layer over its watermark) would come after the end. So {@link #whenDrained} waits until every layer's output
 * is empty before the end is written, and again before the socket is closed.</li>
 * </ul>
 * Loop thread only.
 */
final class Chain {
    /** Write high watermark of each layer under the top: what it may hold for the layer above. */
    static final long LAYER_HIGH = 256 << 10;
    /** Write low watermark of each layer under the top: the layer above resumes pushing here. */
    static final long LAYER_LOW = 64 << 10;

    private final SocketBufferEvent socket;
    /** Bottom (the socket) to top. */
    private final List<BufferEvent> layers;
    private final boolean tls;
    /** Runs once every layer's output is empty; null when nobody waits. */
    private Runnable onDrained;
    /** Watches the socket's output: it is the last buffer to empty. Made on first use. */
    private CallbackEntry socketWatch;

    Chain(SocketBufferEvent socket, List<BufferEvent> layers, boolean tls) {
        this.socket = socket;
        this.layers = List.copyOf(layers);
        this.tls = tls;
    }

    /** The layer to read, write, enable and close. */
    BufferEvent top() {
        return layers.get(layers.size() - 1);
    }

    /** The socket at the bottom (to connect it). */
    SocketBufferEvent socket() {
        return socket;
    }

    /** Whether TLS is one of the layers. */
    boolean tls() {
        return tls;
    }

    /**
     * Idle timeouts for the whole chain: a read timeout on the top (the peer sent nothing the application could
     * read for {@code idle}) and a write timeout on the socket (bytes waiting for the peer did not move for
     * {@code idle}: it stopped reading). The write side is watched at the socket because that is where such bytes
     * wait: every layer above hands its output down as soon as the layer below has room, so the socket's output is
     * the one that stops moving. A timeout below passes up to the top's event callback as WRITING|TIMEOUT.
     *
     * @param idle the timeout, or null for none
     */
    void setIdleTimeout(Duration idle) {
        if (idle == null) {
            return;
        }
        if (top() == socket) {
            socket.setTimeouts(idle, idle);
        } else {
            top().setTimeouts(idle, null);
            socket.setTimeouts(null, idle);
        }
    }

    /** Sets the watermarks that carry backpressure through the chain (see the class comment). */
    void limitLayersBelowTop() {
        for (int i = 0; i < layers.size() - 1; i++) {
            BufferEvent b = layers.get(i);
            b.setWatermark(Ev.WRITE, LAYER_LOW, LAYER_HIGH);
            b.setWatermark(Ev.READ, 0, LAYER_HIGH);
        }
    }

    /** Bytes held in every layer's input and output. */
    long bufferedBytes() {
        long n = 0;
        for (BufferEvent b : layers) {
            n += b.input().length() + b.output().length();
        }
        return n;
    }

    /** Whether every layer's output is empty (the socket's too: all was handed to the kernel). */
    boolean drained() {
        for (BufferEvent b : layers) {
            if (b.output().length() > 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code then} once every layer's output is empty: now if it is, else from the loop after the socket's
     * output has drained with nothing left above it (the socket's output is the last to empty, since every layer
     * ends by pushing into the one below). Replaces an earlier waiter. Never runs after the top is closed.
     */
    void whenDrained(Runnable then) {
        if (drained()) {
            onDrained = null;
            then.run();
            return;
        }
        onDrained = then;
        if (socketWatch == null) {
            socketWatch = socket.output().addCallback((buf, orig, added, deleted) -> {
                if (onDrained != null && deleted > 0 && buf.length() == 0 && drained()) {
                    Runnable r = onDrained;
                    onDrained = null;
                    // not inside the buffer's own callback: r writes to the chain, which may touch this buffer
                    top().base().execute(() -> {
                        if (!top().isClosed()) {
                            r.run();
                        }
                    });
                }
            });
        }
    }

    /**
     * Ends this side's stream once everything written has gone down the chain, keeping the read side open: the
     * zlib trailer and TLS close_notify (what gives a TLS peer its EOF), and without TLS a TCP half-close after them
     * (a zlib peer sees a finished stream, not an EOF, until the socket says so).
     */
    void halfClose() {
        whenDrained(() -> {
            top().flush(Ev.WRITE, FlushMode.FINISHED);
            if (!tls) {
                socket.shutdownOutput(); // after the socket's output (the trailer included) has drained
            }
        });
    }

    /**
     * Ends the stream and closes the whole chain once it has all been sent: flush(FINISHED) when everything above
     * the socket has gone down, close when that too has left. {@code closed} runs after the close.
     */
    void finishAndClose(Runnable closed) {
        whenDrained(() -> {
            top().flush(Ev.WRITE, FlushMode.FINISHED);
            whenDrained(() -> {
                top().close();
                closed.run();
            });
        });
    }

    /** Closes every layer now (CLOSE_ON_FREE all the way down); unsent output is dropped. */
    void close() {
        onDrained = null;
        top().close();
    }

    /**
     * Closes every layer now without ending the stream, for a peer that has stopped reading or never finished its
     * handshake: the socket first, so that no layer above lingers to send its end to it (a TLS layer keeps the
     * socket open up to 10 s for its close_notify to leave). The descriptor and every buffer are released at once;
     * the peer sees the connection end without close_notify.
     */
    void abort() {
        onDrained = null;
        socket.close();
        top().close();
    }

    boolean isClosed() {
        return top().isClosed();
    }
}
