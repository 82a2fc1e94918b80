package io.jevent.conformance;

import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Loan;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random programs of EvBuffer operations checked against a byte model (a String of ISO-8859-1 chars, one per
 * byte), where the check that matters is the one a peer makes: bytes sent with {@link EvBuffer#writeTo} over a real
 * socket pair and read back must be the model's, in order. Views handed out by {@code peek}, {@code pullUp} and
 * {@code reserve} are held across the rest of the program and must keep showing the bytes they showed (the buffer
 * may neither write into them nor recycle their memory), even after other buffers churn the segment pool.
 *
 * <p>Backend-free: core's jqwik property runs it over a loopback NetOps (with shrinking), and
 * {@link EvBufferIoConformance} runs seeded programs over each backend's NetOps.
 */
public final class EvBufferProgram {
    /** How long one write or read of a step may spin on would-block before failing. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);

    private EvBufferProgram() {
    }

    /** What a step does; see {@link #apply}. */
    public enum Kind {
        /** add(text). */
        ADD,
        /** addReference(text) over heap memory. */
        ADD_REFERENCE,
        /** addReference(text) over direct memory. */
        ADD_REFERENCE_DIRECT,
        /** addBuffer of a buffer holding text. */
        ADD_BUFFER,
        /** add of n bytes (up to a few segments). */
        ADD_BIG,
        /** prepend(text). */
        PREPEND,
        /** prependBuffer of a buffer holding text. */
        PREPEND_BUFFER,
        /** drain(n). */
        DRAIN,
        /** remove(n bytes) into an array, compared with the model. */
        REMOVE,
        /** removeBuffer(other, n) then addBuffer(other): a partial move there and back (splits a segment). */
        MOVE_AND_BACK,
        /** removeBuffer(other, n), other compared with the model and dropped. */
        MOVE_OUT,
        /** pullUp(n), the view held to the end. */
        PULL_UP,
        /** peek(n bytes) into up to four views, held to the end. */
        PEEK,
        /**
         * peek(n bytes) into a Loan of three views, then drain(k) and add(text) while it is open: the views keep
         * their bytes; then the loan is closed (its views are not used after).
         */
        PEEK_LOAN,
        /** reserve(n), k bytes written, commit(k). */
        RESERVE_COMMIT,
        /** reserve(n, three vectors), k bytes written in order, commit(k). */
        RESERVE_MANY_COMMIT,
        /** reserve(n) filled, then add(text) cancels it; the view is scribbled on afterwards and held to the end. */
        RESERVE_DROPPED,
        /** expand(n). */
        EXPAND,
        /** writeTo(socket, n), the bytes read back by the peer and compared with the model. */
        WRITE,
        /** The peer sends text (n = 1: one byte per write), readFrom until all of it arrived. */
        READ
    }

    /** One step; {@code text}, {@code n} and {@code k} are used as {@link Kind} says. */
    public record Step(Kind kind, String text, int n, int k) {
        @Override
        public String toString() {
            return kind + "(" + quote(text) + ", " + n + ", " + k + ")";
        }
    }

    /** A random program of up to {@code maxSteps} steps, for runs without jqwik (the backends' suites). */
    public static List<Step> random(Random r, int maxSteps) {
        Kind[] kinds = Kind.values();
        int steps = r.nextInt(maxSteps + 1);
        List<Step> p = new ArrayList<>(steps);
        for (int i = 0; i < steps; i++) {
            Kind kind = kinds[r.nextInt(kinds.length)];
            StringBuilder t = new StringBuilder();
            for (int j = r.nextInt(13); j > 0; j--) {
                t.append("ab\r\n\0xyz".charAt(r.nextInt(8)));
            }
            int n = kind == Kind.ADD_BIG ? 1 + r.nextInt(40_000) : r.nextInt(41);
            p.add(new Step(kind, t.toString(), n, r.nextInt(41)));
        }
        return p;
    }

    /** A view handed out and the bytes it showed then. */
    private record Held(String what, ByteBuffer view, byte[] bytes) {
    }

    /** The buffer, the model and what a program holds while it runs. */
    private static final class Run {
        final NetOps ops;
        final Handle[] pair;
        final Consumer<EvBuffer> checker;
        final EvBuffer b = new EvBuffer();
        final StringBuilder model = new StringBuilder();
        final List<Held> held = new ArrayList<>();
        /** The peer's side: what it reads from pair[1], and what it sends to pair[0]. */
        final EvBuffer peerIn = new EvBuffer();
        final EvBuffer peerOut = new EvBuffer();

        Run(NetOps ops, Handle[] pair, Consumer<EvBuffer> checker) {
            this.ops = ops;
            this.pair = pair;
            this.checker = checker;
        }
    }

    /**
     * Runs {@code program} on a fresh buffer over a socket pair of {@code ops}: after every step the checker runs,
     * the length matches the model and every held view still shows its bytes; at the end the whole buffer is sent
     * and must arrive as the model, and the views are checked again after another buffer churned the pool.
     *
     * @param checker extra invariant checks on the buffer (core's white-box checker), may be {@code b -> { }}
     */
    public static void run(List<Step> program, NetOps ops, Consumer<EvBuffer> checker) throws IOException {
        Handle[] pair = ops.socketPair();
        try {
            Run r = new Run(ops, pair, checker);
            for (Step s : program) {
                apply(r, s);
                checker.accept(r.b);
                assertEquals(r.model.length(), r.b.length(), () -> "length after " + s);
                checkHeld(r, "after " + s);
            }
            while (r.b.length() > 0) {
                write(r, -1, "final flush");
            }
            checker.accept(r.b);
            churnPool(160);
            checkHeld(r, "after the final flush and a churn of the segment pool");
        } finally {
            try {
                ops.close(pair[0]);
            } finally {
                ops.close(pair[1]);
            }
        }
    }

    private static void apply(Run r, Step s) throws IOException {
        EvBuffer b = r.b;
        StringBuilder m = r.model;
        int len = m.length();
        switch (s.kind()) {
            case ADD -> {
                b.add(bytes(s.text()));
                m.append(s.text());
            }
            case ADD_REFERENCE -> {
                b.addReference(ByteBuffer.wrap(bytes(s.text())), null);
                m.append(s.text());
            }
            case ADD_REFERENCE_DIRECT -> {
                byte[] t = bytes(s.text());
                b.addReference(ByteBuffer.allocateDirect(t.length).put(t).flip(), null);
                m.append(s.text());
            }
            case ADD_BUFFER -> {
                EvBuffer src = new EvBuffer();
                src.add(bytes(s.text()));
                b.addBuffer(src);
                m.append(s.text());
            }
            case ADD_BIG -> {
                StringBuilder t = new StringBuilder(s.n());
                for (int i = 0; i < s.n(); i++) {
                    t.append((char) ('A' + (len + i) % 23));
                }
                b.add(bytes(t.toString()));
                m.append(t);
            }
            case PREPEND -> {
                b.prepend(bytes(s.text()));
                m.insert(0, s.text());
            }
            case PREPEND_BUFFER -> {
                EvBuffer src = new EvBuffer();
                src.add(bytes(s.text()));
                b.prependBuffer(src);
                m.insert(0, s.text());
            }
            case DRAIN -> {
                assertEquals(Math.min(s.n(), len), b.drain(s.n()), () -> "drained by " + s);
                m.delete(0, Math.min(s.n(), len));
            }
            case REMOVE -> {
                byte[] out = new byte[s.n()];
                int k = b.remove(out, 0, out.length);
                assertEquals(Math.min(s.n(), len), k, () -> "removed by " + s);
                assertEquals(m.substring(0, k), str(out, k), () -> "bytes removed by " + s);
                m.delete(0, k);
            }
            case MOVE_AND_BACK -> {
                EvBuffer other = new EvBuffer();
                long k = b.removeBuffer(other, s.n());
                b.addBuffer(other);
                m.append(m, 0, (int) k).delete(0, (int) k);
            }
            case MOVE_OUT -> {
                EvBuffer other = new EvBuffer();
                long k = b.removeBuffer(other, s.n());
                byte[] out = new byte[(int) other.length()];
                other.remove(out, 0, out.length);
                assertEquals(m.substring(0, (int) k), str(out, out.length), () -> "bytes moved out by " + s);
                m.delete(0, (int) k);
            }
            case PULL_UP -> {
                int k = Math.min(s.n(), len);
                ByteBuffer v = b.pullUp(k);
                hold(r, "pullUp " + s, v, m.substring(0, k));
            }
            case PEEK -> {
                ByteBuffer[] out = new ByteBuffer[4];
                int views = b.peek(Math.min(s.n(), len), null, out);
                int at = 0;
                for (int i = 0; i < Math.min(views, out.length); i++) {
                    int n = out[i].remaining();
                    hold(r, "peek view " + i + " of " + s, out[i], m.substring(at, Math.min(len, at + n)));
                    at += n;
                }
            }
            case PEEK_LOAN -> {
                Loan loan = new Loan(3);
                int views = b.peek(Math.min(s.n(), len), null, loan);
                assertEquals(Math.min(views, 3), loan.count(), () -> "views lent by " + s);
                List<Held> lent = new ArrayList<>();
                int at = 0;
                for (int i = 0; i < loan.count(); i++) {
                    ByteBuffer v = loan.view(i);
                    String expected = m.substring(at, Math.min(len, at + v.remaining()));
                    assertEquals(expected, viewString(v), () -> "lent view of " + s);
                    lent.add(new Held("lent view of " + s, v, bytes(expected)));
                    at += v.remaining();
                }
                int k = Math.min(s.k(), len);
                b.drain(k);
                m.delete(0, k);
                b.add(bytes(s.text()));
                m.append(s.text());
                churnPool(16); // the thread cache is a stack: what was recycled last is reused first
                try {
                    r.held.addAll(lent);
                    checkHeld(r, "while the loan is open, after draining " + k + " and adding " + quote(s.text()));
                } finally {
                    r.held.removeAll(lent);
                }
                loan.close();
                assertEquals(0, loan.count());
            }
            case RESERVE_COMMIT -> {
                ByteBuffer v = b.reserve(s.n());
                int c = Math.min(s.k(), v.remaining());
                String t = fill(c);
                v.put(bytes(t));
                b.commit(c);
                m.append(t);
            }
            case RESERVE_MANY_COMMIT -> {
                ByteBuffer[] vecs = new ByteBuffer[3];
                int count = b.reserve(s.n(), vecs);
                long room = 0;
                for (int i = 0; i < count; i++) {
                    room += vecs[i].remaining();
                }
                int c = (int) Math.min(s.k(), room);
                String t = fill(c);
                byte[] tb = bytes(t);
                int off = 0;
                for (int i = 0; i < count && off < c; i++) {
                    int n = Math.min(vecs[i].remaining(), c - off);
                    vecs[i].put(tb, off, n);
                    off += n;
                }
                b.commit(c);
                m.append(t);
            }
            case RESERVE_DROPPED -> {
                ByteBuffer v = b.reserve(Math.max(1, s.n()));
                while (v.hasRemaining()) {
                    v.put((byte) 'R');
                }
                b.add(bytes(s.text())); // a change at the end: the reservation is cancelled
                m.append(s.text());
                v.clear();
                byte[] late = new byte[v.remaining()];
                Arrays.fill(late, (byte) 'S');
                v.duplicate().put(late); // a late write through the cancelled view must not reach the buffer
                hold(r, "cancelled reservation of " + s, v, str(late, late.length));
            }
            case EXPAND -> b.expand(s.n());
            case WRITE -> write(r, s.n(), s.toString());
            case READ -> read(r, s);
            default -> throw new AssertionError(s.kind());
        }
    }

    private static void hold(Run r, String what, ByteBuffer view, String expected) {
        assertEquals(expected, viewString(view), () -> what + ": the view's bytes");
        r.held.add(new Held(what, view, bytes(expected)));
    }

    private static void checkHeld(Run r, String when) {
        for (Held h : r.held) {
            byte[] now = new byte[h.view().remaining()];
            h.view().duplicate().get(now);
            if (!Arrays.equals(h.bytes(), now)) {
                fail("the view from " + h.what() + " changed " + when + ": was " + quote(str(h.bytes(),
                        h.bytes().length)) + ", now " + quote(str(now, now.length)));
            }
        }
    }

    /** Passes {@code segments} segments' worth of bytes through the pool: recycled memory would be overwritten. */
    private static void churnPool(int segments) {
        byte[] junk = new byte[16 << 10];
        Arrays.fill(junk, (byte) '#');
        EvBuffer other = new EvBuffer();
        for (int i = 0; i < segments; i++) {
            other.add(junk);
        }
        other.drain(other.length());
    }

    /** writeTo of up to {@code max} bytes (-1: all); what went out is read back and compared with the model. */
    private static void write(Run r, long max, String step) throws IOException {
        long w = r.b.writeTo(r.pair[0], r.ops, max);
        if (w == NetOps.WOULD_BLOCK || w == 0) {
            if (max == -1) {
                fail("writeTo made no progress with " + r.b.length() + " bytes left (" + step + ")");
            }
            return;
        }
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        while (r.peerIn.length() < w) {
            long n = r.peerIn.readFrom(r.pair[1], r.ops);
            if (n == 0) {
                fail("end of stream at the peer (" + step + ")");
            }
            spinOrFail(n > 0, deadline, step);
        }
        assertEquals(w, r.peerIn.length(), () -> "bytes the peer received after " + step);
        byte[] got = new byte[(int) w];
        r.peerIn.remove(got, 0, got.length);
        String expected = r.model.substring(0, (int) w);
        String actual = str(got, got.length);
        if (!expected.equals(actual)) {
            fail("the peer received other bytes than the buffer held (" + step + "): expected " + quote(expected)
                    + ", got " + quote(actual));
        }
        r.model.delete(0, (int) w);
    }

    /** The peer sends text (one byte per write when {@code n == 1}); readFrom until all of it is in the buffer. */
    private static void read(Run r, Step s) throws IOException {
        byte[] t = bytes(s.text());
        long deadline = System.nanoTime() + DEADLINE_NANOS;
        long base = r.b.length();
        for (int i = 0; i < t.length; ) {
            int chunk = s.n() == 1 ? 1 : t.length - i;
            r.peerOut.add(t, i, chunk);
            i += chunk;
            while (r.peerOut.length() > 0) {
                spinOrFail(r.peerOut.writeTo(r.pair[1], r.ops) > 0, deadline, s.toString());
            }
            if (s.n() == 1) {
                readUntil(r, base + i, deadline, s); // one read per byte
            }
        }
        readUntil(r, base + t.length, deadline, s);
        r.model.append(s.text());
    }

    private static void readUntil(Run r, long length, long deadline, Step s) throws IOException {
        while (r.b.length() < length) {
            long n = r.b.readFrom(r.pair[0], r.ops);
            if (n == 0) {
                fail("end of stream (" + s + ")");
            }
            spinOrFail(n > 0, deadline, s.toString());
        }
    }

    private static void spinOrFail(boolean progress, long deadline, String step) {
        if (!progress) {
            if (System.nanoTime() - deadline > 0) {
                fail("no progress before the deadline (" + step + ")");
            }
            Thread.onSpinWait();
        }
    }

    private static String fill(int n) {
        StringBuilder t = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            t.append((char) ('0' + i % 10));
        }
        return t.toString();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String str(byte[] b, int n) {
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    private static String viewString(ByteBuffer v) {
        byte[] a = new byte[v.remaining()];
        v.duplicate().get(a);
        return str(a, a.length);
    }

    static String quote(String s) {
        String q = s.replace("\r", "\\r").replace("\n", "\\n").replace("\0", "\\0");
        return '"' + (q.length() > 80 ? q.substring(0, 80) + "...(" + s.length() + " chars)" : q) + '"';
    }
}
