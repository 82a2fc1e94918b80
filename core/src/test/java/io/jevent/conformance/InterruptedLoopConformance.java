package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A loop whose thread was interrupted keeps running and keeps the interrupt status for its callbacks and its caller
 * (the loop's contract). What the callbacks do on it must then work as on any other loop thread: a
 * {@link FileChannel} closes itself when an interrupted thread uses it, so the file segments of a buffer must not be
 * sent or read with the status set.
 */
public abstract class InterruptedLoopConformance extends ConformanceBase {

    @Test
    void shouldSendAFileSegmentFromACallbackOfAnInterruptedLoopThread() throws IOException {
        Path file = Files.createTempFile("jevent-interrupted-loop", ".txt");
        try (FileChannel fc = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            String text = "bytes from a file";
            fc.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)), 0);
            EventBase base = newBase();
            Handle[] p = socketPair();
            EvBuffer out = new EvBuffer();
            out.addFile(fc, 0, text.length(), null);
            out.addFile(fc, 0, 5, null); // a second region: read into memory by copyOut below
            Throwable[] failure = {null};
            boolean[] stillInterrupted = {false};
            base.once(null, Ev.TIMEOUT, Duration.ZERO, (ev, w) -> Thread.currentThread().interrupt()); // stray
            base.once(null, Ev.TIMEOUT, Duration.ofMillis(20), (ev, w) -> {
                try {
                    while (out.length() > 5) {
                        long n = out.writeTo(p[0], netOps(), out.length() - 5);
                        assertTrue(n > 0 || n == NetOps.WOULD_BLOCK, "writeTo returned " + n);
                    }
                    byte[] rest = new byte[5];
                    out.copyOut(rest, 0, 5);
                    assertEquals("bytes", new String(rest, StandardCharsets.US_ASCII));
                } catch (Throwable t) {
                    failure[0] = t;
                }
                stillInterrupted[0] = Thread.currentThread().isInterrupted();
            });
            try {
                dispatchWithin(base);
            } finally {
                Thread.interrupted(); // the loop hands the status back to its caller: clear it for the next test
            }
            if (failure[0] != null) {
                throw new AssertionError("file I/O on an interrupted loop thread failed: " + failure[0]
                        + " (the FileChannel is " + (fc.isOpen() ? "open" : "closed") + ")", failure[0]);
            }
            assertTrue(stillInterrupted[0], "the interrupt status is kept for the callbacks");
            assertTrue(fc.isOpen(), "the caller's FileChannel was closed");
            assertEquals(text, Descriptors.readUpTo(netOps(), p[1], text.length()));
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
