package io.jevent.examples;

import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.conformance.ConformanceBase;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a python3 script from the test resources as a client of a server on the test's loop: the loop runs until the
 * script exits (then {@code whenDone} runs on the loop, to close the server), bounded by a watchdog. Skips the test,
 * visibly, when python3 is not installed (CI installs it).
 */
final class PythonClient {
    private PythonClient() {
    }

    /** What the script printed (stdout and stderr) and its exit status. */
    record Result(int exitCode, String output) {
        /** The words of the output line starting with {@code first}, or an AssertionError showing the output. */
        String[] line(String first) {
            for (String l : output.trim().split("\\R")) {
                String[] w = l.trim().split(" ");
                if (w[0].equals(first)) {
                    return w;
                }
            }
            throw new AssertionError("no '" + first + "' line in the client's output:\n" + output);
        }
    }

    static Result run(EventBase base, String resource, Duration limit, Runnable whenDone, String... args)
            throws IOException, InterruptedException {
        String python = find();
        Assumptions.assumeTrue(python != null, "python3 not found on PATH (CI installs it): interop test skipped");
        Path script = Files.createTempFile("jevent-client", ".py");
        try (InputStream in = PythonClient.class.getResourceAsStream("/" + resource)) {
            Files.write(script, in.readAllBytes());
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String[] output = {""};
        Thread waiter = new Thread(() -> {
            try {
                output[0] = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (IOException | InterruptedException e) {
                output[0] += e;
            }
            base.execute(() -> {
                whenDone.run();
                base.loopExit();
            });
        }, "python-client-waiter");
        waiter.setDaemon(true);
        waiter.start();
        try {
            Loop.within(base, LoopFlag.NO_EXIT_ON_EMPTY, limit);
            waiter.join(TimeUnit.SECONDS.toMillis(10));
        } finally {
            p.destroyForcibly();
            Files.deleteIfExists(script);
        }
        return new Result(p.waitFor(), output[0]);
    }

    private static String find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path c = Path.of(dir, "python3");
            if (Files.isExecutable(c)) {
                return c.toString();
            }
        }
        return null;
    }

    /** Access to the watchdog'd loop of the conformance base. */
    private abstract static class Loop extends ConformanceBase {
        static void within(EventBase base, int flags, Duration limit) {
            loopWithin(base, flags, limit);
        }
    }
}
