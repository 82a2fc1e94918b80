package io.jevent.bufferevent;

import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.Ev;
import io.jevent.LoopFlag;
import io.jevent.conformance.TestData;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Run in a fresh JVM with a small {@code -XX:MaxDirectMemorySize} by {@link DirectMemoryConformance}: an echo
 * server of SocketBufferEvents on the named backend, and {@code conns} clients on the same loop that each send a
 * 16-byte burst before the server runs, so that one loop pass reads into more pooled segments than direct memory
 * holds. The loop must live through it, and every client must get its own 16 bytes back, intact, once the burst
 * is served. The clients' buffers are allocated before the burst, so only the server's reads need new memory.
 *
 * <p>Prints {@code OK} and exits 0 on success; prints the failure and exits 1 otherwise.
 */
public final class DirectMemoryProbe {
    private static final int MESSAGE = 16;
    private static final long BOUND_NANOS = 20_000_000_000L;

    private DirectMemoryProbe() {
    }

    public static void main(String[] args) {
        try {
            run(args[0], Integer.parseInt(args[1]));
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

    private static byte[] message(int i) {
        byte[] m = String.format("conn %010d\n", i).getBytes(StandardCharsets.US_ASCII);
        check(m.length == MESSAGE, "a message is 16 bytes");
        return m;
    }

    private static void run(String backend, int conns) throws Exception {
        EventBase base = EventBase.create(new EventConfig().method(backend));
        NetOps ops = base.netOps();
        List<String> failures = new ArrayList<>();
        int[] accepted = {0};
        List<SocketBufferEvent> servers = new ArrayList<>();
        Listener listener = Listener.bind(base, TestData.loopback0(), Listener.REUSEADDR, (l, h) -> {
            accepted[0]++;
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            bev.setCallbacks(b -> b.output().addBuffer(b.input()), null, (b, reasons, cause) -> {
                failures.add(BevEvent.toString(reasons) + " " + cause);
                b.close();
            });
            bev.enable(Ev.READ);
            servers.add(bev);
        });
        Handle[] clients = new Handle[conns];
        for (int i = 0; i < conns; i++) {
            clients[i] = ops.connect(listener.localAddress());
        }
        long deadline = System.nanoTime() + BOUND_NANOS;
        while (accepted[0] < conns) {
            check(System.nanoTime() < deadline, "accepted " + accepted[0] + " of " + conns + " within 20 s");
            base.loop(LoopFlag.NONBLOCK);
        }
        for (Handle c : clients) {
            while (!ops.finishConnect(c)) {
                check(System.nanoTime() < deadline, "connect over loopback within 20 s");
                base.loop(LoopFlag.NONBLOCK);
            }
        }
        ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE);
        ByteBuffer[] outv = {out};
        for (int i = 0; i < conns; i++) {
            out.clear();
            out.put(message(i)).flip();
            check(ops.write(clients[i], outv, 0, 1) == MESSAGE, "a 16-byte write over loopback is whole");
        }
        // the burst is in every server socket before the loop runs again: one pass reads all of it
        ByteBuffer in = ByteBuffer.allocateDirect(MESSAGE);
        ByteBuffer[] inv = {in};
        byte[][] got = new byte[conns][MESSAGE];
        int[] have = new int[conns];
        int done = 0;
        boolean paused = false;
        while (done < conns) {
            check(failures.isEmpty(), "a server connection failed: " + failures);
            check(System.nanoTime() < deadline, "echoed " + done + " of " + conns + " within 20 s");
            base.loop(LoopFlag.ONCE | LoopFlag.NONBLOCK);
            for (SocketBufferEvent bev : servers) {
                paused |= (bev.readSuspendReasons() & BufferEvent.SUSPEND_MEMORY) != 0;
            }
            for (int i = 0; i < conns; i++) {
                if (have[i] == MESSAGE) {
                    continue;
                }
                in.clear().limit(MESSAGE - have[i]);
                long r = ops.read(clients[i], inv, 0, 1);
                check(r != 0, "client " + i + " saw EOF after " + have[i] + " bytes");
                if (r > 0) {
                    in.flip().get(got[i], have[i], (int) r);
                    have[i] += (int) r;
                    if (have[i] == MESSAGE) {
                        done++;
                    }
                }
            }
        }
        for (int i = 0; i < conns; i++) {
            String want = new String(message(i), StandardCharsets.US_ASCII);
            String was = new String(got[i], StandardCharsets.US_ASCII);
            check(want.equals(was), "client " + i + " got " + was.trim() + ", expected " + want.trim());
        }
        check(failures.isEmpty(), "a server connection failed: " + failures);
        check(paused, "no read paused for memory: the burst fit in direct memory, so this tested nothing");
        for (Handle c : clients) {
            try {
                ops.close(c);
            } catch (IOException e) {
                throw new AssertionError("closing a client", e);
            }
        }
        listener.close();
        base.close();
    }
}
