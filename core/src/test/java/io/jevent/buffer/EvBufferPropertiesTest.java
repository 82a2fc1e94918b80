package io.jevent.buffer;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.Combinators;
import io.jevent.conformance.EvBufferProgram;
import io.jevent.conformance.EvBufferProgram.Kind;
import io.jevent.conformance.EvBufferProgram.Step;

import java.nio.ByteBuffer;
import java.util.List;

import static io.jevent.buffer.BufferInvariants.check;
import static io.jevent.buffer.Bufs.bytes;
import static io.jevent.buffer.Bufs.content;
import static io.jevent.buffer.Bufs.str;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Random sequences of operations on an EvBuffer and on a plain model (a StringBuilder of ISO-8859-1 chars, one per
 * byte) must always agree: content, length, lines, searches. The invariant checker runs after every step. The
 * second property checks the bytes the way a peer sees them: sent with writeTo over a socket pair and read back,
 * with views from peek, pullUp and reserve held across the program ({@link EvBufferProgram}).
 */
class EvBufferPropertiesTest {
    final LoopbackNetOps ops = new LoopbackNetOps();

    @Property(tries = 300)
    void shouldSendTheModelsBytesThroughWriteToAndKeepHeldViewsIntact(@ForAll("ioPrograms") List<Step> program)
            throws java.io.IOException {
        EvBufferProgram.run(program, ops, BufferInvariants::check);
    }

