package io.jevent.conformance;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;
import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
