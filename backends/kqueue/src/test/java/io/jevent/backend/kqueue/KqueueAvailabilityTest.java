package io.jevent.backend.kqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What a machine without the kqueue library sees: an unavailable backend with a reason, never a failure to load. */
class KqueueAvailabilityTest {
    @Test
    void shouldBeUnavailableWithAReasonWhenTheLibraryDoesNotLoad() throws IOException, InterruptedException {
        String missing = "/nonexistent/jevent-test/libkqueue.so";
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-Djevent.kqueue.library=" + missing,
                "-cp", System.getProperty("java.class.path"), AvailabilityProbe.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("available=false"), out);
        assertTrue(out.contains("backend=false"), out);
        assertTrue(out.contains("cannot load the library '" + missing + "'"), out);
        assertTrue(out.contains("-Djevent.kqueue.library"), "the reason says how to provide it: " + out);
        assertTrue(out.contains("methods="), out);
    }
}
