package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.spi.CompletionEngine;
import io.jevent.spi.CompletionHandler;
import io.jevent.spi.ErrnoException;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import io.jevent.spi.OperationTable;
import io.jevent.spi.Readiness;
import io.jevent.spi.ReadySink;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine of {@link EmulatedCompletionBackend}: a {@link CompletionEngine} made of an epoll {@link Readiness} and
 * non-blocking calls, in io_uring's order of things. What is posted between two polls is a submission queue: the
 * next poll carries each entry out once, in order (an operation that would block then waits, under an epoll
 * registration of its own, bit 30 set in the token; a cancel ends what is still waiting on its handle, and so comes
 * after the operations posted before it), then waits, then tries the waiting operations whose socket became ready.
 * Completions are queued as they happen and delivered at the end of the poll, through an {@link OperationTable},
 * like completions reaped after a submit. Calls use the descriptor number the table keeps open, so an operation
 * posted before its handle was closed is still carried out, as the kernel would. Test code: it allocates freely.
 */
final class EmulatedEngine implements Readiness, CompletionEngine {
    private static final int ECANCELED = 125;
    private static final int EBADF = 9;
    private static final int ENOENT = 2;
    private static final int EIO = 5;
    private static final int MINE = 0x4000_0000;

    private static final int READ = 0;
    private static final int WRITE = 1;
    private static final int CONNECT = 2;
    private static final int ACCEPT = 3;
    private static final int KINDS = 4;

    /** What is posted on one handle: user data per kind, -1 for none. */
    private static final class Ops {
        final Handle handle;
        /** The same descriptor, never closed by anyone: calls go through it (the table keeps the number open). */
        final Handle io;
        final int token;
        final long[] ud = {-1, -1, -1, -1};
        int interest;
        boolean readAny;
        boolean await;
        int readMax;
        ByteBuffer readDst;
        ByteBuffer[] srcs;
        int off;
        int count;

        Ops(Handle handle, int token) {
            this.handle = handle;
            this.io = new FdHandle(((FdHandle) handle).fd());
            this.token = token;
        }

        int wanted() {
            return (ud[READ] >= 0 || ud[ACCEPT] >= 0 ? Ev.READ : 0) | (ud[WRITE] >= 0 || ud[CONNECT] >= 0 ? Ev.WRITE : 0);
        }
    }

    /** A submission: an operation of {@code kind} on {@code ops}, or a cancel of all of them ({@code kind < 0}). */
    private record Submission(Ops ops, int kind, CompletionHandler cancelHandler) {
    }

    /** A completion waiting for delivery. */
    private record Completion(long ud, int result, int flags, ByteBuffer data) {
    }

    private final Readiness inner;
    private final NetOps ops;
    private final boolean selects;
    private final OperationTable table = new OperationTable(64, LibC::close);
    /** By identity: FdHandle equals by number, and a new socket may take a dead one's. */
    private final Map<Handle, Ops> byHandle = new IdentityHashMap<>();
    private final List<Ops> byToken = new ArrayList<>();
    private final List<Integer> freeTokens = new ArrayList<>();
    private List<Submission> submissions = new ArrayList<>();
    private final List<Ops> ready = new ArrayList<>();
    private final List<Completion> completions = new ArrayList<>();
    private final Map<Integer, Handle> acceptedHandles = new HashMap<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    private ReadySink outer;
    private final ReadySink sink = this::onReady;

    EmulatedEngine(Readiness inner, NetOps ops, boolean selects) {
        this.inner = inner;
        this.ops = ops;
        this.selects = selects;
    }

    // ------------------------------------------------------------------------------------------------ Readiness

    @Override
    public void update(Handle handle, int token, int oldInterest, int newInterest) throws IOException {
        inner.update(handle, token, oldInterest, newInterest);
    }

    @Override
    public int poll(long timeoutNanos, ReadySink sink) throws IOException {
        updateInterest();
        boolean work = !submissions.isEmpty() || !completions.isEmpty() || table.hasLocal();
        outer = sink;
        int n = inner.poll(work ? 0 : timeoutNanos, this.sink);
        outer = null;
        // what the kernel would have finished by now (data arrived, room to write), before the new submissions
        List<Ops> now = new ArrayList<>(ready);
        ready.clear();
        for (Ops o : now) {
            for (int k = 0; k < KINDS; k++) {
                if (o.ud[k] >= 0) {
                    attempt(o, k, false);
                }
            }
        }
        List<Submission> batch = submissions;
        submissions = new ArrayList<>();
        for (Submission s : batch) {
            if (s.kind < 0) {
                cancelNow(s.ops, s.cancelHandler);
            } else if (s.ops.ud[s.kind] >= 0) {
                attempt(s.ops, s.kind, true);
            }
        }
        List<Completion> done = new ArrayList<>(completions);
        completions.clear();
        for (Completion c : done) {
            if (table.complete(c.ud, c.result, c.flags, c.data)) {
                n++;
            }
        }
        return n + table.deliverLocal(); // handles reported (ours too) plus completions: the base's ONCE counts them
    }

