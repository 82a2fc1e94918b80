package io.jevent.backend.kqueue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Points the kqueue backend at libkqueue on Linux before any test runs (a JUnit launcher session listener, found
 * through {@code META-INF/services}, so it runs before any class can initialise {@code Kqueue}).
 *
 * <p>If {@code jevent.kqueue.library} is set already (a {@code -D} on the Maven command line reaches the tests),
 * nothing is done. Otherwise the build script {@value #SCRIPT} is looked for beside the checkout, in the folder that
 * holds it ({@code ../shared/...}, as the project's machines lay it out) and, for a git worktree, beside the main
 * checkout. When found it is run (it reuses a finished build, and builds libkqueue from its source snapshot
 * otherwise: about 10 s) and the property is set to the {@code libkqueue.so} it printed. When not found (a clean
 * clone elsewhere), nothing is set and the kqueue tests skip with the backend's own reason, which says how to
 * provide the library.
 */
public final class LibkqueueLocator implements LauncherSessionListener {
    /** The build script, relative to the folder that holds the checkout. */
    static final String SCRIPT = "shared/tools/build-libkqueue.sh";
    private static final String PROPERTY = "jevent.kqueue.library";
    private static boolean done;

    /** Called by the JUnit launcher. */
    public LibkqueueLocator() {
    }

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        locate();
    }

    /** Sets {@code jevent.kqueue.library} if it can (see the class comment); once per JVM. */
    static synchronized void locate() {
        if (done) {
            return;
        }
        done = true;
        if (System.getProperty(PROPERTY) != null
                || !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
            return;
        }
        Path root = checkoutRoot(Path.of(System.getProperty("user.dir")).toAbsolutePath());
        if (root == null) {
            return;
        }
        for (Path base : checkouts(root)) {
            Path script = base.getParent() == null ? null : base.getParent().resolve(SCRIPT);
            if (script != null && Files.isRegularFile(script)) {
                build(script);
                return;
            }
        }
        System.err.println("[kqueue] no " + SCRIPT + " beside " + root + ": libkqueue not built here; kqueue tests"
                + " on Linux skip unless -D" + PROPERTY + "=/path/to/libkqueue.so is given");
    }

    /** The nearest folder at or above {@code dir} holding {@code .ci/run}, or null. */
    private static Path checkoutRoot(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve(".ci").resolve("run"))) {
                return d;
            }
        }
        return null;
    }

    /** The checkout, then (for a git worktree, whose {@code .git} is a file) the main checkout. */
    private static List<Path> checkouts(Path root) {
        List<Path> found = new ArrayList<>();
        found.add(root);
        Path git = root.resolve(".git");
        if (Files.isRegularFile(git)) {
            try {
                String line = Files.readString(git, StandardCharsets.UTF_8).trim();
                if (line.startsWith("gitdir:")) {
                    // <main>/.git/worktrees/<name>
                    Path gitDir = root.resolve(line.substring("gitdir:".length()).trim()).normalize();
                    Path main = gitDir.getParent() == null || gitDir.getParent().getParent() == null
                            ? null : gitDir.getParent().getParent().getParent();
                    if (main != null) {
                        found.add(main);
                    }
                }
            } catch (IOException e) {
                System.err.println("[kqueue] cannot read " + git + ": " + e);
            }
        }
        return found;
    }

    private static void build(Path script) {
        try {
            Process p = new ProcessBuilder("bash", script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                System.err.println("[kqueue] " + script + " failed (exit " + (p.isAlive() ? "timeout" : p.exitValue())
                        + "); kqueue tests on Linux will skip");
                p.destroyForcibly();
                return;
            }
            String dir = out.substring(out.lastIndexOf('\n') + 1).trim();
            Path lib = Path.of(dir, "libkqueue.so");
            if (Files.exists(lib)) {
                System.setProperty(PROPERTY, lib.toString());
            } else {
                System.err.println("[kqueue] " + script + " printed '" + dir + "', which holds no libkqueue.so");
            }
        } catch (IOException e) {
            System.err.println("[kqueue] cannot run " + script + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
