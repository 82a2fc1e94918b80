package io.jevent.examples;

import io.jevent.BackendInfo;
import io.jevent.CommonTimeout;
import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A tour of the low-level API on this machine's default backend: timers in order, a persistent tick, a ping-pong
 * over a socket pair, 1,000 events on one common timeout, a signal, and a task handed in from another thread.
 * Every step checks its outcome; the exit status is 0 only if all of them held.
 */
final class Demo {
    static final Usage USAGE = new Usage("demo", "[--backend NAME]", "a tour of the low-level API: timers, a socket"
            + " pair, a common timeout, a signal and a cross-thread task, each checked")
            .describe("Runs each step on one loop and checks its outcome: one-shot timers fire in deadline order,"
                    + " a persistent timer removes itself after three runs, a ping-pong crosses a socket pair, 1,000"
                    + " events on one common timeout fire, SIGUSR1 reaches its callback on the loop thread, and a task"
                    + " handed in from another thread runs there. Exit status 0 when every check held, 1 otherwise.")
            .backendOption();

    private final List<String> failures = new ArrayList<>();
    private final PrintStream out;

    private Demo(PrintStream out) {
        this.out = out;
    }

    /** The {@code demo} command. */
    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        return Args.run(USAGE, argv, out, err, a -> {
            String backend = null;
            try {
                for (String o = a.next(); o != null; o = a.next()) {
                    if (o.equals("--backend")) {
                        backend = a.backend(o);
                    } else {
                        throw new IllegalArgumentException("unknown option " + o);
                    }
                }
            } catch (IllegalArgumentException e) {
                throw a.usageError(e.getMessage());
            }
            EventConfig cfg = a.config(backend); // checked before the tour starts printing
            return new Demo(out).tour(cfg);
        });
    }

    private void check(boolean ok, String what) {
        out.println((ok ? "  ok   " : "  FAIL ") + what);
        if (!ok) {
            failures.add(what);
        }
    }

    private int tour(EventConfig cfg) throws IOException {
        out.println("backends on this machine:");
        for (BackendInfo m : EventBase.methods()) {
            out.println("  " + m);
        }
        try (EventBase base = EventBase.create(cfg)) {
            out.println("using backend: " + base.method() + " " + base.features());
            long start = System.nanoTime();

            // 1. one-shot timers fire in deadline order, whatever the order they were added in
            List<Integer> order = new ArrayList<>();
            for (int ms : new int[] {30, 10, 20}) {
                base.newTimer((ev, what) -> order.add(ms)).add(Duration.ofMillis(ms));
            }

            // 2. a persistent tick, removed from its own callback after three runs
            int[] ticks = {0};
            base.newEvent(null, Ev.PERSIST, (ev, what) -> {
                if (++ticks[0] == 3) {
                    ev.remove();
                }
            }).add(Duration.ofMillis(5));

            // 3. ping-pong over a socket pair of the backend's own kind
            NetOps ops = base.netOps();
            Handle[] pair = ops.socketPair();
            List<String> heard = new ArrayList<>();
            base.newEvent(pair[1], Ev.READ, (ev, what) -> {
                heard.add(read(ops, pair[1]));
                write(ops, pair[1], "pong");
            }).add();
            base.newEvent(pair[0], Ev.READ, (ev, what) -> heard.add(read(ops, pair[0]))).add();
            base.newEvent(pair[0], Ev.WRITE, (ev, what) -> write(ops, pair[0], "ping")).add();

            // 4. a thousand idle timeouts sharing one heap entry
            CommonTimeout idle = base.commonTimeout(Duration.ofMillis(20));
            int[] idled = {0};
            for (int i = 0; i < 1000; i++) {
                base.newTimer((ev, what) -> idled[0]++).add(idle);
            }

            // 5. a signal, delivered by the kernel and run on the loop thread
            Thread loopThread = Thread.currentThread();
            boolean[] signalled = {false};
            Event usr1 = base.newSignal("USR1", (ev, what) -> {
                signalled[0] = Thread.currentThread() == loopThread;
                ev.remove();
            });
            usr1.add();
            base.newTimer((ev, what) -> Signal.raise(new Signal("USR1"))).add(Duration.ofMillis(15));

            // 6. a task handed in from another thread runs on the loop thread
            boolean[] taskOnLoop = {false};
            Thread helper = new Thread(() -> base.execute(() -> taskOnLoop[0] = base.inLoopThread()), "helper");
            base.execute(helper::start);

            int r = base.dispatch(); // returns 1 once nothing is pending
            long ms = (System.nanoTime() - start) / 1_000_000;
            ops.close(pair[0]);
            ops.close(pair[1]);

            check(r == 1, "dispatch returned when no event was left pending");
            check(order.equals(List.of(10, 20, 30)), "timers fired in deadline order " + order);
            check(ticks[0] == 3, "persistent timer ran 3 times and removed itself");
            check(heard.equals(List.of("ping", "pong")), "socket pair carried " + heard);
            check(idled[0] == 1000, "1000 events on one common timeout fired (" + idled[0] + ")");
            check(signalled[0], "SIGUSR1 reached its callback on the loop thread");
            check(taskOnLoop[0], "a task from another thread ran on the loop thread");
            out.println("done in " + ms + " ms on " + base.method() + ": "
                    + (failures.isEmpty() ? "all checks passed" : failures.size() + " FAILED"));
        }
        return failures.isEmpty() ? 0 : 1;
    }

    private static String read(NetOps ops, Handle h) {
        ByteBuffer buf = ByteBuffer.allocate(64);
        try {
            long n = ops.read(h, new ByteBuffer[] {buf}, 0, 1);
            return n <= 0 ? "" : new String(buf.array(), 0, (int) n, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(NetOps ops, Handle h, String s) {
        try {
            ops.write(h, new ByteBuffer[] {ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII))}, 0, 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
