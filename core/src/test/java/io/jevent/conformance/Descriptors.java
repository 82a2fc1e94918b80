package io.jevent.conformance;

import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Helpers for tests about descriptors: reuse of a closed handle's number, reading a peer without a base, and
 * running the process out of descriptors.
 */
public final class Descriptors {
    private Descriptors() {
    }

    /**
     * Orders a pair opened just after {@code dead} was closed so that its first end is the one with {@code dead}'s
     * number: Linux hands out the lowest free descriptor, so on the native backends the new pair reuses it, and
     * this asserts it (or the test would prove nothing). NIO shows no numbers; the pair is returned as is.
     *
     * @return {@code {the end that has the number, its peer}}
     */
    public static Handle[] reusingNumberOf(Handle dead, Handle[] pair) {
        if (!(dead instanceof FdHandle)) {
            return pair;
        }
        int n = ((FdHandle) dead).fd();
        for (int i = 0; i < 2; i++) {
            if (((FdHandle) pair[i]).fd() == n) {
                return new Handle[] {pair[i], pair[1 - i]};
            }
        }
        return fail("expected the new pair to reuse fd " + n + ", got " + pair[0] + " and " + pair[1]);
    }

    /**
     * A second descriptor for the socket of {@code h} ({@code fcntl(F_DUPFD_CLOEXEC)}, as {@code dup} does), wrapped
     * in a handle of its own; {@code null} for a handle that is not a raw descriptor (NIO's channels cannot be
     * duplicated). Reached through the POSIX backend's libc binding by reflection, since core has no libc binding.
     */
    public static Handle duplicate(Handle h) throws IOException {
        if (!(h instanceof FdHandle)) {
            return null;
        }
        final int fDupFdCloexec = 1030; // Linux
        int fd = ((FdHandle) h).acquire();
        try {
            Class<?> libc = Class.forName("io.jevent.backend.posix.internal.LibC");
            int copy = (int) libc.getMethod("fcntl", int.class, int.class, int.class)
                    .invoke(null, fd, fDupFdCloexec, 0);
            if (copy < 0) {
                throw new IOException("fcntl(F_DUPFD_CLOEXEC) on fd " + fd + " failed");
            }
            return new FdHandle(copy);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the POSIX backend's libc binding is not on the class path", e);
        } finally {
            if (((FdHandle) h).release()) {
                throw new IllegalStateException(h + " was closed while it was duplicated");
            }
        }
    }

    /**
     * Reads from a non-blocking handle until {@code length} bytes came, end of stream, or 5 s passed; no base
     * needed. Returns what came, as ASCII.
     */
    public static String readUpTo(NetOps ops, Handle h, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (buf.hasRemaining() && System.nanoTime() < deadline) {
            long n = ops.read(h, new ByteBuffer[] {buf}, 0, 1);
            if (n == 0) {
                break; // end of stream
            }
            if (n == NetOps.WOULD_BLOCK) {
                Thread.onSpinWait();
            }
        }
        return new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
    }

    /**
     * The soft limit on open descriptors, from /proc/self/limits; -1 where unknown or unlimited. Read through
     * java.io, not NIO: see {@link #exhaust}.
     */
    public static long openFileLimit() throws IOException {
        java.io.File limits = new java.io.File("/proc/self/limits");
        if (!limits.canRead()) {
            return -1;
        }
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.FileReader(limits,
                StandardCharsets.US_ASCII))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("Max open files")) {
                    String[] f = line.substring("Max open files".length()).trim().split("\\s+");
                    return f[0].equals("unlimited") ? -1 : Long.parseLong(f[0]);
                }
            }
        }
        return -1;
    }

    /** Descriptors open in this process now, from /proc/self/fd; -1 where unknown. */
    public static long openNow() {
        String[] fds = new java.io.File("/proc/self/fd").list();
        return fds == null ? -1 : fds.length;
    }

    /** Whether {@code e} (or a cause) is EMFILE/ENFILE, "Too many open files", as the JDK and libc word it. */
    public static boolean isTooManyOpenFiles(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("too many open files") || m.contains("emfile") || m.contains("enfile")) {
                return true;
            }
        }
        return false;
    }

    /**
     * Opens descriptors until the process has none left, at most {@code budget} of them, and returns them for
     * {@link #closeAll}. Each is a plain {@link FileInputStream} on /dev/null: one descriptor apiece, and no NIO
     * class is touched, so a test can check what NIO does when its own first use meets an empty table.
     *
     * @throws AssertionError if {@code budget} descriptors opened without running out (the limit was misread)
     */
    public static List<Closeable> exhaust(long budget) throws IOException {
        List<Closeable> hog = new ArrayList<>();
        try {
            while (true) {
                if (hog.size() >= budget) {
                    closeAll(hog);
                    fail("opened " + budget + " descriptors without running out; the limit was misread");
                }
                hog.add(new FileInputStream("/dev/null"));
            }
        } catch (IOException e) {
            if (!isTooManyOpenFiles(e)) {
                closeAll(hog);
                throw e;
            }
        }
        return hog;
    }

    /** Closes each, ignoring failures, and empties the list. */
    public static void closeAll(List<? extends Closeable> cs) {
        for (Closeable c : cs) {
            try {
                c.close();
            } catch (IOException ignored) {
                // cleanup
            }
        }
        cs.clear();
    }
}
