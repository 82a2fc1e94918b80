package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FileBufferEvent}: a file or a blocking stream read on helper threads and delivered on the loop like a
 * socket's bytes: the same callbacks, watermarks (bounded read-ahead), end of stream and errors; close stops the
 * helper; the loop thread never reads.
 */
public abstract class FileStreamConformance extends BevTestSupport {
    private Path file;

    @AfterEach
    void deleteFile() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    private byte[] newFile(int size) throws IOException {
        file = Files.createTempFile("jevent-filebev", ".bin");
        byte[] data = data(size + 1, size);
        Files.write(file, data);
        return data;
    }

    /** A stream of {@code total} bytes ({@code -1}: endless) that records the threads reading it, then fails. */
    private static final class RecordingStream extends InputStream {
        final byte[] data;
        final int failAt;
        int pos;
        final AtomicBoolean readOnLoop = new AtomicBoolean();
        final AtomicInteger reads = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Thread loop;

        RecordingStream(byte[] data, int failAt) {
            this.data = data;
            this.failAt = failAt;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            reads.incrementAndGet();
            if (Thread.currentThread() == loop) {
                readOnLoop.set(true);
            }
            if (failAt >= 0 && pos >= failAt) {
                throw new IOException("disk on fire at byte " + pos);
            }
            int end = data == null ? pos + len : Math.min(data.length, failAt >= 0 ? failAt : data.length);
            if (data != null && pos >= data.length) {
                return -1;
            }
            int n = Math.min(len, Math.min(end - pos, 7000)); // short reads, as pipes give
            if (data != null) {
                System.arraycopy(data, pos, b, off, n);
            }
            pos += n;
            return n;
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    @Test
    void shouldDeliverFileThenEofOnLoopThread() throws IOException {
        EventBase base = newBase();
        int size = 5 * 1024 * 1024 + 333;
        byte[] data = newFile(size);
        FileBufferEvent bev = FileBufferEvent.open(base, file, 0);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] events = {0};
        Thread[] callbackThread = {null};
        bev.setCallbacks(b -> {
            callbackThread[0] = Thread.currentThread();
            byte[] chunk = new byte[(int) b.input().length()];
            b.input().remove(chunk, 0, chunk.length);
            got.writeBytes(chunk);
        }, null, (b, r, c) -> events[0] = r);
        bev.enable(Ev.READ);
        Thread loop = Thread.currentThread();
        dispatchWithin(base); // a read in flight keeps dispatch() running; it returns after EOF, nothing pending
        assertEquals(BevEvent.READING | BevEvent.EOF, events[0], BevEvent.toString(events[0]));
        assertEquals(loop, callbackThread[0], "callbacks run on the loop thread");
        assertArrayEquals(data, got.toByteArray(), "the file, every byte");
        bev.close();
    }

    @Test
    void shouldStopReadingAheadAtHighWatermark() throws IOException {
        EventBase base = newBase();
        int size = 8 * 1024 * 1024;
        byte[] data = newFile(size);
        FileBufferEvent bev = FileBufferEvent.open(base, file, 0);
        long high = 100_000;
        bev.setWatermark(Ev.READ, 0, high);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long[] maxInput = {0};
        boolean[] eof = {false};
        bev.setCallbacks(b -> maxInput[0] = Math.max(maxInput[0], b.input().length()), null, (b, r, c) -> {
            eof[0] = (r & BevEvent.EOF) != 0;
            got.writeBytes(drain(b));
            base.loopExit(null);
        });
        bev.enable(Ev.READ);
        // nobody drains for a while: the input must stop at the watermark, the file must not be read on
        int[] ticks = {0};
        base.newTimer((ev, w) -> {
            if (++ticks[0] > 20) { // 20 ticks of 5 ms without draining, then drain on each tick
                got.writeBytes(drain(bev));
            }
            assertTrue(bev.input().length() <= high, "input " + bev.input().length() + " past the high watermark");
            ev.add(Duration.ofMillis(5));
        }).add(Duration.ofMillis(5));
        loopWithin(base, 0, Duration.ofSeconds(60));
        assertTrue(eof[0]);
        assertTrue(maxInput[0] <= high, "the input held " + maxInput[0] + " > " + high);
        assertArrayEquals(data, got.toByteArray());
        bev.close();
    }

