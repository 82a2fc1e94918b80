package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.buffer.EvBuffer;
import io.jevent.filter.RateLimits;
import io.jevent.filter.TokenBucketConfig;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a socket BufferEvent lends, whatever moves its bytes: an idle connection that waits to read holds no read
 * buffer (a completion engine posts a read that lends no memory: io_uring's provided buffers, a wait for readability);
 * the memory of a write in flight stays lent until the write completes, even when the BufferEvent is closed first, and
 * the bytes sent are never other bytes; a read never takes more than its rate limit's bucket holds.
 */
public abstract class EngineMemoryConformance extends BevTestSupport {
    private static final int CONNECTIONS = 64;

    private static long directMemoryUsed() {
        for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (p.getName().equals("direct")) {
                return p.getMemoryUsed();
            }
        }
        throw new AssertionError("no direct buffer pool bean");
    }

    /** Runs non-blocking loop passes until {@code done} holds, for at most 10 s. */
    private static void passesUntil(EventBase base, BooleanSupplier done) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!done.getAsBoolean() && System.nanoTime() < deadline) {
            loopWithin(base, LoopFlag.ONCE | LoopFlag.NONBLOCK, Duration.ofSeconds(10));
        }
    }

    @Test
    void shouldHoldNoReadBufferWhileWaitingToRead() throws IOException {
        EventBase base = newBase();
        List<SocketBufferEvent> bevs = new ArrayList<>();
        List<Handle> peers = new ArrayList<>();
        int[] got = {0};
        // one connection first, outside the measure: its read sets up what the engine shares among connections
        // (io_uring's ring of provided buffers), a fixed cost per base
        Handle[] first = socketPair();
        SocketBufferEvent warm = SocketBufferEvent.create(base, first[0], 0);
        warm.enable(Ev.READ);
        for (int i = 0; i < 3; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        long before = directMemoryUsed();
        for (int i = 0; i < CONNECTIONS; i++) {
            Handle[] p = socketPair();
            SocketBufferEvent b = SocketBufferEvent.create(base, p[0], 0);
            b.setCallbacks(x -> got[0] += x.input().drain(x.input().length()), null, null);
            b.enable(Ev.READ); // a read is posted (or a registration made) and waits
            bevs.add(b);
            peers.add(p[1]);
        }
        for (int i = 0; i < 3; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        long perConnection = (directMemoryUsed() - before) / CONNECTIONS;
        for (SocketBufferEvent b : bevs) {
            assertEquals(0, b.input().memoryHeld(), "an idle connection's input holds memory: " + b);
        }
        assertTrue(perConnection < 1024, "waiting to read costs " + perConnection + " B of direct memory per"
                + " connection: a read buffer is lent while nothing arrives");

        ByteBuffer[] one = {ByteBuffer.allocateDirect(1)};
        for (Handle peer : peers) {
            one[0].clear().put((byte) 'x').flip();
            assertEquals(1, netOps().write(peer, one, 0, 1));
        }
        passesUntil(base, () -> got[0] == CONNECTIONS);
        assertEquals(CONNECTIONS, got[0], "every connection read its byte");
        for (int i = 0; i < 3; i++) {
            loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(5));
        }
        for (SocketBufferEvent b : bevs) {
            assertEquals(0, b.input().memoryHeld(), "after a read the input is drained and holds nothing: " + b);
            b.close();
        }
        warm.close();
    }

    @Test
    void shouldKeepTheMemoryOfAWriteInFlightUntilItCompletesThoughClosedFirst() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        SocketBufferEvent b = SocketBufferEvent.create(base, p[0], BevOption.CLOSE_ON_FREE);
        byte[] pattern = data(11, 8 << 20); // more than the socket buffers take: the peer does not read yet
        b.write(pattern);
        long[] last = {-1};
        long[] still = {0};
        passesUntil(base, () -> { // until the kernel stops taking bytes
            long now = b.output().length() + b.bytesInFlight();
            still[0] = now == last[0] ? still[0] + 1 : 0;
            last[0] = now;
            return still[0] >= 20;
        });
        long lent = b.bytesInFlight();
        b.close();
        if (base.completionEngine() != null) {
            assertTrue(lent > 0, "a write is in flight, waiting for room in the socket");
            assertEquals(lent, b.bytesInFlight(), "close() gave back the memory of the write in flight");
        }
        // other bytes through the segment pool: had the lent segments gone back to it, they would carry these now
        EvBuffer churn = new EvBuffer();
        byte[] other = new byte[1 << 20];
        Arrays.fill(other, (byte) 0xEE);
        for (int i = 0; i < 8; i++) {
            churn.add(other);
        }
        churn.drain(churn.length());
        // the peer reads what was sent until the end of stream; the close completes meanwhile
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer[] dst = {ByteBuffer.allocateDirect(64 << 10)};
        boolean[] end = {false};
        passesUntil(base, () -> {
            try {
                for (int i = 0; i < 64; i++) {
                    dst[0].clear();
                    long n = netOps().read(p[1], dst, 0, 1);
                    if (n == NetOps.WOULD_BLOCK) {
                        break;
                    }
                    if (n == 0) {
                        end[0] = true;
                        break;
                    }
                    dst[0].flip();
                    byte[] chunk = new byte[(int) n];
                    dst[0].get(chunk);
                    got.write(chunk, 0, chunk.length);
                }
            } catch (IOException e) {
                end[0] = true; // a reset: what came before it is still checked
            }
            return end[0] && b.bytesInFlight() == 0;
        });
        assertTrue(end[0], "the peer saw the end of the closed connection");
        assertEquals(0, b.bytesInFlight(), "the write's completion gave its memory back");
        byte[] received = got.toByteArray();
        assertTrue(received.length > 0, "bytes were sent before the close");
        assertTrue(received.length <= pattern.length);
        assertArrayEquals(Arrays.copyOf(pattern, received.length), received, "the peer received other bytes than"
                + " were written: lent memory was reused before the kernel was done with it");
    }

    @Test
    void shouldNeverReadMoreThanTheRateLimitBucketHolds() throws IOException {
        EventBase base = newBase();
        Handle[] p = socketPair();
        SocketBufferEvent b = SocketBufferEvent.create(base, p[0], BevOption.CLOSE_ON_FREE);
        long rate = 1024;
        long burst = 4096;
        Duration tick = Duration.ofMillis(50);
        RateLimits.set(b, TokenBucketConfig.perTick(rate, burst, TokenBucketConfig.UNLIMITED,
                TokenBucketConfig.UNLIMITED, tick));
        List<Long> reads = new ArrayList<>();
        b.setCallbacks(x -> reads.add(x.input().drain(x.input().length())), null, null);
        b.enable(Ev.READ);
        ByteBuffer[] src = {ByteBuffer.wrap(data(12, 64 << 10))};
        netOps().write(p[1], src, 0, 1); // far more than the bucket: whatever the socket takes
        long start = System.nanoTime();
        base.newTimer((ev, w) -> base.loopBreak()).add(Duration.ofMillis(400));
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        long ticks = (System.nanoTime() - start) / tick.toNanos() + 1;
        long total = 0;
        for (long n : reads) {
            assertTrue(n <= burst, "one read took " + n + " bytes, more than the bucket holds (" + burst + "): "
                    + reads);
            total += n;
        }
        assertTrue(reads.size() >= 2, "reading went on as the bucket refilled: " + reads);
        assertTrue(total <= burst + rate * ticks, "read " + total + " bytes in " + ticks + " ticks of " + rate
                + " and a burst of " + burst + ": " + reads);
        b.close();
    }
}
