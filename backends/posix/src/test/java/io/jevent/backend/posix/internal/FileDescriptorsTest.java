package io.jevent.backend.posix.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;

class FileDescriptorsTest {
    @Test
    void shouldReadTheDescriptorOfAFileChannelWhenThePackagesAreOpen() throws Exception {
        // The build's test JVMs open java.base/sun.nio.ch and java.base/java.io (the root pom's argLine).
        assertTrue(FileDescriptors.available(), "the test JVM should open the packages sendfile needs");
        Path file = Files.createTempFile("jevent-fd", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            int fd = FileDescriptors.of(ch);
            assertTrue(fd > 2, "descriptor " + fd);
            assumeTrue(Files.isDirectory(Paths.get("/proc/self/fd")), "no /proc/self/fd to check the number against");
            assertEquals(file.toRealPath(), Files.readSymbolicLink(Paths.get("/proc/self/fd/" + fd)).toRealPath());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void shouldNameTheOpenFlagsForTheClassPathAndForTheModulePath() {
        // Here on the class path; ModulePathTest (examples) passes the module-path form to a JVM and sees it accepted.
        assertEquals("--add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED",
                FileDescriptors.openFlags(FileDescriptors.class.getModule()));
        Module named = ModuleLayer.boot().findModule("java.logging").orElseThrow();
        assertEquals("--add-opens java.base/sun.nio.ch=java.logging --add-opens java.base/java.io=java.logging",
                FileDescriptors.openFlags(named));
    }

    @Test
    void shouldRefuseAClosedChannel() throws Exception {
        Path file = Files.createTempFile("jevent-fd", ".bin");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        ch.close();
        Files.delete(file);
        assertThrows(ClosedChannelException.class, () -> FileDescriptors.of(ch));
    }
}