    private void onReady(int token, int bits) {
        if ((token & MINE) != 0) {
            Ops o = token - MINE < byToken.size() ? byToken.get(token - MINE) : null;
            if (o != null) {
                ready.add(o);
            }
        } else {
            outer.ready(token, bits);
        }
    }

    @Override
    public void wakeup() {
        inner.wakeup();
    }

    @Override
    public CompletionEngine completions() {
        return this;
    }

    @Override
    public void close() {
        // as a ring submits what is queued before it goes: a write posted in the last pass still leaves
        for (Submission s : submissions) {
            if (s.kind == WRITE && s.ops.ud[WRITE] >= 0) {
                attempt(s.ops, WRITE, true);
            }
        }
        completions.clear();
        table.closeAll();
        inner.close();
    }

    // ------------------------------------------------------------------------------------------ CompletionEngine

    @Override
    public void read(Handle handle, ByteBuffer dst, CompletionHandler handler) {
        if (!dst.isDirect() || !dst.hasRemaining()) {
            throw new IllegalArgumentException("expected a direct buffer with room, got " + dst);
        }
        postRead(handle, dst, false, false, dst.remaining(), handler);
    }

    @Override
    public boolean selectsReadBuffers() {
        return selects;
    }

    @Override
    public void readAny(Handle handle, int maxBytes, CompletionHandler handler) {
        if (!selects) {
            throw new UnsupportedOperationException("this engine does not select read buffers");
        }
        postRead(handle, null, true, false, Math.min(maxBytes, readBuffer.capacity()), handler);
    }

    @Override
    public void awaitReadable(Handle handle, CompletionHandler handler) {
        postRead(handle, null, false, true, 0, handler);
    }

    private void postRead(Handle handle, ByteBuffer dst, boolean any, boolean await, int max,
                          CompletionHandler handler) {
        Ops o = post(handle, READ, dst, handler);
        if (o != null) {
            o.readAny = any;
            o.await = await;
            o.readDst = dst;
            o.readMax = max;
        }
    }

    @Override
    public void write(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler) {
        Ops o = post(handle, WRITE, srcs, handler);
        if (o != null) {
            o.srcs = srcs;
            o.off = offset;
            o.count = count;
        }
    }

    @Override
    public Handle connect(SocketAddress remote, CompletionHandler handler) throws IOException {
        Handle h = ops.connect(remote);
        post(h, CONNECT, null, handler);
        return h;
    }

    @Override
    public void accept(Handle listener, CompletionHandler handler) {
        post(listener, ACCEPT, null, handler);
    }

    @Override
    public Handle accepted(int descriptor) {
        Handle h = acceptedHandles.remove(descriptor);
        if (h == null) {
            throw new IllegalArgumentException("no accepted descriptor " + descriptor);
        }
        return h;
    }

    @Override
    public void shutdownOutput(Handle handle, CompletionHandler handler) {
        int result;
        try {
            ops.shutdownOutput(handle);
            result = 0;
        } catch (IOException e) {
            result = -errno(e);
        }
        table.completeLater(handler, result);
    }

    @Override
    public void cancel(Handle handle, CompletionHandler handler) {
        Ops o = byHandle.get(handle);
        if (o == null) {
            table.completeLater(handler, -ENOENT);
        } else {
            submissions.add(new Submission(o, -1, handler));
        }
    }

    @Override
    public int inFlight() {
        return table.inFlight();
    }

    @Override
    public IOException failure(String op, int result) {
        return Errors.newException(op, -result); // EBADF: a ClosedChannelException, as PosixNetOps says it
    }

    // ------------------------------------------------------------------------------------------------ private

    /** Records an operation of {@code kind}; null if the handle is closed (it then completes with -EBADF). */
    private Ops post(Handle handle, int kind, Object memory, CompletionHandler handler) {
        long ud;
        try {
            ud = table.open(handle, memory, handler);
        } catch (ClosedChannelException e) {
            table.completeLater(handler, -EBADF);
            return null;
        }
        Ops o = byHandle.get(handle);
        if (o == null) {
            int token = freeTokens.isEmpty() ? byToken.size() : freeTokens.remove(freeTokens.size() - 1);
            o = new Ops(handle, token);
            if (token == byToken.size()) {
                byToken.add(o);
            } else {
                byToken.set(token, o);
            }
            byHandle.put(handle, o);
        }
        if (o.ud[kind] >= 0) {
            throw new IllegalStateException("an operation of kind " + kind + " is already posted on " + handle);
        }
        o.ud[kind] = ud;
        submissions.add(new Submission(o, kind, null));
        return o;
    }

