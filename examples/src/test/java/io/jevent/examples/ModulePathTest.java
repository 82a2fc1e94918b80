package io.jevent.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jevent.BackendInfo;
import io.jevent.EventBase;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jevent on the <em>module path</em>, as a modular application runs it: a child JVM gets the library modules (the
 * reactor's {@code target/classes} directories, or its jars once packaged, as this test's class path holds them),
 * JNA and SLF4J on {@code --module-path}, no {@code --add-modules}, and runs the examples' echo self-test with
 * {@code -m io.jevent.examples/io.jevent.examples.Main}. The backends are not named anywhere: the core's
 * {@code uses io.jevent.spi.Backend} binds every module on the path that provides one. Also checks the compiled
 * descriptors: no {@code internal} package exported to the world, and every backend module providing a Backend.
 */
class ModulePathTest {
    private static final String MAIN = "io.jevent.examples/io.jevent.examples.Main";
    /** The module of each library artifact and the examples; the docs list the same names. */
    private static final Map<String, String> MODULES = new TreeMap<>(Map.of(
            "jevent-core", "io.jevent.core",
            "jevent-backend-nio", "io.jevent.backend.nio",
            "jevent-backend-posix", "io.jevent.backend.posix",
            "jevent-backend-epoll", "io.jevent.backend.epoll",
            "jevent-backend-uring", "io.jevent.backend.uring",
            "jevent-backend-kqueue", "io.jevent.backend.kqueue",
            "jevent-backend-iocp", "io.jevent.backend.iocp",
            "jevent-bufferevent", "io.jevent.bufferevent",
            "jevent-examples", "io.jevent.examples"));
    /** The flags docs/production.md gives for the module path. */
    private static final List<String> DOCUMENTED_FLAGS = List.of("--enable-native-access=com.sun.jna",
            "--add-opens", "java.base/sun.nio.ch=io.jevent.backend.posix",
            "--add-opens", "java.base/java.io=io.jevent.backend.posix");

    private record Outcome(List<String> command, int status, String out, String err) {
        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** The jevent modules on this test's class path: reactor output directories or jevent jars, not test jars. */
    private static List<Path> jeventEntries() {
        return classPath().filter(p -> Files.isDirectory(p) ? p.endsWith(Path.of("target", "classes"))
                        : p.getFileName().toString().matches("jevent-[a-z-]+-\\d[^/]*(?<!-tests)\\.jar"))
                .collect(Collectors.toList());
    }

