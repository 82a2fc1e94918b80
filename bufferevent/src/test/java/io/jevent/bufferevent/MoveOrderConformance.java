package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventBaseGroup;
import io.jevent.EventConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One thread's two writes on a THREADSAFE BufferEvent keep their order across {@link BufferEvent#moveTo}: the first,
 * made while the BufferEvent is still on the old loop (queued there, behind the hand-over), reaches the socket before
 * the second, made once the BufferEvent belongs to the new loop. Whatever the writing thread is to the new loop: a
 * stranger (its call is queued again), the thread holding it (its loop has not started yet: the thread that made the
 * group), or the thread running it (its call acts at once): in the last two its second call is the owner's, which
 * must not overtake its own first one, still on its way from the old loop. And a stress test: three writers, two of
 * them the loops' own threads, while the BufferEvent moves back and forth thousands of times.
 */
public abstract class MoveOrderConformance extends BevTestSupport {
    private final List<EventBaseGroup> groups = new ArrayList<>();
    /** Loop threads held back from starting their loop; released before the groups shut down. */
    private final List<CountDownLatch> gates = new ArrayList<>();
    /** The client end of the moved BufferEvent's connection. */
    private Socket peer;
    /** The BufferEvent moved by {@link #writeAroundAMove}. */
    private BufferEvent moved;
    /** Accepted the connection. */
    private GroupListener listener;

    @AfterEach
    final void shutDownGroups() throws InterruptedException {
        gates.forEach(CountDownLatch::countDown);
        for (EventBaseGroup g : groups) {
            g.shutdownGracefully(Duration.ZERO, Duration.ZERO);
            assertTrue(g.awaitTermination(Duration.ofSeconds(20)), "the group's threads did not end");
        }
    }

    /** Two loops; the second one's thread waits for {@code secondStarts} (if not null) before it starts its loop. */
    private EventBaseGroup group(CountDownLatch secondStarts) {
        AtomicInteger made = new AtomicInteger();
        ThreadFactory threads = body -> {
            int i = made.incrementAndGet();
            return new Thread(() -> {
                if (i == 2 && secondStarts != null) {
                    await(secondStarts);
                }
                body.run();
            }, "order-loop-" + i + "/2");
        };
        if (secondStarts != null) {
            gates.add(secondStarts);
        }
        EventBaseGroup g = EventBaseGroup.create(2, new EventConfig().method(backendName()), threads);
        groups.add(g);
        return g;
    }

    @Test
    void shouldKeepTheOrderOfAStrangersWritesAcrossAMove() throws Exception {
        EventBaseGroup g = group(null);
        g.get(1).submit(() -> null).get(20, TimeUnit.SECONDS); // both loops run: the test thread is a stranger to both
        writeAroundAMove(g, Runnable::run, g.get(1)::inLoopThread, false);
        assertPeerReads();
    }

    /**
     * The target's loop has not started: the thread that made the group holds it, so its second write is the owner's,
     * made at once under the hand-off monitor, while its first is still queued on the old loop.
     */
    @Test
    void shouldKeepTheOrderOfTheWritesOfTheThreadHoldingTheTarget() throws Exception {
        CountDownLatch secondStarts = new CountDownLatch(1);
        EventBaseGroup g = group(secondStarts);
        writeAroundAMove(g, Runnable::run, g.get(1)::inLoopThread, true);
        secondStarts.countDown(); // the target runs its loop: the BufferEvent arrives and sends
        assertPeerReads();
    }

    /** The target's own loop thread writes: a stranger's call first, then (once the BufferEvent is its) the owner's. */
    @Test
    void shouldKeepTheOrderOfTheTargetLoopsWritesAcrossAMove() throws Exception {
        EventBaseGroup g = group(null);
        writeAroundAMove(g, g.get(1), g.get(1)::inRunningLoop, true);
        assertPeerReads();
    }

