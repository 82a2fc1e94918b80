package io.jevent.backend.uring;

import io.jevent.backend.posix.Posix;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.backend.uring.internal.ArgLayout;
import io.jevent.backend.uring.internal.BufferRing;
import io.jevent.backend.uring.internal.Ring;
import io.jevent.backend.uring.internal.UringNative;
import io.jevent.spi.Availability;
import io.jevent.spi.ErrnoException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether io_uring can run here (netty's {@code IoUring} holder): probed once when this class is initialised, which
 * never fails. The probe sets up a tiny ring, checks the features this backend relies on (a single mapping for both
 * rings, no dropped completions, waits with a timeout), asks the kernel which opcodes it has
 * ({@code IORING_REGISTER_PROBE}), and registers a provided-buffer ring (kernel 5.19 and later, which also brings
 * multishot poll and accept) and a synchronous cancel (6.0).
 *
 * <p>Where io_uring is refused the cause names the reason: {@code EPERM} from {@code io_uring_setup} (the sysctl
 * {@code kernel.io_uring_disabled}, or a container's seccomp filter), {@code ENOSYS} (a kernel without io_uring), a
 * missing opcode or feature (an old kernel). The system property {@code jevent.uring.disable=true} makes it
 * unavailable on purpose, so that the fallback can be tried.
 */
public final class Uring {
    /** The system property that disables this backend: {@value}. */
    public static final String DISABLE_PROPERTY = "jevent.uring.disable";

    /** The opcodes the backend posts, with their names for the message when one is missing. */
    private static final int[] NEEDED_OPS = {
        UringNative.OP_POLL_ADD, UringNative.OP_POLL_REMOVE, UringNative.OP_READ, UringNative.OP_RECV,
        UringNative.OP_SENDMSG, UringNative.OP_CONNECT, UringNative.OP_ACCEPT, UringNative.OP_ASYNC_CANCEL,
        UringNative.OP_SHUTDOWN,
    };
    private static final String[] NEEDED_OP_NAMES = {
        "POLL_ADD", "POLL_REMOVE", "READ", "RECV", "SENDMSG", "CONNECT", "ACCEPT", "ASYNC_CANCEL", "SHUTDOWN",
    };

    /** Whether io_uring can run, and why not. */
    private static final Availability AVAILABILITY = Availability.probe("io_uring", Uring::probe);

    private Uring() {
    }

    private static Throwable probe() throws IOException {
        if (Boolean.getBoolean(DISABLE_PROPERTY)) {
            return new UnsupportedOperationException("io_uring disabled by -D" + DISABLE_PROPERTY + "=true");
        }
        if (!Posix.isAvailable()) {
            return Posix.unavailabilityCause();
        }
        Ring ring;
        try {
            ring = Ring.open(4, 8, 0, 0);
        } catch (ErrnoException e) {
            return explainSetup(e);
        }
        try {
            return checkRing(ring);
        } finally {
            ring.close();
        }
    }

    private static Throwable explainSetup(ErrnoException e) {
        if (e.errno() == Errors.EPERM) {
            String sysctl = readSysctl();
            return new IllegalStateException("io_uring_setup refused with EPERM: io_uring is disabled by the"
                    + " sysctl kernel.io_uring_disabled (now " + sysctl + "; 2 disables it, 1 allows it only to the"
                    + " group in kernel.io_uring_group) or by a seccomp filter (Docker's and Kubernetes' default"
                    + " profiles refuse it)", e);
        }
        if (e.errno() == 38) { // ENOSYS
            return new IllegalStateException("io_uring_setup: ENOSYS, this kernel has no io_uring (older than 5.1"
                    + " or built without CONFIG_IO_URING)", e);
        }
        return new IllegalStateException("io_uring_setup failed: " + e.getMessage(), e);
    }

    private static String readSysctl() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).trim();
        } catch (Exception unreadable) {
            return "unreadable";
        }
    }

    private static Throwable checkRing(Ring ring) {
        int f = ring.features();
        if ((f & UringNative.FEAT_NODROP) == 0 || (f & UringNative.FEAT_EXT_ARG) == 0) {
            return new IllegalStateException("io_uring lacks IORING_FEAT_NODROP or IORING_FEAT_EXT_ARG (features 0x"
                    + Integer.toHexString(f) + "): kernel older than 5.11");
        }
        int nops = 256;
        ByteBuffer probe = NativeMemory.allocate(ArgLayout.PROBE_HEADER + nops * ArgLayout.PROBE_OP_SIZE);
        int rc = ring.register(UringNative.REGISTER_PROBE, NativeMemory.address(probe), nops);
        if (rc < 0) {
            return Errors.errnoException("io_uring_register(PROBE)", -rc);
        }
        int opsLen = probe.get(ArgLayout.PROBE_OPS_LEN) & 0xff;
        StringBuilder missing = new StringBuilder();
        for (int i = 0; i < NEEDED_OPS.length; i++) {
            int op = NEEDED_OPS[i];
            boolean supported = op < opsLen && (probe.getShort(ArgLayout.PROBE_HEADER + op * ArgLayout.PROBE_OP_SIZE
                    + ArgLayout.PROBE_OP_FLAGS) & UringNative.OP_SUPPORTED) != 0;
            if (!supported) {
                missing.append(missing.length() == 0 ? "" : ", ").append("IORING_OP_").append(NEEDED_OP_NAMES[i]);
            }
        }
        if (missing.length() > 0) {
            return new IllegalStateException("io_uring lacks " + missing + " (kernel too old)");
        }
        Throwable bufferRings = BufferRing.probe(ring);
        if (bufferRings != null) {
            return bufferRings;
        }
        int cancel = ring.syncCancel(ring.fd());
        if (cancel != -Errors.ENOENT && cancel < 0) {
            return new IllegalStateException("io_uring lacks IORING_REGISTER_SYNC_CANCEL (kernel older than 6.0): "
                    + Errors.name(-cancel));
        }
        return null;
    }

    /**
     * A debug counter: the {@code io_uring_enter} calls made so far by the ring behind {@code engine} (as
     * {@code EventBase.completionEngine()} returns it), for counting system calls per round trip in tests and
     * benchmarks. Read it on the loop thread, or after the loop has stopped.
     *
     * @param engine the engine of a base, as {@code EventBase.completionEngine()} returns it; may be {@code null}
     * @return the count, or {@code -1} if {@code engine} is not an io_uring engine
     */
    public static long enterCount(io.jevent.spi.CompletionEngine engine) {
        return engine instanceof UringEngine ? ((UringEngine) engine).enterCount() : -1;
    }

    /**
     * Whether io_uring works on this machine. The probe runs once; later calls return its answer.
     *
     * @return {@code true} if io_uring can be used, {@code false} if not ({@link #unavailabilityCause()} says why)
     */
    public static boolean isAvailable() {
        return AVAILABILITY.isAvailable();
    }

    /**
     * Why io_uring does not work on this machine.
     *
     * @return what stopped the probe (the exception it met, or one saying what to enable), or {@code null} when
     *         {@link #isAvailable()}
     */
    public static Throwable unavailabilityCause() {
        return AVAILABILITY.cause();
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException with the cause attached
     */
    public static void ensureAvailability() {
        AVAILABILITY.ensure();
    }
}
