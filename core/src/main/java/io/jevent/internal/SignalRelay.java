package io.jevent.internal;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Relays POSIX signals from the JVM's signal-dispatch thread to the event bases that wait for them.
 *
 * <p>The JVM allows one handler per signal per process, so one relay handler is installed per signal while at
 * least one base listens, and the previous handler is put back when the last one stops. The handler does no work
 * itself: each {@link Target} hands the delivery to its loop thread (through the base's task queue), which is
 * where user callbacks run. One target failing (a base closing just then) never keeps the signal from the others.
 *
 * <p>Checking a signal ({@link #resolve}) needs a handler installed for an instant; a signal arriving in that
 * instant is raised again once the previous handler is back, so the application's own handler (or the JVM's
 * default action) still receives it.
 */
public final class SignalRelay {
    private static final Logger log = LoggerFactory.getLogger(SignalRelay.class);

    /** Receives a delivery on the JVM's signal thread; must only enqueue. */
    @FunctionalInterface
    public interface Target {
        /** The signal arrived. */
        void signalled(int signo);
    }

    /** A resolved signal: its canonical name (no SIG prefix) and this platform's number. */
    public record Resolved(String name, int number) {
    }

    private static final class Entry {
        final Signal signal;
        final SignalHandler previous;
        final List<Target> targets = new CopyOnWriteArrayList<>();

        Entry(Signal signal, SignalHandler previous) {
            this.signal = signal;
            this.previous = previous;
        }
    }

    private static final Map<String, Entry> ENTRIES = new HashMap<>();
    /** Names tried when a number is given; numbers differ between Linux and the BSDs, so they are looked up. */
    private static final String[] KNOWN = {"HUP", "INT", "QUIT", "USR1", "USR2", "TERM", "ALRM", "CHLD", "WINCH",
        "CONT", "TSTP", "TTIN", "TTOU", "PIPE", "URG", "IO", "PROF", "VTALRM", "XCPU", "XFSZ", "PWR", "SYS"};

    private SignalRelay() {
    }

    /**
     * Resolves and checks a signal name ({@code "USR1"} or {@code "SIGUSR1"}) by installing and at once removing
     * the relay: a signal the JVM reserves (SIGSEGV, SIGQUIT, ...) fails here, not later on the loop thread.
     *
     * @throws IllegalArgumentException for an unknown or reserved signal, naming usable ones
     */
    public static synchronized Resolved resolve(String name) {
        String n = name.toUpperCase(Locale.ROOT);
        if (n.startsWith("SIG")) {
            n = n.substring(3);
        }
        Signal sig;
        try {
            sig = new Signal(n);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown signal '" + name + "': use a name such as USR1, USR2, HUP,"
                    + " TERM, INT, WINCH", e);
        }
        if (!ENTRIES.containsKey(n)) {
            probe(sig, n);
        }
        return new Resolved(n, sig.getNumber());
    }

    /**
     * Learns whether the JVM lets {@code sig} be handled: only installing a handler tells (what it reserves
     * depends on its flags, -Xrs for one). The {@link Probe} is installed and the previous handler put back at
     * once; see the class comment for a signal that arrives in between.
     */
    private static void probe(Signal sig, String n) {
        Probe probe = new Probe();
        SignalHandler previous;
        try {
            previous = Signal.handle(sig, probe);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("signal SIG" + n + " is reserved by the JVM or the OS and cannot"
                    + " be handled (" + e.getMessage() + "); use SIGUSR1, SIGHUP or another signal the JVM"
                    + " leaves free", e);
        }
        try {
            Signal.handle(sig, previous);
        } finally {
            probe.restored.countDown();
        }
    }

    /**
     * Installed by {@link #probe} for an instant. A signal it catches is raised again once the previous handler
     * is back: handed straight to that handler it could not be when that is the JVM's native default (which only
     * the OS can run), and raising it again lets whatever is installed by then, the application's handler or the
     * default action, have it. The JVM runs each Java signal handler on a thread of its own, so waiting here
     * blocks nobody.
     */
    private static final class Probe implements SignalHandler {
        final CountDownLatch restored = new CountDownLatch(1);

        @Override
        public void handle(Signal s) {
            try {
                restored.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.debug("SIG{} arrived while its handler was being checked; raised again", s.getName());
            Signal.raise(s);
        }
    }

    /** Resolves a signal number through this platform's names. */
    public static Resolved resolve(int number) {
        for (String n : KNOWN) {
            try {
                if (new Signal(n).getNumber() == number) {
                    return resolve(n);
                }
            } catch (IllegalArgumentException ignored) {
                // not on this platform
            }
        }
        throw new IllegalArgumentException("no signal with number " + number + " on this platform; use a name"
                + " such as USR1 or HUP");
    }

    /** Starts relaying {@code name} to {@code target}. */
    public static synchronized void subscribe(String name, Target target) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            Signal sig = new Signal(name);
            SignalHandler relay = s -> {
                Entry cur;
                synchronized (SignalRelay.class) {
                    cur = ENTRIES.get(s.getName());
                }
                if (cur != null) {
                    for (Target t : cur.targets) {
                        try {
                            t.signalled(s.getNumber());
                        } catch (RuntimeException failed) {
                            log.warn("relaying SIG{} to {} failed; the other listeners still get it", s.getName(),
                                    t, failed);
                        }
                    }
                }
            };
            SignalHandler previous = Signal.handle(sig, relay);
            e = new Entry(sig, previous);
            ENTRIES.put(name, e);
            log.debug("relaying SIG{} to the event loop", name);
        }
        e.targets.add(target);
    }

    /** Stops relaying {@code name} to {@code target}; the JVM's previous handler returns with the last one. */
    public static synchronized void unsubscribe(String name, Target target) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            return;
        }
        e.targets.remove(target);
        if (e.targets.isEmpty()) {
            ENTRIES.remove(name);
            Signal.handle(e.signal, e.previous);
            log.debug("SIG{} handler restored", name);
        }
    }
}
