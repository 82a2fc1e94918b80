package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Signals: delivered by the OS, relayed to the loop thread. */
public abstract class SignalConformance extends ConformanceBase {

    private void shouldDeliver(String name) {
        EventBase base = newBase();
        AtomicReference<Thread> cbThread = new AtomicReference<>();
        int[] n = {0};
        Event sig = base.newSignal(name, (ev, what) -> {
            assertEquals(Ev.SIGNAL, what);
            cbThread.set(Thread.currentThread());
            n[0]++;
            ev.remove();
        });
        sig.add();
        assertEquals(Ev.SIGNAL, sig.pending(Ev.SIGNAL));
        // raise once the loop runs: the kernel delivers it to the JVM, which hands it to our relay
        base.execute(() -> Signal.raise(new Signal(name)));
        dispatchWithin(base);
        assertEquals(1, n[0]);
        assertSame(Thread.currentThread(), cbThread.get(), "signal callbacks run on the loop thread");
    }

    @Test
    void shouldDeliverSigusr1ToCallbackOnLoopThread() {
        shouldDeliver("USR1");
    }

    @Test
    void shouldDeliverSighupToCallbackOnLoopThread() {
        shouldDeliver("HUP");
    }

    @Test
    void shouldDeliverSigusr2OrExplainWhyNot() {
        // HotSpot on Linux keeps SIGUSR2 for thread suspension on some versions; either it is delivered, or
        // newSignal refuses it with a message that says so and names usable signals.
        EventBase base = newBase();
        try {
            base.newSignal("SIGUSR2", (ev, w) -> { }).close();
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().contains("reserved") && e.getMessage().contains("SIGUSR1"), e.getMessage());
            return;
        }
        shouldDeliver("USR2");
    }

    @Test
    void shouldRejectReservedAndUnknownSignals() {
        EventBase base = newBase();
        IllegalArgumentException reserved = assertThrows(IllegalArgumentException.class,
                () -> base.newSignal("SEGV", (ev, w) -> { }));
        assertTrue(reserved.getMessage().contains("reserved"), reserved.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> base.newSignal("NOSUCH", (ev, w) -> { }));
        assertTrue(unknown.getMessage().contains("unknown signal"), unknown.getMessage());
    }

    @Test
    void shouldDeliverToEveryBaseListening() throws Exception {
        EventBase a = newBase();
        EventBase b = newBase();
        int[] got = {0, 0};
        Event ea = a.newSignal("USR1", (ev, w) -> {
            got[0]++;
            ev.remove();
        });
        Event eb = b.newSignal("USR1", (ev, w) -> {
            got[1]++;
            ev.remove();
        });
        ea.add();
        Thread tb = new Thread(() -> loopWithin(b, 0, Duration.ofSeconds(20)), "loop-b");
        // on b's loop thread: listen, then ask a's loop to raise, so the signal comes only once both listen
        b.execute(() -> {
            eb.add();
            a.execute(() -> Signal.raise(new Signal("USR1")));
        });
        a.execute(tb::start);
        loopWithin(a, 0, Duration.ofSeconds(20));
        tb.join(20_000);
        assertEquals(1, got[0]);
        assertEquals(1, got[1]);
    }

    @Test
    void shouldPassEverySignalToTheApplicationsOwnHandlerWhileEventsForItAreMade() throws Exception {
        // The application handles SIGHUP itself, and another thread keeps making (and dropping) SIGHUP events,
        // which checks that the JVM lets the signal be handled. Not one of the application's SIGHUPs may be lost.
        Signal hup = new Signal("HUP");
        AtomicInteger got = new AtomicInteger();
        SignalHandler previous = Signal.handle(hup, s -> got.incrementAndGet());
        EventBase base = newBase();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread maker = new Thread(() -> {
            try {
                while (!stop.get()) {
                    base.newSignal("HUP", (ev, w) -> { }).close();
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "signal-event-maker");
        maker.setDaemon(true);
        maker.start();
        int raised = 0;
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < end && failure.get() == null) {
                Signal.raise(hup);
                raised++;
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (got.get() < raised && System.nanoTime() < giveUp) {
                    Thread.onSpinWait();
                }
                assertEquals(raised, got.get(), "SIGHUPs the application's own handler received");
            }
        } finally {
            stop.set(true);
            maker.join(10_000);
            Signal.handle(hup, previous);
        }
        assertNull(failure.get(), () -> "making SIGHUP events threw " + failure.get());
    }

    @Test
    void shouldKeepDeliveringToOtherBasesWhileOneListeningBaseCloses() {
        // Rounds: base c listens for SIGUSR1 first, then a and b; c is closed just as a SIGUSR1 arrives. The
        // delivery to a and b must not depend on what c is doing.
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        Signal usr1 = new Signal("USR1");
        int rounds = 0;
        while (System.nanoTime() < end) {
            rounds++;
            EventBase c = newBase();
            c.newSignal("USR1", (ev, w) -> { }).add();
            EventBase a = newBase();
            EventBase b = newBase();
            int[] got = {0, 0};
            listenOnce(a, got, 0);
            listenOnce(b, got, 1);
            Signal.raise(usr1);
            // the JVM hands the signal to a new thread some tens of microseconds later: close c about then
            long closeAt = System.nanoTime() + ThreadLocalRandom.current().nextLong(200_000);
            while (System.nanoTime() < closeAt) {
                Thread.onSpinWait();
            }
            c.close();
            loopWithin(a, 0, Duration.ofSeconds(20));
            loopWithin(b, 0, Duration.ofSeconds(20));
            assertEquals(1, got[0], "round " + rounds + ": SIGUSR1 received by base a");
            assertEquals(1, got[1], "round " + rounds + ": SIGUSR1 received by base b");
            a.close();
            b.close();
        }
    }

    /** Counts one SIGUSR1 into {@code got[i]}; if none comes within 5 s, the loop ends without it. */
    private static void listenOnce(EventBase base, int[] got, int i) {
        Event giveUp = base.newTimer((ev, w) -> { });
        giveUp.add(Duration.ofSeconds(5));
        base.newSignal("USR1", (ev, w) -> {
            got[i]++;
            ev.remove();
            giveUp.remove();
        }).add();
    }
}
