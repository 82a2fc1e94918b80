package io.jevent.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AvailabilityTest {
    @Test
    void shouldBeAvailableWhenTheProbeFindsNothingWrong() {
        Availability a = Availability.probe("x", () -> null);
        assertTrue(a.isAvailable());
        a.ensure();
    }

    @Test
    void shouldKeepWhatTheProbeThrowsAsTheCause() {
        UnsatisfiedLinkError missing = new UnsatisfiedLinkError("libfoo.so: not found");
        Availability a = Availability.probe("foo", () -> {
            throw missing;
        });
        assertFalse(a.isAvailable());
        assertSame(missing, a.cause());
        IllegalStateException e = assertThrows(IllegalStateException.class, a::ensure);
        assertTrue(e.getMessage().startsWith("foo is unavailable: "), e.getMessage());
    }

    @Test
    void shouldNameTheFixWhenNativeAccessIsDenied() {
        // What JDK 24+ with --illegal-native-access=deny throws from JNA's System.load, as a static initialiser sees it.
        Throwable denied = new ExceptionInInitializerError(new IllegalCallerException(
                "Illegal native access from: unnamed module"));
        Availability a = Availability.probe("epoll", () -> {
            throw denied;
        });
        assertFalse(a.isAvailable());
        String message = a.cause().getMessage();
        assertTrue(message.contains("--enable-native-access=ALL-UNNAMED"), message);
        assertTrue(message.contains("Enable-Native-Access: ALL-UNNAMED"), message);
        assertSame(denied, a.cause().getCause(), "the original failure stays attached");
        assertTrue(Availability.isNativeAccessDenied(a.cause()));
        assertFalse(Availability.isNativeAccessDenied(new IllegalStateException("no epoll")));
    }

    @Test
    void shouldNameJnasModuleWhenJnaIsOnTheModulePath() {
        // Here (a class-path test JVM) the class-path form is the one given; ModulePathTest in the examples sees the
        // module-path form from a JVM with JNA on the module path.
        String modulePath = Availability.nativeAccessFix(true);
        assertTrue(modulePath.startsWith("run java with --enable-native-access=com.sun.jna "), modulePath);
        String classPath = Availability.nativeAccessFix(false);
        assertTrue(classPath.startsWith("run java with --enable-native-access=ALL-UNNAMED,"), classPath);
        assertTrue(classPath.contains("--enable-native-access=com.sun.jna"), classPath);
    }

    @Test
    void shouldShowWhatAStaticInitialiserThrewRatherThanTheWrapper() {
        IllegalStateException inner = new IllegalStateException("io_uring_setup: EPERM");
        Availability a = Availability.probe("uring", () -> {
            throw new ExceptionInInitializerError(inner);
        });
        assertEquals(inner, a.cause());
    }
}
