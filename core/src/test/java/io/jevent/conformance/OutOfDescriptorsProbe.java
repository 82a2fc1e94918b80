package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.Closeable;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Run in a fresh JVM by {@link IoConformance}: a server on the named backend runs out of descriptors before it has
 * written or closed any socket, must keep its loop alive through that (accepting fails with an I/O error, the
 * established connection still works), and must serve again once descriptors are free. A fresh JVM because the
 * JDK initialises some classes of a socket's first write and close only once per process, and initialising them
 * needs a descriptor: in the test JVM that happened long ago.
 *
 * <p>Prints {@code OK} and exits 0 on success; prints the failure and exits 1 otherwise.
 */
public final class OutOfDescriptorsProbe {
    private OutOfDescriptorsProbe() {
    }

    public static void main(String[] args) {
        try {
            run(args[0]);
            System.out.println("OK");
            System.exit(0);
        } catch (Throwable t) {
            System.out.println("FAILED: " + t);
            t.printStackTrace(System.out);
            System.exit(1);
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new AssertionError(message);
        }
    }

    private static ByteBuffer[] ascii(String s) {
        return new ByteBuffer[] {ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))};
    }

    /** Runs the loop until {@code done[0]} is set, under a 10 s bound. */
    private static void loopUntil(EventBase base, boolean[] done, String what) {
        base.once(null, Ev.TIMEOUT, Duration.ofSeconds(10), (ev, w) -> base.loopBreak());
        while (!done[0] && !base.gotBreak()) {
            base.loop(io.jevent.LoopFlag.ONCE);
        }
        check(done[0], what + ": not done within 10 s");
    }

    private static void finishConnect(EventBase base, NetOps ops, Handle client) {
        boolean[] connected = {false};
        base.once(client, Ev.WRITE, null, (ev, w) -> {
            try {
                connected[0] = ops.finishConnect(client);
            } catch (IOException e) {
                throw new AssertionError("connect over loopback", e);
            }
        });
        loopUntil(base, connected, "connect over loopback");
    }

    /** Takes any descriptor freed since {@code hog} was filled (the JVM closes some in the background). */
    private static void topUp(List<Closeable> hog, long limit) throws IOException {
        hog.addAll(Descriptors.exhaust(limit + 64));
    }

    private static void run(String backend) throws Exception {
        EventBase base = EventBase.create(new EventConfig().method(backend));
        NetOps ops = base.netOps();
        Handle listener = ops.listen(TestData.loopback0(), 16, true, false);
        SocketAddress addr = ops.localAddress(listener);
        Handle client = ops.connect(addr);
        Handle[] server = {null};
        boolean[] done = {false};
        base.once(listener, Ev.READ, null, (ev, w) -> {
            try {
                server[0] = ops.accept(listener);
                done[0] = server[0] != null;
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        loopUntil(base, done, "the first accept");
        finishConnect(base, ops, client);
        Handle waiting = ops.connect(addr); // holds its descriptor already; accepting it will need one more
        // The server has read (nothing yet), but written and closed nothing: the server. The read also loads
        // the library's I/O classes, and the failure path's are loaded by name, while there is a descriptor to load
        // them with (class files in a directory need one; a deployed jar is open already).
        check(ops.read(server[0], new ByteBuffer[] {ByteBuffer.allocate(8)}, 0, 1) == NetOps.WOULD_BLOCK,
                "nothing to read yet");
        Class.forName("io.jevent.spi.ErrnoException");
        Class.forName("java.nio.channels.ClosedChannelException");
        Class.forName(Descriptors.class.getName());

        long limit = Descriptors.openFileLimit();
        check(limit > 0 && limit <= 4096, "run with a small descriptor limit (ulimit -n), got " + limit);
        System.gc(); // what the collector would close later (and so free a descriptor) goes now
        List<Closeable> hog = Descriptors.exhaust(limit + 64);
        try {
            boolean[] refused = {false};
            base.once(listener, Ev.READ, null, (ev, w) -> {
                try {
                    topUp(hog, limit); // a descriptor the JVM released meanwhile would make this accept succeed
                    Handle h = ops.accept(listener);
                    throw new AssertionError("accepted " + h + " with no descriptor free");
                } catch (IOException e) {
                    check(Descriptors.isTooManyOpenFiles(e), "accept failed otherwise: " + e);
                    refused[0] = true;
                }
            });
            loopUntil(base, refused, "accept without descriptors");

            boolean[] wrote = {false};
            base.once(server[0], Ev.WRITE, null, (ev, w) -> {
                try {
                    topUp(hog, limit);
                    check(ops.write(server[0], ascii("hello"), 0, 1) == 5, "a short write of 5 bytes");
                    wrote[0] = true;
                } catch (IOException e) {
                    throw new AssertionError("the first write, out of descriptors", e);
                }
            });
            loopUntil(base, wrote, "the first write, out of descriptors");
            ops.close(server[0]); // the first close, out of descriptors
        } finally {
            Descriptors.closeAll(hog);
        }

        finishConnect(base, ops, waiting);
        check("hello".equals(Descriptors.readUpTo(ops, client, 5)), "the client did not get the write");
        check(Descriptors.readUpTo(ops, client, 1).isEmpty(), "the client did not see the close");
        boolean[] served = {false};
        base.once(listener, Ev.READ, null, (ev, w) -> {
            try {
                Handle h = ops.accept(listener);
                check(h != null, "the waiting connection is gone");
                check(ops.write(h, ascii("again"), 0, 1) == 5, "a short write of 5 bytes");
                ops.close(h);
                served[0] = true;
            } catch (IOException e) {
                throw new AssertionError("serving after descriptors were freed", e);
            }
        });
        loopUntil(base, served, "serving after descriptors were freed");
        check("again".equals(Descriptors.readUpTo(ops, waiting, 5)), "the waiting client did not get its reply");
        for (Handle h : new Handle[] {client, waiting, listener}) {
            ops.close(h);
        }
        base.close();
    }
}
