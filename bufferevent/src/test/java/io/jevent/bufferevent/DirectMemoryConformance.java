package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBase;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A burst of small reads across many connections must not exhaust direct memory into an OutOfMemoryError that ends
 * the loop: reading pauses and resumes, and every byte is echoed (see {@link DirectMemoryProbe}, run in a fresh JVM
 * with 4 MiB of direct memory: 256 segments of the default size, against 600 connections read in one pass).
 */
public abstract class DirectMemoryConformance extends ConformanceBase {

    @Test
    void shouldPauseReadingInsteadOfDyingWhenDirectMemoryRunsOut() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path output = Files.createTempFile("jevent-direct-memory", ".txt");
        try {
            List<String> command = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:MaxDirectMemorySize=4m",
                    // io_uring's provided buffers come out of the same 4 MiB: 128 of them (2 MiB) take as many reads
                    // per pass as the rest can hold, and run it out
                    "-Djevent.uring.bufferRingEntries=128",
                    "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            // the backend's configuration goes along (jevent.kqueue.library: where libkqueue is)
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("jevent.")).sorted()
                    .forEach(k -> command.add("-D" + k + "=" + System.getProperty(k)));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                    DirectMemoryProbe.class.getName(), backendName(), "600"));
            Process child = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            if (!child.waitFor(60, TimeUnit.SECONDS)) {
                child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("the probe did not end within 60 s:\n" + Files.readString(output));
            }
            String out = Files.readString(output);
            assertEquals(0, child.exitValue(), "the probe failed:\n" + out);
            assertTrue(out.contains("OK"), out);
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
