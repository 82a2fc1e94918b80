package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A socket BufferEvent fed from a file ({@link EvBuffer#addFile}): the bytes the peer reads are the file's, whatever
 * the backend (sendfile(2) on the native readiness backends on Linux, {@code transferTo} on NIO, a bounded copy on a
 * completion engine), the file never sits whole in memory, and a file truncated during the send ends in an ERROR
 * event, never in a hang or a silent short send.
 */
public abstract class FileSendConformance extends BevTestSupport {
    private Path file;

    @AfterEach
    void deleteFile() throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    private byte[] newFile(int size) throws IOException {
        file = Files.createTempFile("jevent-sendfile", ".bin");
        byte[] data = data(size, size);
        Files.write(file, data);
        return data;
    }

    /** Whether this backend sends a file segment without copying it (a readiness backend on Linux). */
    private boolean zeroCopy(EventBase base) {
        return base.completionEngine() == null && System.getProperty("os.name").startsWith("Linux");
    }

    @Test
    void shouldSendFileThroughNetOpsWithoutCopyOnLinux() throws IOException {
        EventBase base = newBase();
        org.junit.jupiter.api.Assumptions.assumeTrue(zeroCopy(base),
                () -> "[" + backendName() + "] copies files through memory (completion engine or not Linux)");
        byte[] data = newFile(10_000);
        Handle[] pair = socketPair();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long n = netOps().sendFile(pair[0], ch, 100, 5000);
            assertEquals(5000, n, "sendFile sent part of the region");
            assertEquals(0, netOps().sendFile(pair[0], ch, 10_000, 10), "a position at the end sends nothing");
            java.nio.ByteBuffer got = java.nio.ByteBuffer.allocateDirect(5000);
            while (got.hasRemaining()) {
                long r = netOps().read(pair[1], new java.nio.ByteBuffer[] {got}, 0, 1);
                assertNotEquals(0, r, "end of stream before the file's bytes");
            }
            byte[] b = new byte[5000];
            got.flip().get(b);
            assertArrayEquals(Arrays.copyOfRange(data, 100, 5100), b);
        }
    }

    @Test
    void shouldSendFileLargerThanSocketBufferToSlowReader() throws IOException {
        EventBase base = newBase();
        int size = 6 * 1024 * 1024 + 12_345;
        byte[] data = newFile(size);
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent sender = p[0];
        SocketBufferEvent reader = p[1];
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] released = {0};
        long[] maxHeld = {0};
        Throwable[] failure = {null};
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            // the head is caller memory and the tail one pooled segment: a copy of the file would show up as a second
            java.nio.ByteBuffer head = java.nio.ByteBuffer.allocateDirect(5).put("head:".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII)).flip();
            sender.output().addReference(head, null);
            sender.output().addFile(ch, 0, size, (d, c) -> released[0]++);
            sender.output().add(":tail", java.nio.charset.StandardCharsets.US_ASCII);
            long total = size + 10;
            long heldBefore = sender.output().memoryHeld(); // the tail's segment
            sender.setCallbacks(null, b -> sender.shutdownOutput(), (b, r, c) -> failure[0] = c);
            // the slow reader: reading stops at 32 KiB held, and a timer takes 64 KiB every 2 ms
            reader.setWatermark(Ev.READ, 0, 32 * 1024);
            reader.setCallbacks(null, null, (b, r, c) -> {
                if ((r & BevEvent.EOF) == 0) {
                    failure[0] = new AssertionError("reader: " + BevEvent.toString(r), c);
                }
                got.writeBytes(drain(b.input()));
                b.close();
                base.loopExit(null);
            });
            reader.enable(Ev.READ);
            base.newTimer((ev, w) -> {
                maxHeld[0] = Math.max(maxHeld[0], sender.output().memoryHeld());
                byte[] chunk = new byte[64 * 1024];
                int n = reader.isClosed() ? 0 : reader.input().remove(chunk, 0, chunk.length);
                got.write(chunk, 0, n);
                if (!reader.isClosed() || got.size() < total) {
                    ev.add(Duration.ofMillis(2));
                }
            }).add(Duration.ofMillis(2));
            loopWithin(base, 0, Duration.ofSeconds(60));
            assertEquals(null, failure[0], "no error on either side");
            byte[] all = got.toByteArray();
            assertEquals(total, all.length, "bytes received");
            assertEquals("head:", new String(all, 0, 5, java.nio.charset.StandardCharsets.US_ASCII));
            assertArrayEquals(data, Arrays.copyOfRange(all, 5, 5 + size), "the file's bytes, in order");
            assertEquals(":tail", new String(all, 5 + size, 5, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals(1, released[0], "the file region released once, when sent");
            assertTrue(maxHeld[0] <= heldBefore + 1024 * 1024, "the output held " + maxHeld[0]
                    + " bytes of memory while sending: a file must never be read whole into memory");
            if (zeroCopy(base)) {
                assertTrue(maxHeld[0] <= heldBefore, "[" + backendName() + "] sends files without copying them to"
                        + " memory, yet the output held " + maxHeld[0] + " bytes, " + heldBefore + " before the send");
            }
        } finally {
            sender.close();
            keep[0].close();
        }
    }

    @Test
    void shouldReportErrorWhenFileTruncatedDuringSend() throws IOException {
        EventBase base = newBase();
        int size = 32 * 1024 * 1024;
        int cut = 256 * 1024;
        byte[] data = newFile(size);
        Listener[] keep = new Listener[1];
        SocketBufferEvent[] p = tcpPair(base, keep);
        SocketBufferEvent sender = p[0];
        SocketBufferEvent reader = p[1];
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        int[] events = {0};
        Throwable[] cause = {null};
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
            sender.output().addFile(ch, 0, size, null);
            sender.setCallbacks(null, null, (b, r, c) -> {
                events[0] = r;
                cause[0] = c;
                b.close(); // the peer then reads end of stream after what was sent
            });
            reader.setCallbacks(b -> got.writeBytes(drain(b.input())), null, (b, r, c) -> {
                b.close();
                base.loopExit(null);
            });
            // truncate once the send has started and stalled on the peer that does not read yet, then read
            long[] last = {-1};
            base.newTimer((ev, w) -> {
                long left = sender.isClosed() ? -2 : sender.output().length();
                if (left >= 0 && left < size && left == last[0]) {
                    try {
                        writer.truncate(cut);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    reader.enable(Ev.READ);
                    return;
                }
                last[0] = left;
                ev.add(Duration.ofMillis(20));
            }).add(Duration.ofMillis(20));
            loopWithin(base, 0, Duration.ofSeconds(30));
            assertEquals(BevEvent.WRITING | BevEvent.ERROR, events[0],
                    "the sender's event: " + BevEvent.toString(events[0]));
            assertInstanceOf(EOFException.class, rootOf(cause[0]), "the cause names the short file: " + cause[0]);
            byte[] all = got.toByteArray();
            assertTrue(all.length < size, "fewer bytes than the region arrived (" + all.length + ")");
            assertArrayEquals(Arrays.copyOf(data, all.length), all, "what arrived is the file's prefix");
        } finally {
            sender.close();
            reader.close();
            keep[0].close();
        }
    }

    /**
     * The peer resets the connection in the middle of a file region: sendfile(2) then fails with EPIPE or ECONNRESET
     * (and the kernel raises SIGPIPE, which MSG_NOSIGNAL cannot suppress for sendfile; the JVM ignores it). The
     * sender gets a WRITING|ERROR event with the cause; the process lives on and the file is not held.
     */
    @Test
    void shouldReportErrorWhenPeerResetsMidFile() throws Exception {
        EventBase base = newBase();
        int size = 32 * 1024 * 1024;
        newFile(size);
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            CompletableFuture<Long> peer = CompletableFuture.supplyAsync(() -> {
                try (java.net.Socket s = server.accept()) {
                    s.setSoTimeout(20_000);
                    byte[] buf = new byte[64 * 1024];
                    long n = 0;
                    while (n < 1_000_000) {
                        int r = s.getInputStream().read(buf);
                        if (r < 0) {
                            break;
                        }
                        n += r;
                    }
                    s.setSoLinger(true, 0); // close with a reset, unread bytes in its receive buffer
                    return n;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            SocketBufferEvent sender = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            int[] events = {0};
            Throwable[] cause = {null};
            sender.setCallbacks(null, null, (b, r, c) -> {
                if (r == BevEvent.CONNECTED) {
                    return;
                }
                events[0] = r;
                cause[0] = c;
                b.close();
            });
            sender.output().addFile(ch, 0, size, null);
            sender.connect(server.getLocalSocketAddress());
            loopWithin(base, 0, Duration.ofSeconds(30));
            assertTrue(peer.get(20, TimeUnit.SECONDS) >= 1_000_000, "the peer read a prefix");
            assertEquals(BevEvent.WRITING | BevEvent.ERROR, events[0] & (BevEvent.WRITING | BevEvent.ERROR),
                    "the sender's event: " + BevEvent.toString(events[0]));
            assertTrue(cause[0] instanceof IOException, "an I/O failure names the reset: " + cause[0]);
            assertTrue(ch.isOpen(), "the caller's channel is the caller's (no cleanup was given)");
        }
    }

    private static byte[] drain(EvBuffer in) {
        byte[] b = new byte[(int) in.length()];
        in.remove(b, 0, b.length);
        return b;
    }

    private static Throwable rootOf(Throwable t) {
        Throwable r = t;
        while (r != null && r.getCause() != null && !(r instanceof EOFException)) {
            r = r.getCause();
        }
        return r;
    }
}