    private void cancelNow(Ops o, CompletionHandler handler) {
        int n = 0;
        for (int k = 0; k < KINDS; k++) {
            if (o.ud[k] >= 0 && k != ACCEPT) {
                attempt(o, k, true); // a recv whose bytes have arrived, a send with room: done before the cancel
            }
            if (o.ud[k] >= 0) {
                completions.add(new Completion(o.ud[k], -ECANCELED, 0, null));
                o.ud[k] = -1;
                n++;
            }
        }
        try {
            completions.add(new Completion(table.open(null, null, handler), n > 0 ? n : -ENOENT, 0, null));
        } catch (ClosedChannelException impossible) { // no handle
            throw new AssertionError(impossible);
        }
    }

    /** Registers with epoll what waits, forgets handles with nothing posted. */
    private void updateInterest() {
        for (int t = 0; t < byToken.size(); t++) {
            Ops o = byToken.get(t);
            if (o == null) {
                continue;
            }
            int want = o.wanted();
            if (want != o.interest) {
                try {
                    inner.update(o.handle, o.token | MINE, o.interest, want);
                    o.interest = want;
                } catch (IOException e) { // the handle was closed: epoll cannot watch it; try at once instead
                    o.interest = 0;
                    ready.add(o);
                }
            }
            if (want == 0 && o.interest == 0 && !pendingSubmission(o)) {
                byHandle.remove(o.handle);
                byToken.set(t, null);
                freeTokens.add(t);
            }
        }
    }

    private boolean pendingSubmission(Ops o) {
        for (Submission s : submissions) {
            if (s.ops == o) {
                return true;
            }
        }
        return false;
    }

    /**
     * Carries out one posted operation as far as the socket lets it: when it is submitted ({@code submitting}), and
     * when epoll says its socket is ready. An await completes only on readiness.
     */
    private void attempt(Ops o, int kind, boolean submitting) {
        long ud = o.ud[kind];
        switch (kind) {
            case CONNECT -> {
                try {
                    if (!ops.finishConnect(o.io)) {
                        return;
                    }
                    finish(o, kind, 0, 0, null);
                } catch (IOException e) {
                    finish(o, kind, -errno(e), 0, null);
                }
            }
            case WRITE -> {
                ByteBuffer[] srcs = new ByteBuffer[o.count];
                for (int i = 0; i < o.count; i++) {
                    srcs[i] = o.srcs[o.off + i].duplicate(); // positions are not moved
                }
                try {
                    long n = ops.write(o.io, srcs, 0, srcs.length);
                    if (n != NetOps.WOULD_BLOCK) {
                        finish(o, kind, (int) n, 0, null);
                    }
                } catch (IOException e) {
                    finish(o, kind, -errno(e), 0, null);
                }
            }
            case ACCEPT -> {
                for (int i = 0; i < 64 && o.ud[ACCEPT] == ud; i++) {
                    Handle h;
                    try {
                        h = ops.accept(o.io);
                    } catch (IOException e) {
                        finish(o, kind, -errno(e), 0, null);
                        return;
                    }
                    if (h == null) {
                        return;
                    }
                    int fd = ((FdHandle) h).fd();
                    acceptedHandles.put(fd, h);
                    completions.add(new Completion(ud, fd, MORE, null));
                }
            }
            default -> {
                if (o.await) {
                    if (!submitting) {
                        finish(o, kind, 0, 0, null);
                    }
                    return;
                }
                ByteBuffer dst = o.readAny ? readBuffer.clear().limit(o.readMax) : o.readDst.duplicate();
                try {
                    long n = ops.read(o.io, new ByteBuffer[] {dst}, 0, 1);
                    if (n == NetOps.WOULD_BLOCK) {
                        return;
                    }
                    if (o.readAny && n > 0) {
                        readBuffer.flip();
                        ByteBuffer copy = ByteBuffer.allocate((int) n).put(readBuffer).flip(); // valid till delivery
                        finish(o, kind, (int) n, BUFFER, copy);
                    } else {
                        finish(o, kind, (int) n, 0, null);
                    }
                } catch (IOException e) {
                    finish(o, kind, -errno(e), 0, null);
                }
            }
        }
    }

    private void finish(Ops o, int kind, int result, int flags, ByteBuffer data) {
        completions.add(new Completion(o.ud[kind], result, flags, data));
        o.ud[kind] = -1;
    }

    private static int errno(IOException e) {
        if (e instanceof ErrnoException) {
            return ((ErrnoException) e).errno();
        }
        if (e instanceof ClosedChannelException) {
            return EBADF;
        }
        return EIO;
    }
}