    private static Stream<Path> classPath() {
        return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator)).map(Path::of);
    }

    /** The jar of a third-party module on the class path, by its file name's prefix ({@code "jna-"}). */
    private static Path jar(String prefix) {
        List<Path> found = classPath().filter(p -> p.getFileName().toString().matches(
                java.util.regex.Pattern.quote(prefix) + "\\d[^/]*\\.jar")).collect(Collectors.toList());
        assertEquals(1, found.size(), prefix + "*.jar on the test class path: " + found);
        return found.get(0);
    }

    private static String modulePath(boolean withSimpleLogger) {
        List<Path> path = new ArrayList<>(jeventEntries());
        path.add(jar("jna-"));
        path.add(jar("slf4j-api-"));
        if (withSimpleLogger) {
            path.add(jar("slf4j-simple-"));
        }
        return path.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator));
    }

    private static Outcome run(Path java, List<String> jvmOptions, boolean withSimpleLogger, String... args)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmOptions);
        String kqueueLibrary = System.getProperty("jevent.kqueue.library");
        if (kqueueLibrary != null) {
            cmd.add("-Djevent.kqueue.library=" + kqueueLibrary);
        }
        cmd.addAll(List.of("--module-path", modulePath(withSimpleLogger), "-m", MAIN));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("JEVENT_BACKEND");
        pb.environment().remove("JDK_JAVA_OPTIONS");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(cmd + " did not end within 120 s");
        }
        return new Outcome(cmd, p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static Path thisJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static void assertSelfTestPassed(String backend, Outcome o) {
        assertEquals(0, o.status(), o.toString());
        assertTrue(o.out().startsWith("self-test on " + backend + " "), o.toString());
        assertTrue(o.out().contains("\nOK: 4/4 connection(s) matched"), o.toString());
    }

    @ParameterizedTest(name = "self-test on the module path [{0}]")
    @ValueSource(strings = {"epoll", "poll", "nio", "uring", "kqueue"})
    void shouldRunTheSelfTestOnTheModulePath(String backend) throws Exception {
        if (backend.equals("kqueue")) {
            assumeTrue(System.getProperty("jevent.kqueue.library") != null,
                    "[kqueue] runs on Linux over libkqueue: give -Djevent.kqueue.library as .ci/run does");
        }
        BackendInfo info = EventBase.methods().stream().filter(b -> b.name().equals(backend)).findFirst()
                .orElseThrow(() -> new AssertionError("backend " + backend + " is not on the test class path"));
        assumeTrue(info.available(), () -> backend + " cannot run here: " + info.unavailabilityCause());

        Outcome o = run(thisJava(), List.of(), false, "echo-server", "--backend", backend, "--self-test", "4", "256k");
        assertSelfTestPassed(backend, o);
        // SLF4J is there as a module but has no provider: it says so, once, and jevent runs all the same.
        assertTrue(o.err().contains("No SLF4J providers were found"), o.toString());
    }

    @Test
    void shouldLogThroughAProviderOnTheModulePath() throws Exception {
        // slf4j-simple provides SLF4J's service: bound like the backends, with no --add-modules.
        Outcome o = run(thisJava(), List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=debug"), true,
                "echo-server", "--backend", "nio", "--self-test", "4", "256k");
        assertSelfTestPassed("nio", o);
        assertTrue(o.err().contains("DEBUG io.jevent.EventBase - EventBase on backend nio"), o.toString());
        assertFalse(o.err().contains("No SLF4J providers"), o.toString());
    }

    /** The newest JDK 25 on the machine (Temurin 25 under /usr/lib/jvm here), or null. */
    private static Path jdk25() throws IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (Stream<Path> s = Files.list(jvms)) {
            return s.filter(d -> d.getFileName().toString().contains("25")).map(d -> d.resolve("bin/java"))
                    .filter(Files::isExecutable).sorted().reduce((a, b) -> b).orElse(null);
        }
    }

    @Test
    void shouldRunOnJdk25WithNativeAccessDeniedGivenTheDocumentedFlags() throws Exception {
        Path java = jdk25();
        assumeTrue(java != null, "no JDK 25 under /usr/lib/jvm (/usr/lib/jvm/*25*/bin/java)");
        boolean epoll = EventBase.methods().stream().anyMatch(b -> b.name().equals("epoll") && b.available());
        assumeTrue(epoll, "epoll cannot run here");

        List<String> flags = new ArrayList<>(List.of("--illegal-native-access=deny"));
        flags.addAll(DOCUMENTED_FLAGS);
        Outcome o = run(java, flags, true, "echo-server", "--backend", "epoll", "--self-test", "4", "256k");
        assertSelfTestPassed("epoll", o);
        // No JDK warning: none about native access, and none about an unknown module in --add-opens.
        assertFalse(o.err().contains("WARNING"), o.toString());

        // Without the native-access flag the backend cannot run, and the one-line error names the module-path flag.
        Outcome denied = run(java, List.of("--illegal-native-access=deny"), true,
                "echo-server", "--backend", "epoll", "--self-test", "4", "256k");
        assertEquals(2, denied.status(), denied.toString());
        assertEquals(1, denied.err().lines().count(), "one line, no stack trace: " + denied);
        assertTrue(denied.err().contains("run java with --enable-native-access=com.sun.jna "), denied.toString());
    }

    /** The descriptors of the jevent modules on the test class path, by module name. */
    private static Map<String, ModuleDescriptor> descriptors() {
        Map<String, ModuleDescriptor> found = new TreeMap<>();
        for (Path p : jeventEntries()) {
            Set<ModuleReference> refs = ModuleFinder.of(p).findAll();
            assertEquals(1, refs.size(), "one module in " + p + ": " + refs);
            ModuleDescriptor d = refs.iterator().next().descriptor();
            assertFalse(d.isAutomatic(), p + " has no module-info.class: " + d);
            found.put(d.name(), d);
        }
        return found;
    }

    @Test
    void shouldDescribeEveryModuleAndExportNoInternalPackage() {
        Map<String, ModuleDescriptor> modules = descriptors();
        assertEquals(new TreeSet<>(MODULES.values()), modules.keySet(), "the jevent modules on the test class path");
        for (ModuleDescriptor d : modules.values()) {
            for (ModuleDescriptor.Exports e : d.exports()) {
                if (e.source().endsWith(".internal")) {
                    assertTrue(e.isQualified(), d.name() + " exports " + e.source() + " to everyone");
                    assertTrue(e.targets().stream().allMatch(t -> t.startsWith("io.jevent.")), d.name() + ": " + e);
                }
            }
            Set<String> exported = d.exports().stream().filter(e -> !e.isQualified())
                    .map(ModuleDescriptor.Exports::source).collect(Collectors.toSet());
            Set<String> internal = d.packages().stream().filter(p -> p.endsWith(".internal"))
                    .collect(Collectors.toSet());
            internal.retainAll(exported);
            assertEquals(Set.of(), internal, d.name() + ": internal packages exported to everyone");
        }
        assertTrue(modules.get("io.jevent.core").uses().contains("io.jevent.spi.Backend"), "core uses Backend");
        assertEquals(Set.of("io.jevent.internal"), modules.get("io.jevent.core").exports().stream()
                .filter(ModuleDescriptor.Exports::isQualified).map(ModuleDescriptor.Exports::source)
                .collect(Collectors.toSet()), "core's only qualified export");
    }

    @Test
    void shouldProvideABackendFromEveryBackendModule() {
        Map<String, ModuleDescriptor> modules = descriptors();
        List<String> backends = modules.keySet().stream().filter(n -> n.startsWith("io.jevent.backend."))
                .collect(Collectors.toList());
        assertEquals(6, backends.size(), backends.toString());
        for (String name : backends) {
            List<ModuleDescriptor.Provides> provides = modules.get(name).provides().stream()
                    .filter(p -> p.service().equals("io.jevent.spi.Backend")).collect(Collectors.toList());
            assertEquals(1, provides.size(), name + " provides io.jevent.spi.Backend: " + modules.get(name));
            String impl = provides.get(0).providers().get(0);
            assertTrue(impl.startsWith(name + "."), name + " provides it with its own class, got " + impl);
        }
    }

    @Test
    void shouldNameEveryModuleInTheDocsAsTheDescriptorsDo() throws IOException {
        Path docs = Path.of("..", "docs");
        assumeTrue(Files.isDirectory(docs), "no docs/ beside the examples module (run from the reactor)");
        String backendsDoc = Files.readString(docs.resolve("backends.md"));
        String production = Files.readString(docs.resolve("production.md"));
        for (Map.Entry<String, String> m : MODULES.entrySet()) {
            if (!m.getKey().equals("jevent-examples")) {
                assertTrue(backendsDoc.matches("(?s).*`" + m.getKey() + "`[^\n]*`" + m.getValue() + "`.*"),
                        "docs/backends.md names module " + m.getValue() + " beside " + m.getKey());
            }
        }
        for (String flag : DOCUMENTED_FLAGS) {
            assertTrue(production.contains(flag), "docs/production.md gives " + flag);
        }
    }
}
