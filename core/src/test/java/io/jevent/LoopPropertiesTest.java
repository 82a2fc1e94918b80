package io.jevent;

import io.jevent.spi.Backend;
import io.jevent.spi.Feature;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;
import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.Transformer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Stateful property test of the loop's timers and active queues: random chains of add (no timeout, a plain
 * timeout, a common timeout; pending events are re-added with other timeouts), remove, activate, priority changes,
 * "on firing, activate that event", clock advances and {@code loop(NONBLOCK)} / {@code loop(ONCE)} steps run on a
 * real {@link EventBase} and on a small model; after every step both agree on what fired, in which order and with
 * which bits, on what is pending or active, on the pending count and on each common timeout's size.
 *
 * <p><b>Why on one stub backend, not on each through the conformance suite.</b> These steps involve no handle,
 * so the backend's only part is {@code poll}, and the timers and active queues under test are the same core code
 * on every backend. What makes the test exact is a clock it controls ({@link EventBase#useClock}, package-private),
 * which only a test in this package can reach. The stub's {@code poll} refuses to wait: with a fake clock a wait
 * would never end, and the model only runs {@code ONCE} when something is due, so a wait means model and base
 * disagree. Backend-specific waiting is covered by the conformance suite's timer tests.
 *
 * <p>The model is written from the documented behaviour, not from the base's structures: an event is pending,
 * timed (deadline, insertion sequence, the common timeout it waits on) and active (bits, queue position); due timers
 * are expired in deadline order, except that a common timeout's due events expire together, in their FIFO order,
 * when its head comes up (one heap entry per FIFO); the most urgent non-empty priority runs, and activating a more
 * urgent event from a callback ends that pass.
 */
class LoopPropertiesTest {
    private static final int EVENTS = 6;
    private static final int PRIORITIES = 3;
    private static final long MS = 1_000_000L;

    private final List<Harness> open = new ArrayList<>();

    @Property(tries = 1000, afterFailure = AfterFailureMode.RANDOM_SEED)
    void shouldAgreeWithTheModelOfTimersAndActiveQueues(@ForAll("chains") ActionChain<Harness> chain) {
        chain.withInvariant("the base agrees with the model", Harness::check).run();
    }

    @AfterTry
    void closeBases() {
        for (Harness h : open) {
            h.base.close();
        }
        open.clear();
    }

    @Provide
    Arbitrary<ActionChain<Harness>> chains() {
        Arbitrary<Integer> ids = Arbitraries.integers().between(0, EVENTS - 1);
        Arbitrary<Long> plainMs = Arbitraries.of(1L, 5L, 10L, 20L, 30L, 50L, 100L, 150L); // ties with common ones
        Arbitrary<Long> commonMs = Arbitraries.of(10L, 30L, 100L);
        Arbitrary<Long> advanceMs = Arbitraries.of(0L, 1L, 5L, 10L, 20L, 30L, 100L, 250L);
        Arbitrary<Integer> whats = Arbitraries.of(Ev.READ, Ev.WRITE, Ev.TIMEOUT);
        Arbitrary<Integer> prios = Arbitraries.integers().between(0, PRIORITIES - 1);
        Arbitrary<Integer> targets = Arbitraries.integers().between(-1, EVENTS - 1);
        Action.Independent<Harness> addNoTimeout = () -> ids.map(i ->
                Transformer.mutate("add #" + i, h -> h.add(i, -1, false)));
        Action.Independent<Harness> addPlain = () -> Combinators.combine(ids, plainMs).as((i, ms) ->
                Transformer.mutate("add #" + i + " " + ms + " ms", h -> h.add(i, ms, false)));
        Action.Independent<Harness> addCommon = () -> Combinators.combine(ids, commonMs).as((i, ms) ->
                Transformer.mutate("add #" + i + " common " + ms + " ms", h -> h.add(i, ms, true)));
        Action.Independent<Harness> remove = () -> ids.map(i ->
                Transformer.mutate("remove #" + i, h -> h.remove(i)));
        Action.Independent<Harness> activate = () -> Combinators.combine(ids, whats).as((i, w) ->
                Transformer.mutate("activate #" + i + " " + Ev.toString(w), h -> h.activate(i, w)));
        Action.Independent<Harness> priority = () -> Combinators.combine(ids, prios).as((i, p) ->
                Transformer.mutate("priority #" + i + " " + p + " (unless active)", h -> h.priority(i, p)));
        Action.Independent<Harness> chainTo = () -> Combinators.combine(ids, targets).as((i, t) ->
                Transformer.mutate("#" + i + " activates #" + t + " when it fires (if later)", h -> h.chain(i, t)));
        Action.Independent<Harness> advance = () -> advanceMs.map(ms ->
                Transformer.mutate("advance " + ms + " ms", h -> h.advance(ms)));
        Action.Independent<Harness> nonblock = () -> Arbitraries.just(
                Transformer.mutate("loop(NONBLOCK)", h -> h.loop(LoopFlag.NONBLOCK)));
        Action.Independent<Harness> once = () -> Arbitraries.just(
                Transformer.mutate("loop(ONCE) (if anything is due)", h -> h.loop(LoopFlag.ONCE)));
        return ActionChain.startWith(this::newHarness)
                .withAction(2, addNoTimeout)
                .withAction(5, addPlain)
                .withAction(5, addCommon)
                .withAction(2, remove)
                .withAction(3, activate)
                .withAction(2, priority)
                .withAction(2, chainTo)
                .withAction(4, advance)
                .withAction(3, nonblock)
                .withAction(3, once)
                .withMaxTransformations(50);
    }

    private Harness newHarness() {
        Harness h = new Harness();
        open.add(h);
        return h;
    }

    /** The base under test and its model, side by side. Even events are one-shot, odd ones persistent. */
    static final class Harness {
        long now = 1_000_000_000L;
        final EventBase base = EventBase.open(new NoWaitBackend(), new EventConfig().priorities(PRIORITIES));
        final Event[] events = new Event[EVENTS];
        final int[] target = new int[EVENTS];
        final List<String> fired = new ArrayList<>();
        final Map<Long, CommonTimeout> commons = new LinkedHashMap<>();
        final Model model = new Model();

        Harness() {
            base.useClock(() -> now);
            for (int i = 0; i < EVENTS; i++) {
                int id = i;
                target[i] = -1;
                events[i] = base.newEvent(null, i % 2 == 1 ? Ev.PERSIST : 0, (ev, what) -> {
                    fired.add(id + ":" + Ev.toString(what));
                    if (target[id] >= 0) {
                        events[target[id]].activate(Ev.WRITE);
                    }
                });
                model.events.add(new M(id, i % 2 == 1, base.priorities() / 2));
            }
        }

        void add(int i, long ms, boolean common) {
            if (ms < 0) {
                events[i].add();
                model.add(model.events.get(i), -1, null);
            } else if (common) {
                CommonTimeout ct = commons.computeIfAbsent(ms, d -> base.commonTimeout(Duration.ofMillis(d)));
                events[i].add(ct);
                model.add(model.events.get(i), ms * MS, ms);
            } else {
                events[i].add(Duration.ofMillis(ms));
                model.add(model.events.get(i), ms * MS, null);
            }
        }

        void remove(int i) {
            events[i].remove();
            model.remove(model.events.get(i));
        }

        void activate(int i, int what) {
            events[i].activate(what);
            model.activate(model.events.get(i), what);
        }

        void priority(int i, int p) {
            if (!model.events.get(i).active) {
                events[i].priority(p);
                model.events.get(i).priority = p;
            }
        }

        void chain(int i, int t) {
            int to = t > i ? t : -1; // only towards later events, so a loop pass always ends
            target[i] = to;
            model.events.get(i).target = to;
        }

        void advance(long ms) {
            now += ms * MS;
            model.now = now;
        }

        void loop(int flags) {
            if ((flags & LoopFlag.ONCE) != 0 && !model.hasWork()) {
                return; // ONCE with nothing due would wait for the next timer, which a fake clock never reaches
            }
            int expected = model.loop(flags);
            assertEquals(expected, base.loop(flags), "loop's return value");
        }

        void check() {
            assertEquals(model.fired, fired, "callbacks run, in order, with their bits");
            int inserted = 0;
            for (int i = 0; i < EVENTS; i++) {
                M m = model.events.get(i);
                Event e = events[i];
                int expected = (m.timed ? Ev.TIMEOUT : 0) | (m.active ? m.result : 0);
                assertEquals(Ev.toString(expected), Ev.toString(e.pending(Ev.TIMEOUT | Ev.READ | Ev.WRITE)),
                        "pending/active bits of #" + i);
                assertEquals(m.inserted || m.timed, e.isPending(), "isPending of #" + i);
                assertEquals(m.priority, e.priority(), "priority of #" + i);
                inserted += m.inserted ? 1 : 0;
            }
            assertEquals(inserted, base.pendingCount(), "pending count");
            for (Map.Entry<Long, CommonTimeout> c : commons.entrySet()) {
                long waiting = model.events.stream().filter(m -> m.timed && c.getKey().equals(m.common)).count();
                assertEquals(waiting, c.getValue().size(), "events waiting on the " + c.getKey() + " ms common timeout");
            }
        }

        @Override
        public String toString() {
            return "Harness" + model.events;
        }
    }

    /** One event in the model. */
    static final class M {
        final int id;
        final boolean persist;
        int priority;
        boolean inserted;
        boolean timed;
        boolean active;
        int result;
        long deadline;
        long seq;
        long timeoutNanos = -1;
        /** The common timeout (its duration in ms) of the last timed add; null: a plain timeout. */
        Long common;
        int target = -1;

        M(int id, boolean persist, int priority) {
            this.id = id;
            this.persist = persist;
            this.priority = priority;
        }

        @Override
        public String toString() {
            return "#" + id + (inserted ? " pending" : "") + (timed ? " timed" : "") + (active ? " active" : "");
        }
    }

    /** What the loop should do, in plain lists. */
    static final class Model {
        long now = 1_000_000_000L;
        final List<M> events = new ArrayList<>();
        final List<String> fired = new ArrayList<>();
        @SuppressWarnings("unchecked")
        final List<M>[] queues = new List[PRIORITIES];
        long seq;
        int running = -1;
        boolean endPass;

        Model() {
            for (int p = 0; p < PRIORITIES; p++) {
                queues[p] = new ArrayList<>();
            }
        }

        void add(M e, long nanos, Long common) {
            if (!e.inserted && nanos < 0) {
                e.timeoutNanos = -1; // a non-pending event added without a timeout has none
            }
            e.inserted = true;
            if (nanos >= 0) {
                if (e.active && e.result == Ev.TIMEOUT) {
                    unlinkActive(e); // a new timeout replaces a timeout that has fired but not run yet
                }
                e.timeoutNanos = nanos;
                schedule(e, now, nanos, common);
            }
        }

        void schedule(M e, long from, long nanos, Long common) {
            e.common = common;
            e.deadline = from + nanos;
            e.seq = seq++;
            e.timed = true;
        }

        void remove(M e) {
            if (e.active) {
                unlinkActive(e);
            }
            e.timed = false;
            e.inserted = false;
        }

        void activate(M e, int what) {
            if (e.active) {
                e.result |= what;
                return;
            }
            e.active = true;
            e.result = what;
            queues[e.priority].add(e);
            if (e.priority < running) {
                endPass = true;
            }
        }

        void unlinkActive(M e) {
            queues[e.priority].remove(e);
            e.active = false;
        }

        boolean anyActive() {
            for (List<M> q : queues) {
                if (!q.isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        boolean hasWork() {
            return anyActive() || events.stream().anyMatch(e -> e.timed && e.deadline - now <= 0);
        }

        int loop(int flags) {
            while (true) {
                endPass = false;
                if (events.stream().noneMatch(e -> e.inserted) && !anyActive()) {
                    return 1;
                }
                expireDue();
                if (anyActive()) {
                    int n = runMostUrgent();
                    if ((flags & LoopFlag.ONCE) != 0 && !anyActive() && n != 0) {
                        return 0;
                    }
                } else if ((flags & LoopFlag.NONBLOCK) != 0) {
                    return 0;
                } else {
                    throw new AssertionError("model: the loop would wait for a timer the fake clock never reaches");
                }
            }
        }

        /** Plain timers one by one, each common timeout's due events together when its head's turn comes. */
        void expireDue() {
            Comparator<M> order = Comparator.<M>comparingLong(e -> e.deadline - now).thenComparingLong(e -> e.seq);
            List<List<M>> groups = new ArrayList<>();
            Map<Long, List<M>> byCommon = new LinkedHashMap<>();
            for (M e : events) {
                if (!e.timed || e.deadline - now > 0) {
                    continue;
                }
                if (e.common == null) {
                    groups.add(new ArrayList<>(List.of(e)));
                } else {
                    byCommon.computeIfAbsent(e.common, c -> new ArrayList<>()).add(e);
                }
            }
            for (List<M> due : byCommon.values()) {
                due.sort(order);
                groups.add(due);
            }
            // a common timeout's turn is its head's: the earliest of all it holds, due or not (that is its first)
            groups.sort(Comparator.comparing(g -> head(g.get(0)), order));
            for (List<M> g : groups) {
                for (M e : g) {
                    e.timed = false;
                    if (!e.persist) {
                        e.inserted = false;
                    }
                    activate(e, Ev.TIMEOUT);
                }
            }
        }

        private M head(M e) {
            if (e.common == null) {
                return e;
            }
            M head = e;
            for (M o : events) {
                if (o.timed && e.common.equals(o.common) && o.seq < head.seq) {
                    head = o;
                }
            }
            return head;
        }

        int runMostUrgent() {
            for (int p = 0; p < PRIORITIES; p++) {
                if (!queues[p].isEmpty()) {
                    running = p;
                    try {
                        return runQueue(queues[p]);
                    } finally {
                        running = -1;
                    }
                }
            }
            return 0;
        }

        private int runQueue(List<M> q) {
            int count = 0;
            while (!q.isEmpty()) {
                M e = q.remove(0);
                e.active = false;
                int what = e.result;
                if (e.persist) {
                    restartTimeout(e, what);
                } else {
                    e.timed = false;
                    e.inserted = false;
                }
                count++;
                fired.add(e.id + ":" + Ev.toString(what));
                if (e.target >= 0) {
                    activate(events.get(e.target), Ev.WRITE);
                }
                if (endPass) {
                    break;
                }
            }
            return count;
        }

        /** A persistent event's timeout restarts when it runs; a plain one that timed out keeps its period. */
        private void restartTimeout(M e, int what) {
            if (e.timeoutNanos < 0 || !e.inserted) {
                return;
            }
            if (e.common == null && (what & Ev.TIMEOUT) != 0) {
                long next = e.deadline + e.timeoutNanos;
                schedule(e, next - now > 0 ? e.deadline : now, e.timeoutNanos, null);
            } else {
                schedule(e, now, e.timeoutNanos, e.common);
            }
        }
    }

    /** A backend without handles whose poll never waits; see the class comment. */
    static final class NoWaitBackend implements Backend {
        @Override
        public String name() {
            return "no-wait";
        }

        @Override
        public int preference() {
            return Integer.MAX_VALUE;
        }

        @Override
        public Set<Feature> features() {
            return EnumSet.noneOf(Feature.class);
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public Throwable unavailabilityCause() {
            return null;
        }

        @Override
        public Readiness open(EventConfig config) {
            return new Readiness() {
                @Override
                public void update(Handle handle, int token, int oldInterest, int newInterest) {
                    throw new UnsupportedOperationException("the no-wait backend has no handles");
                }

                @Override
                public int poll(long timeoutNanos, ReadySink sink) {
                    if (timeoutNanos != 0) {
                        throw new AssertionError("the loop would wait " + timeoutNanos + " ns, but the model"
                                + " expected something to be due or active");
                    }
                    return 0;
                }

                @Override
                public void wakeup() {
                }

                @Override
                public void close() {
                }
            };
        }

        @Override
        public NetOps netOps() {
            return null;
        }
    }
}