    @Provide
    Arbitrary<List<Step>> ioPrograms() {
        Arbitrary<String> text = Arbitraries.strings().withChars("ab\r\n\0xyz").ofMaxLength(12);
        Arbitrary<Integer> n = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.integers().between(0, 40)),
                Tuple.of(1, Arbitraries.integers().between(1, 40_000)));
        Arbitrary<Step> step = Combinators.combine(Arbitraries.of(Kind.class), text, n,
                Arbitraries.integers().between(0, 40)).as(Step::new);
        return step.list().ofMaxSize(40);
    }

    /** One step, applied to the buffer and the model alike; toString makes shrunk failures readable. */
    interface Op {
        void apply(EvBuffer b, StringBuilder m);
    }

    @Property(tries = 400)
    void shouldAgreeWithAByteArrayModel(@ForAll("programs") List<Op> program) {
        EvBuffer b = new EvBuffer();
        StringBuilder m = new StringBuilder();
        for (Op op : program) {
            op.apply(b, m);
            check(b);
            assertEquals(m.length(), b.length(), () -> "length after " + op);
        }
        assertEquals(m.toString(), content(b));
        b.drain(b.length());
        check(b);
        assertEquals(null, b.head, "an emptied buffer holds no segment");
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        Arbitrary<String> text = Arbitraries.strings().withChars("ab\r\n\0").ofMaxLength(12);
        Arbitrary<Integer> small = Arbitraries.integers().between(0, 40);
        Arbitrary<Eol> eols = Arbitraries.of(Eol.class);
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(4, text.map(s -> op("add " + q(s), (b, m) -> {
                    b.add(bytes(s));
                    m.append(s);
                }))),
                Tuple.of(3, text.map(s -> op("addReference " + q(s), (b, m) -> {
                    b.addReference(ByteBuffer.wrap(bytes(s)), null);
                    m.append(s);
                }))),
                Tuple.of(3, text.map(s -> op("addBuffer " + q(s), (b, m) -> {
                    EvBuffer src = new EvBuffer();
                    src.add(bytes(s));
                    b.addBuffer(src);
                    check(src);
                    m.append(s);
                }))),
                Tuple.of(1, Arbitraries.integers().between(1, 40_000).map(n -> op("add big " + n, (b, m) -> {
                    String s = "ab\r\n".repeat(n / 4 + 1).substring(0, n);
                    b.add(bytes(s));
                    m.append(s);
                }))),
                Tuple.of(2, text.map(s -> op("prepend " + q(s), (b, m) -> {
                    b.prepend(bytes(s));
                    m.insert(0, s);
                }))),
                Tuple.of(2, small.map(n -> op("drain " + n, (b, m) -> {
                    long k = Math.min(n, m.length());
                    assertEquals(k, b.drain(n));
                    m.delete(0, (int) k);
                }))),
                Tuple.of(2, small.map(n -> op("remove " + n, (b, m) -> {
                    byte[] out = new byte[n];
                    int k = b.remove(out, 0, n);
                    assertEquals(Math.min(n, m.length()), k);
                    assertEquals(m.substring(0, k), str(out).substring(0, k));
                    m.delete(0, k);
                }))),
                Tuple.of(2, small.map(n -> op("removeBuffer+addBuffer " + n, (b, m) -> {
                    EvBuffer dst = new EvBuffer();
                    long k = b.removeBuffer(dst, n);
                    check(b);
                    check(dst);
                    assertEquals(m.substring(0, (int) k), content(dst));
                    b.addBuffer(dst);
                    m.append(m.substring(0, (int) k));
                    m.delete(0, (int) k);
                }))),
                Tuple.of(3, eols.map(eol -> op("readLine " + eol, (b, m) -> {
                    ReadLine l = b.readLine(eol);
                    long[] e = modelEol(m, 0, eol);
                    if (e == null) {
                        assertEquals(null, l, "no line in the model");
                    } else {
                        assertEquals(m.substring(0, (int) e[0]), l == null ? null : l.toString());
                        assertEquals(e[1], l.eolLength());
                        m.delete(0, (int) (e[0] + e[1]));
                    }
                }))),
                Tuple.of(2, Arbitraries.integers().between(0, 40).flatMap(from -> eols.map(eol ->
                        op("searchEol " + eol + " from " + from, (b, m) -> {
                            int f = Math.min(from, m.length());
                            EolMatch got = b.searchEol(b.pointer(f), eol);
                            long[] e = modelEol(m, f, eol);
                            assertEquals(e == null ? -1 : e[0], got.start().position());
                            assertEquals(e == null ? 0 : e[1], got.eolLength());
                        })))),
                Tuple.of(3, Arbitraries.strings().withChars("ab\r\n").ofMinLength(1).ofMaxLength(4).flatMap(p ->
                        small.map(from -> op("search " + q(p) + " from " + from, (b, m) -> {
                            int f = Math.min(from, m.length());
                            assertEquals(m.indexOf(p, f), b.search(bytes(p), b.pointer(f)).position());
                            int to = Math.min(m.length(), f + 6);
                            int want = m.indexOf(p, f);
                            long expected = want >= 0 && want + p.length() <= to ? want : -1;
                            assertEquals(expected, b.searchRange(bytes(p), b.pointer(f), b.pointer(to)).position());
                        })))),
                Tuple.of(1, small.map(n -> op("pullUp " + n, (b, m) -> {
                    int k = Math.min(n, m.length());
                    ByteBuffer v = b.pullUp(k);
                    byte[] a = new byte[v.remaining()];
                    v.get(a);
                    assertEquals(m.substring(0, k), str(a));
                    assertEquals(true, b.contiguousSpace() >= k);
                }))),
                Tuple.of(2, small.flatMap(n -> Arbitraries.integers().between(0, 40).map(k -> op(
                        "reserve " + n + " commit " + k, (b, m) -> {
                            ByteBuffer v = b.reserve(n);
                            int c = Math.min(k, v.remaining());
                            String s = "r".repeat(c);
                            v.put(bytes(s));
                            check(b);
                            b.commit(c);
                            m.append(s);
                        })))),
                Tuple.of(1, small.flatMap(from -> small.map(n -> op("copyOutFrom " + from + " n " + n, (b, m) -> {
                    int f = Math.min(from, m.length());
                    byte[] out = new byte[n];
                    int k = b.copyOutFrom(b.pointer(f), out, 0, n);
                    assertEquals(Math.min(n, m.length() - f), k);
                    assertEquals(m.substring(f, f + k), str(out).substring(0, k));
                })))));
        return op.list().ofMaxSize(40);
    }

    /** {position, eolLength} of the first terminator at or after {@code from}, or null: libevent's rules, on a string. */
    static long[] modelEol(CharSequence m, int from, Eol eol) {
        String s = m.toString();
        switch (eol) {
            case LF:
                return found(s.indexOf('\n', from), 1);
            case NUL:
                return found(s.indexOf('\0', from), 1);
            case CRLF_STRICT:
                return found(s.indexOf("\r\n", from), 2);
            case ANY: {
                int p = firstCrOrLf(s, from);
                if (p < 0) {
                    return null;
                }
                int e = p;
                while (e < s.length() && (s.charAt(e) == '\r' || s.charAt(e) == '\n')) {
                    e++;
                }
                return new long[] {p, e - p};
            }
            case CRLF:
                for (int i = from; ; ) {
                    int p = firstCrOrLf(s, i);
                    if (p < 0) {
                        return null;
                    }
                    if (s.charAt(p) == '\n') {
                        return new long[] {p, 1};
                    }
                    if (p + 1 < s.length() && s.charAt(p + 1) == '\n') {
                        return new long[] {p, 2};
                    }
                    i = p + 1;
                }
            default:
                throw new AssertionError(eol);
        }
    }

    private static int firstCrOrLf(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '\r' || s.charAt(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static long[] found(int p, int len) {
        return p < 0 ? null : new long[] {p, len};
    }

    static String q(String s) {
        return '"' + s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0") + '"';
    }

    static Op op(String name, Op body) {
        return new Op() {
            @Override
            public void apply(EvBuffer b, StringBuilder m) {
                body.apply(b, m);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