    private static byte[] drain(BufferEvent b) {
        byte[] chunk = new byte[(int) b.input().length()];
        b.input().remove(chunk, 0, chunk.length);
        return chunk;
    }

    @Test
    void shouldReportMissingFileAsReadError() {
        EventBase base = newBase();
        FileBufferEvent bev = FileBufferEvent.open(base, Path.of("/nonexistent/jevent/" + System.nanoTime()), 0);
        int[] events = {0};
        Throwable[] cause = {null};
        bev.setCallbacks(null, null, (b, r, c) -> {
            events[0] = r;
            cause[0] = c;
        });
        bev.enable(Ev.READ);
        dispatchWithin(base);
        assertEquals(BevEvent.READING | BevEvent.ERROR, events[0], BevEvent.toString(events[0]));
        assertInstanceOf(NoSuchFileException.class, cause[0]);
        bev.close();
    }

    @Test
    void shouldDeliverBytesBeforeStreamErrorThenError() {
        EventBase base = newBase();
        byte[] data = data(4, 100_000);
        RecordingStream in = new RecordingStream(data, 50_000);
        in.loop = Thread.currentThread();
        FileBufferEvent bev = FileBufferEvent.fromStream(base, in, null, BevOption.CLOSE_ON_FREE);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] events = {0};
        Throwable[] cause = {null};
        bev.setCallbacks(b -> got.writeBytes(drain(b)), null, (b, r, c) -> {
            events[0] = r;
            cause[0] = c;
        });
        bev.enable(Ev.READ);
        dispatchWithin(base);
        assertEquals(BevEvent.READING | BevEvent.ERROR, events[0], BevEvent.toString(events[0]));
        assertNotNull(cause[0]);
        assertTrue(cause[0].getMessage().contains("disk on fire"), cause[0].toString());
        assertArrayEquals(Arrays.copyOf(data, 50_000), got.toByteArray(), "every byte before the failure");
        assertFalse(in.readOnLoop.get(), "the loop thread never reads the stream");
        bev.close();
    }

    @Test
    void shouldStopHelperAndCloseStreamOnClose() throws InterruptedException {
        EventBase base = newBase();
        RecordingStream in = new RecordingStream(null, -1); // endless
        FileBufferEvent bev = FileBufferEvent.fromStream(base, in, null, BevOption.CLOSE_ON_FREE);
        long[] seen = {0};
        bev.setCallbacks(b -> {
            seen[0] += b.input().length();
            b.input().drain(b.input().length());
            if (seen[0] >= 1_000_000) {
                b.close();
            }
        }, null, null);
        bev.enable(Ev.READ);
        dispatchWithin(base); // returns once closed: nothing in flight, nothing pending
        assertTrue(in.closed.await(10, TimeUnit.SECONDS), "the stream was closed (CLOSE_ON_FREE)");
        int reads = in.reads.get();
        base.loop(io.jevent.LoopFlag.NONBLOCK);
        assertEquals(reads, in.reads.get(), "no read after close");
        assertEquals(0, bev.input().length());
    }

    @Test
    void shouldFillCallerBufferFromFile() throws IOException {
        EventBase base = newBase();
        byte[] data = newFile(300_000);
        FileBufferEvent bev = FileBufferEvent.open(base, file, 0);
        ByteBuffer dst = ByteBuffer.allocateDirect(200_000);
        int[] reasons = {-1};
        bev.readInto(dst, (b, d, r, c) -> {
            reasons[0] = r;
            b.disable(Ev.READ);
        });
        bev.enable(Ev.READ);
        dispatchWithin(base);
        assertEquals(0, reasons[0]);
        byte[] head = new byte[200_000];
        dst.flip().get(head);
        assertArrayEquals(Arrays.copyOf(data, 200_000), head);
        assertTrue(bev.input().length() <= FileBufferEvent.CHUNK, "only what the last chunk brought beyond dst");
        bev.close();
    }

