package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.EventConfig;
import io.jevent.LoopFlag;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model of {@link BufferEvent#outputDrained()}'s accounting, against a real pair end: random writes, drains asked,
 * partial deliveries to the partner (its read high watermark caps each) and bytes the user removes. The model: a drain
 * asked when {@code r} bytes had left the output and {@code p} were pending completes exactly once {@code r + p} have
 * left, and a close fails the rest.
 */
class OutputDrainedModelTest {

    /** One step: 0 write, 1 ask, 2 deliver up to {@code n} to the partner, 3 the user removes up to {@code n}. */
    record Op(int kind, int n) {
        @Override
        public String toString() {
            return List.of("write", "ask", "deliver", "remove").get(kind) + " " + n;
        }
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        Arbitrary<Op> op = Combinators.combine(Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(1, 40_000)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 150)
    void shouldCompleteEachDrainExactlyWhenItsBytesHaveLeft(@ForAll("programs") List<Op> program) {
        try (EventBase base = EventBase.create(new EventConfig().method("nio"))) {
            BufferEvent[] pair = BufferEvent.pair(base, 0);
            BufferEvent w = pair[0];
            BufferEvent r = pair[1];
            long left = 0; // the model: bytes that have left w's output
            List<CompletableFuture<Void>> futures = new ArrayList<>();
            List<Long> marks = new ArrayList<>();
            for (Op op : program) {
                switch (op.kind()) {
                    case 0 -> w.write(new byte[op.n()]);
                    case 1 -> {
                        futures.add(w.outputDrained());
                        marks.add(left + w.output().length());
                    }
                    case 2 -> {
                        r.setWatermark(Ev.READ, 0, op.n());
                        r.enable(Ev.READ);
                        passes(base);
                        r.disable(Ev.READ);
                        long got = r.input().length();
                        r.input().drain(got);
                        left += got;
                    }
                    default -> {
                        long n = Math.min(op.n(), w.output().length());
                        w.output().drain(n);
                        left += n;
                    }
                }
                passes(base);
                for (int i = 0; i < futures.size(); i++) {
                    boolean due = left >= marks.get(i);
                    assertEquals(due, futures.get(i).isDone(), "drain " + i + " (mark " + marks.get(i) + ", left "
                            + left + ") after " + op + " in " + program);
                    assertFalse(futures.get(i).isCompletedExceptionally());
                }
            }
            w.close();
            for (int i = 0; i < futures.size(); i++) {
                if (left < marks.get(i)) {
                    CompletableFuture<Void> f = futures.get(i);
                    assertTrue(f.isDone(), "a close must fail the pending drains");
                    assertInstanceOf(IOException.class, assertThrows(CompletionException.class, f::join).getCause());
                }
            }
            r.close();
        }
    }

    private static void passes(EventBase base) {
        for (int i = 0; i < 3; i++) {
            base.loop(LoopFlag.NONBLOCK);
        }
    }
}