    /**
     * Stress, bounded to about 1.5 s of writing: each loop's thread, and a thread of its own, write numbered records
     * while the BufferEvent is moved back and forth; each loop thread's writes are a stranger's while the BufferEvent
     * is on the other loop and the owner's once it is on its own. The peer must read every writer's records in the
     * order written, none lost.
     */
    @Test
    void shouldKeepEachThreadsWritesInOrderWhileMovedBackAndForth() throws Exception {
        EventBaseGroup g = group(null);
        CompletableFuture<BufferEvent> made = new CompletableFuture<>();
        listener = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | BevOption.THREADSAFE);
            bev.enable(Ev.READ | Ev.WRITE);
            made.complete(bev);
        });
        peer = new Socket();
        peer.connect(listener.localAddress(), 10_000);
        peer.setSoTimeout(15_000);
        BufferEvent bev = made.get(20, TimeUnit.SECONDS);
        moved = bev;
        AtomicBoolean stop = new AtomicBoolean();
        int writers = 3;
        int[] written = new int[writers]; // per writer, read once its writer has ended
        CountDownLatch ended = new CountDownLatch(writers);
        long start = System.nanoTime();
        for (int w = 0; w < 2; w++) {
            EventBase home = g.get(w);
            int id = w;
            home.execute(new Runnable() { // one record per task, the loop's other work in between
                @Override
                public void run() {
                    if (stop.get()) {
                        ended.countDown();
                        return;
                    }
                    if (due(start, written[id])) {
                        bev.write(record(id, written[id]++));
                    }
                    home.execute(this);
                }
            });
        }
        Thread stranger = new Thread(() -> {
            try {
                while (!stop.get()) {
                    if (due(start, written[2])) {
                        bev.write(record(2, written[2]++));
                    } else {
                        Thread.onSpinWait();
                    }
                }
            } finally {
                ended.countDown();
            }
        }, "order-stranger");
        stranger.start();
        int moves = 0;
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        try {
            while (System.nanoTime() - until < 0 || moves < 4) {
                EventBase from = bev.base(); // only this thread moves it
                EventBase to = from == g.get(0) ? g.get(1) : g.get(0);
                CompletableFuture<BufferEvent> move = from.submit(() -> bev.moveTo(to)).get(20, TimeUnit.SECONDS);
                assertEquals(to, move.get(20, TimeUnit.SECONDS).base());
                moves++;
            }
        } finally {
            stop.set(true);
        }
        assertTrue(ended.await(20, TimeUnit.SECONDS), "the writers did not end");
        stranger.join(20_000);
        long total = 0;
        for (int n : written) {
            total += n;
        }
        int[] next = new int[writers];
        byte[] rec = new byte[RECORD];
        DataInputStream in = new DataInputStream(new BufferedInputStream(peer.getInputStream()));
        for (long i = 0; i < total; i++) {
            in.readFully(rec);
            int id = rec[0];
            int seq = ByteBuffer.wrap(rec, 1, 4).getInt();
            assertTrue(id >= 0 && id < writers, "a record of no writer: " + id);
            int want = next[id]++;
            if (seq != want) {
                assertEquals(want, seq, "writer " + id + "'s records out of order after " + i + " records, " + moves
                        + " moves (written: " + Arrays.toString(written) + ")");
            }
        }
        for (int w = 0; w < writers; w++) {
            assertEquals(written[w], next[w], "records of writer " + w);
        }
        peer.close();
        bev.close();
        listener.close();
    }

    private static final int RECORD = 5;
    /** A writer's pace in the stress test: one record per this many nanoseconds (a few hundred KiB in all). */
    private static final long RECORD_EVERY_NANOS = 50_000;

    /** Whether a writer that started at {@code start} and has written {@code n} records is due to write another. */
    private static boolean due(long start, int n) {
        return System.nanoTime() - start >= n * RECORD_EVERY_NANOS;
    }

    /** Writer {@code id}'s record number {@code seq}: the id, then the number (big-endian). */
    private static byte[] record(int id, int seq) {
        return new byte[] {(byte) id, (byte) (seq >>> 24), (byte) (seq >>> 16), (byte) (seq >>> 8), (byte) seq};
    }

    /**
     * Moves a THREADSAFE BufferEvent from the first loop to the second while a writer, run by {@code writer}, writes
     * '1' (on the old loop, held inside the task that called moveTo: the call is queued there behind the hand-over)
     * and, once the BufferEvent is on the target, '2'. {@code ownsTarget} tells, on the writer's thread just before
     * its second write, whether that thread owns the target then; it must be {@code owner}.
     */
    private void writeAroundAMove(EventBaseGroup g, Executor writer, BooleanSupplier ownsTarget,
                                  boolean owner) throws Exception {
        CompletableFuture<BufferEvent> made = new CompletableFuture<>();
        listener = GroupListener.distributing(g, loopback0(), Listener.REUSEADDR, (base, h) -> {
            SocketBufferEvent bev = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE | BevOption.THREADSAFE);
            bev.enable(Ev.READ | Ev.WRITE);
            made.complete(bev);
        });
        InetSocketAddress at = (InetSocketAddress) listener.localAddress();
        peer = new Socket();
        peer.connect(at, 10_000);
        peer.setSoTimeout(15_000);
        BufferEvent bev = made.get(20, TimeUnit.SECONDS);
        moved = bev;
        EventBase from = g.get(0);
        EventBase to = g.get(1);
        assertEquals(from, bev.base());
        CountDownLatch moving = new CountDownLatch(1);
        CountDownLatch firstQueued = new CountDownLatch(1);
        CountDownLatch oldLoopHeld = new CountDownLatch(1);
        from.execute(() -> {
            bev.moveTo(to);
            from.execute(new Runnable() { // the old loop stops right after the hand-over
                @Override
                public void run() {
                    if (bev.base() == from) {
                        from.execute(this); // a completion engine hands over once its cancels completed
                    } else {
                        await(oldLoopHeld);
                    }
                }
            });
            moving.countDown();
            await(firstQueued); // the first write is queued on the old loop before the hand-over runs
        });
        CompletableFuture<Boolean> wrote = new CompletableFuture<>();
        writer.execute(() -> {
            try {
                await(moving);
                bev.write(new byte[] {'1'});
                firstQueued.countDown();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (bev.base() != to) {
                    assertTrue(System.nanoTime() - deadline < 0, "the hand-over did not run");
                    Thread.onSpinWait();
                }
                boolean owns = ownsTarget.getAsBoolean();
                bev.write(new byte[] {'2'});
                wrote.complete(owns);
            } catch (Throwable t) {
                wrote.completeExceptionally(t);
            } finally {
                firstQueued.countDown();
                oldLoopHeld.countDown();
            }
        });
        assertEquals(owner, wrote.get(30, TimeUnit.SECONDS), owner
                ? "the writer owns the target when it writes the second time" : "the writer is a stranger to the target");
    }

    /** The peer reads the two writes in the order they were made; then the BufferEvent and the listener close. */
    private void assertPeerReads() throws Exception {
        try (Socket s = peer) {
            InputStream in = s.getInputStream();
            byte[] got = {(byte) in.read(), (byte) in.read()};
            assertEquals("12", new String(got, StandardCharsets.US_ASCII),
                    "one thread's writes reach the socket in the order they were made");
            moved.close();
        }
        listener.close();
    }

    private static void await(CountDownLatch l) {
        try {
            assertTrue(l.await(20, TimeUnit.SECONDS), "latch not released");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