    /**
     * A source whose read never returns (an OS pipe nobody writes to): closing the BufferEvent must not leave the
     * loop waiting for that read, and with CLOSE_ON_FREE must close the source at once so the blocked helper wakes.
     */
    @Test
    void shouldNotHoldLoopForReadBlockedAtClose() throws IOException, InterruptedException {
        EventBase base = newBase();
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open(); // blocking: the helper's read waits
        try {
            FileBufferEvent bev = FileBufferEvent.fromChannel(base, pipe.source(), null, BevOption.CLOSE_ON_FREE);
            bev.enable(Ev.READ);
            base.newEvent(null, 0, (ev, w) -> bev.close()).add(Duration.ofMillis(100));
            loopWithin(base, 0, Duration.ofSeconds(10)); // returns once closed, though the read never ended
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pipe.source().isOpen() && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            assertFalse(pipe.source().isOpen(), "CLOSE_ON_FREE closed the source while its read was blocked");
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    /**
     * More blocked sources than the shared pool has threads, closed: their closes must not queue behind the blocked
     * reads, and the pool must be free again for a plain file.
     */
    @Test
    void shouldFreeSharedPoolWhenBlockedSourcesClose() throws IOException {
        EventBase base = newBase();
        byte[] data = newFile(100_000);
        java.util.List<java.nio.channels.Pipe> pipes = new java.util.ArrayList<>();
        try {
            java.util.List<FileBufferEvent> blocked = new java.util.ArrayList<>();
            for (int i = 0; i < FileBufferEvent.THREADS + 1; i++) {
                java.nio.channels.Pipe p = java.nio.channels.Pipe.open();
                pipes.add(p);
                FileBufferEvent b = FileBufferEvent.fromChannel(base, p.source(), null, BevOption.CLOSE_ON_FREE);
                b.enable(Ev.READ);
                blocked.add(b);
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            base.newEvent(null, 0, (ev, w) -> {
                blocked.forEach(FileBufferEvent::close);
                FileBufferEvent f = FileBufferEvent.open(base, file, 0);
                f.setCallbacks(b -> {
                    byte[] chunk = new byte[(int) b.input().length()];
                    b.input().remove(chunk, 0, chunk.length);
                    got.writeBytes(chunk);
                }, null, (b, reasons, cause) -> b.close());
                f.enable(Ev.READ);
            }).add(Duration.ofMillis(100));
            loopWithin(base, 0, Duration.ofSeconds(10));
            assertArrayEquals(data, got.toByteArray(), "the file was read once the blocked streams were closed");
        } finally {
            for (java.nio.channels.Pipe p : pipes) {
                p.sink().close();
                p.source().close();
            }
        }
    }

    /**
     * A non-blocking channel answers 0 when it has nothing, and a helper would ask again at once for ever (a helper
     * and the loop spinning): it is refused at the call, with what to change.
     */
    @Test
    void shouldRefuseNonBlockingChannel() throws IOException {
        EventBase base = newBase();
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try {
            pipe.source().configureBlocking(false);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> FileBufferEvent.fromChannel(base, pipe.source(), null, BevOption.CLOSE_ON_FREE));
            assertTrue(e.getMessage().contains("blocking"), e.getMessage());
        } finally {
            pipe.sink().close();
            pipe.source().close();
        }
    }

    /**
     * As on a socket, where reading again after the end reads the end again: a readInto asked after EOF, with
     * reading enabled again, ends with READING|EOF (it waited for ever), then the event callback hears EOF again.
     */
    @Test
    void shouldEndReadIntoAskedAfterEof() throws IOException {
        EventBase base = newBase();
        byte[] data = newFile(1000);
        FileBufferEvent bev = FileBufferEvent.open(base, file, 0);
        int[] eofs = {0};
        int[] fillReasons = {-1};
        ByteBuffer dst = ByteBuffer.allocateDirect(10);
        bev.setCallbacks(null, null, (b, reasons, cause) -> {
            assertEquals(BevEvent.READING | BevEvent.EOF, reasons, BevEvent.toString(reasons) + " " + cause);
            if (++eofs[0] == 1) {
                assertEquals(data.length, b.input().length());
                b.input().drain(data.length);
                b.readInto(dst, (x, d, r, c) -> fillReasons[0] = r);
                b.enable(Ev.READ);
            } else {
                b.close();
            }
        });
        bev.enable(Ev.READ);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(BevEvent.READING | BevEvent.EOF, fillReasons[0], "the fill ended at the end of the file");
        assertEquals(0, dst.position());
        assertEquals(2, eofs[0], "EOF again once reading was enabled again");
    }
}
