package io.jevent.spi;

import java.util.Objects;

/**
 * The answer of a native backend's availability holder (netty's {@code Epoll}): whether the backend can run on this
 * machine and, if not, why. A holder such as {@code Epoll} probes once, in its static initialiser, through
 * {@link #probe(String, Probe)}, keeps the result in a constant, and answers its static {@code isAvailable()},
 * {@code unavailabilityCause()} and {@code ensureAvailability()} from it.
 *
 * <p>Probing never throws, so that loading the holder never fails (epoll's classes load on macOS): whatever the
 * probe throws, {@link Error}s included (a missing native library is an {@link UnsatisfiedLinkError}), becomes the
 * cause. Immutable, so safe to read from any thread.
 */
public final class Availability {
    /** What the backend is called in {@link #ensure()}'s message, such as {@code "epoll"}. */
    private final String what;
    /** Why it cannot run here, or null if it can. */
    private final Throwable cause;

    /** JNA's module name on the module path (the automatic module name in its jar's manifest). */
    static final String JNA_MODULE = "com.sun.jna";

    private Availability(String what, Throwable cause) {
        this.what = what;
        this.cause = cause;
    }

    /**
     * Checks whether a backend can run here; see {@link Availability}.
     *
     * @param what the backend's name for {@link #ensure()}'s message, such as {@code "epoll"}
     * @param probe the checks; returns why the backend cannot run, or null if it can
     * @return the answer, never null
     */
    public static Availability probe(String what, Probe probe) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(probe, "probe");
        Throwable cause;
        try {
            cause = probe.unavailabilityCause();
        } catch (Throwable t) {
            cause = t;
        }
        return new Availability(what, explain(what, cause));
    }

    /**
     * Turns the causes a user cannot act on into ones that say what to do. JDK 24 and later restrict native access (JEP 472):
     * where it is denied ({@code --illegal-native-access=deny}, the future default), JNA's {@code System.load}
     * throws {@link IllegalCallerException}, which reaches the holder wrapped in an
     * {@link ExceptionInInitializerError} or a {@link NoClassDefFoundError} and would read as
     * "unavailable (java.lang.ExceptionInInitializerError)".
     */
    private static Throwable explain(String what, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof IllegalCallerException) {
                return new NativeAccessDenied(what + " needs native access (through JNA), which this JVM denies: "
                        + nativeAccessFix(jnaIsNamedModule()), cause);
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (cause instanceof ExceptionInInitializerError && cause.getCause() != null) {
            return cause.getCause();
        }
        return cause;
    }

    /**
     * What enables native access, for where JNA runs. The JDK checks the module that loads the native library, which
     * is JNA's: its automatic module {@value #JNA_MODULE} on the module path, the unnamed module on the class path.
     *
     * @param jnaOnModulePath whether JNA is a named module here
     * @return the flag (and, on the class path, the manifest entry) to give, naming the other path's flag too
     */
    static String nativeAccessFix(boolean jnaOnModulePath) {
        if (jnaOnModulePath) {
            return "run java with --enable-native-access=" + JNA_MODULE + " (JNA's module; with JNA on the class path"
                    + " it is --enable-native-access=ALL-UNNAMED)";
        }
        return "run java with --enable-native-access=ALL-UNNAMED, or put 'Enable-Native-Access: ALL-UNNAMED' in the"
                + " executable jar's manifest (with JNA on the module path: --enable-native-access=" + JNA_MODULE + ")";
    }

    /** {@return whether JNA is a named module in jevent's layer (the boot layer when jevent is on the class path)} */
    private static boolean jnaIsNamedModule() {
        ModuleLayer layer = Availability.class.getModule().getLayer();
        if (layer == null) {
            layer = ModuleLayer.boot(); // jevent on the class path: JNA may still sit on the module path
        }
        return layer.findModule(JNA_MODULE).isPresent();
    }

    /** {@return whether the backend works on this machine} */
    public boolean isAvailable() {
        return cause == null;
    }

    /** {@return why it does not, or {@code null} when {@link #isAvailable()}} */
    public Throwable cause() {
        return cause;
    }

    /**
     * Throws unless {@link #isAvailable()}.
     *
     * @throws IllegalStateException "<i>what</i> is unavailable: <i>cause</i>", with the cause attached
     */
    public void ensure() {
        if (cause != null) {
            throw new IllegalStateException(what + " is unavailable: " + cause, cause);
        }
    }

    /**
     * Whether a backend's unavailability cause says the JVM denies native access (JDK 24 and later), a setting the
     * user can change, unlike a missing kernel feature.
     *
     * @param cause an unavailability cause, or null
     * @return true if {@code cause} is the native-access explanation this class gives
     */
    public static boolean isNativeAccessDenied(Throwable cause) {
        return cause instanceof NativeAccessDenied;
    }

    /** The cause given when the JVM denies native access; its message says which flag or manifest entry fixes it. */
    private static final class NativeAccessDenied extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        NativeAccessDenied(String message, Throwable cause) {
            super(message, cause);
        }

        @Override
        public String toString() {
            // Read as "unavailable (<message>)" in the chooser's errors: the class name would add nothing.
            return getMessage();
        }
    }

    @Override
    public String toString() {
        return what + (cause == null ? " is available" : " is unavailable: " + cause);
    }

    /** The checks of one backend, run once by {@link Availability#probe(String, Probe)}. */
    @FunctionalInterface
    public interface Probe {
        /**
         * Runs the checks.
         *
         * @return why the backend cannot run here, or null if it can
         * @throws Throwable when a check fails by throwing; it is taken as the cause
         */
        Throwable unavailabilityCause() throws Throwable;
    }
}
