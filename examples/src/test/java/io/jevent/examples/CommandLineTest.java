package io.jevent.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every example answers the command line the same way, checked on {@link Main} run as its own process (as a user
 * runs the jar: exit status, stdout and stderr apart): {@code --help} prints the usage on stdout and exits 0; an
 * unknown option prints the usage on stderr and exits 2; a backend that cannot run here is one line on stderr and
 * exit 2, no stack trace. The child's class path is the test's without the kqueue backend, as in the examples jar.
 */
class CommandLineTest {
    private static final String[] ALL = {"demo", "quickstart", "echo-server", "relay", "tls-client", "fetch"};

    private record Outcome(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private static Outcome main(String... args) throws Exception {
        return mainWithBackendVariable(null, args);
    }

    /** Runs Main with {@code JEVENT_BACKEND} set to {@code backend} (null: unset). */
    private static Outcome mainWithBackendVariable(String backend, String... args) throws Exception {
        String cp = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(e -> !e.contains("kqueue"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", cp, Main.class.getName()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JEVENT_BACKEND");
        if (backend != null) {
            pb.environment().put("JEVENT_BACKEND", backend);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 60 s");
        }
        return new Outcome(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @ParameterizedTest(name = "{0} --help")
    @ValueSource(strings = {"demo", "quickstart", "echo-server", "relay", "tls-client", "fetch"})
    void shouldPrintUsageOnStdoutAndExitZeroOnHelp(String example) throws Exception {
        for (String help : new String[] {"--help", "-h"}) {
            Outcome o = main(example, help);
            assertEquals(0, o.status(), o.toString());
            assertTrue(o.out().matches("(?s)usage: " + example + "[ \n].*"), o.toString());
            assertTrue(o.out().contains("\noptions:\n"), o.toString());
            assertTrue(o.out().contains("  --help"), o.toString());
            if (!example.equals("quickstart")) {
                assertTrue(o.out().contains("  --backend NAME"), o.toString());
                assertTrue(o.out().contains("(default"), "options show their defaults: " + o);
            }
            assertEquals("", o.err(), o.toString());
        }
    }

    @ParameterizedTest(name = "{0} --no-such-option")
    @ValueSource(strings = {"demo", "quickstart", "echo-server", "relay", "tls-client", "fetch"})
    void shouldPrintUsageOnStderrAndExitTwoOnUnknownOption(String example) throws Exception {
        Outcome o = main(example, "--no-such-option");
        assertEquals(2, o.status(), o.toString());
        assertTrue(o.err().matches("(?s)" + example + ": unknown option --no-such-option\nusage: " + example
                + "[ \n].*"), o.toString());
        assertTrue(o.err().contains("\noptions:\n"), o.toString());
        assertEquals("", o.out(), o.toString());
    }

    @ParameterizedTest(name = "{0} --backend kqueue")
    @ValueSource(strings = {"demo", "echo-server", "relay", "tls-client", "fetch"})
    void shouldSayInOneLineThatABackendCannotRunHere(String example) throws Exception {
        for (String backend : new String[] {"kqueue", "iocp", "nosuch"}) {
            Outcome o = main(example, "--backend", backend);
            assertEquals(2, o.status(), o.toString());
            assertTrue(o.err().startsWith(example + ": backend '" + backend + "'"), o.toString());
            assertEquals(1, o.err().lines().count(), "one line, no stack trace: " + o);
            assertFalse(o.err().contains("Exception"), o.toString());
            assertEquals("", o.out(), o.toString());
        }
    }

    @ParameterizedTest(name = "JEVENT_BACKEND=kqueue {0}")
    @ValueSource(strings = {"quickstart", "demo"})
    void shouldSayInOneLineThatTheEnvironmentsBackendCannotRunHere(String example) throws Exception {
        Outcome o = mainWithBackendVariable("kqueue", example);
        assertEquals(2, o.status(), o.toString());
        assertTrue(o.err().startsWith(example + ": backend 'kqueue' (from JEVENT_BACKEND)"), o.toString());
        assertEquals(1, o.err().lines().count(), "one line, no stack trace: " + o);
        assertFalse(o.err().contains("Exception"), o.toString());
    }

    @Test
    void shouldCheckTheEnvironmentsBackendBeforeStartingLoopThreads() throws Exception {
        Outcome o = mainWithBackendVariable("kqueue", "echo-server", "--loops", "2", "--self-test", "1", "1k");
        assertEquals(2, o.status(), o.toString());
        assertTrue(o.err().startsWith("echo-server: backend 'kqueue' (from JEVENT_BACKEND)"), o.toString());
        assertEquals(1, o.err().lines().count(), "one line, no stack trace: " + o);
    }

    @Test
    void shouldListTheExamplesOnHelpAndFailWithoutAName() throws Exception {
        Outcome help = main("--help");
        assertEquals(0, help.status(), help.toString());
        for (String e : ALL) {
            assertTrue(help.out().contains("\n  " + e + " "), e + " listed: " + help);
        }
        assertEquals("", help.err(), help.toString());

        Outcome none = main();
        assertEquals(2, none.status(), none.toString());
        assertTrue(none.err().startsWith("usage: "), none.toString());
        assertEquals("", none.out(), none.toString());

        Outcome unknown = main("no-such-example");
        assertEquals(2, unknown.status(), unknown.toString());
        assertTrue(unknown.err().startsWith("unknown example 'no-such-example'\nusage: "), unknown.toString());
        assertEquals("", unknown.out(), unknown.toString());
    }
}
