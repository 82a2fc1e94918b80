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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine of {@link EmulatedCompletionBackend}: a {@link CompletionEngine} made of an epoll {@link Readiness} and
 * non-blocking calls. Each posted operation waits (epoll interest under a token of its own, bit 30 set) until its
 * socket is ready, is then carried out by one call, and completes through an {@link OperationTable} like a kernel
 * completion, from inside {@link #poll}. Cancels complete the handle's operations with {@code -ECANCELED} at the next
 * poll; operations on a closed handle complete with {@code -EBADF}. Test code: it allocates freely.
 */
final class EmulatedEngine implements Readiness, CompletionEngine {
    static final int ECANCELED = 125;
    private static final int EBADF = 9;
    private static final int ENOENT = 2;
    private static final int EIO = 5;
    private static final int MINE = 0x4000_0000;

    /** What is posted on one handle; -1: none. */
    private static final class Ops {
        final Handle handle;
        final int token;
        int interest;
        long readUd = -1;
        boolean readAny;
        boolean await;
        int readMax;
        ByteBuffer readDst;
        long writeUd = -1;
        ByteBuffer[] srcs;
        int off;
        int count;
        long connectUd = -1;
        long acceptUd = -1;

        Ops(Handle handle, int token) {
            this.handle = handle;
            this.token = token;
        }

        int wanted() {
            return (readUd >= 0 || acceptUd >= 0 ? Ev.READ : 0) | (writeUd >= 0 || connectUd >= 0 ? Ev.WRITE : 0);
        }
    }

    private final Readiness inner;
    private final NetOps ops;
    private final boolean selects;
    private final OperationTable table = new OperationTable(64, LibC::close);
    /** By identity: FdHandle equals by number, and a new socket may take a dead one's. */
    private final Map<Handle, Ops> byHandle = new IdentityHashMap<>();
    private final List<Ops> byToken = new ArrayList<>();
    private final ArrayDeque<Integer> freeTokens = new ArrayDeque<>();
    private final List<Ops> dirty = new ArrayList<>();
    private final List<Ops> ready = new ArrayList<>();
    private final ArrayDeque<Long> cancelled = new ArrayDeque<>();
    private final Map<Integer, Handle> acceptedHandles = new HashMap<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
    private ReadySink outer;
    /** Completions delivered in this poll. */
    private int delivered;
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
        delivered = 0;
        for (Ops o : new ArrayList<>(dirty)) {
            if (byToken.get(o.token) == o) {
                attempt(o, true);
            }
        }
        flushInterest();
        boolean work = table.hasLocal() || !cancelled.isEmpty() || delivered > 0;
        outer = sink;
        int n = inner.poll(work ? 0 : timeoutNanos, this.sink);
        outer = null;
        while (!cancelled.isEmpty()) {
            complete(cancelled.poll(), -ECANCELED, 0, null);
        }
        List<Ops> now = new ArrayList<>(ready);
        ready.clear();
        for (Ops o : now) {
            if (byToken.get(o.token) == o) {
                attempt(o, false);
            }
        }
        // handles reported (ours too) plus completions: the base's ONCE counts them
        return n + delivered + table.deliverLocal();
    }

    private void onReady(int token, int bits) {
        if ((token & MINE) != 0) {
            Ops o = byToken.get(token & ~MINE);
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
        for (Ops o : new ArrayList<>(byHandle.values())) {
            if (o.writeUd >= 0) {
                ByteBuffer[] srcs = new ByteBuffer[o.count];
                for (int i = 0; i < o.count; i++) {
                    srcs[i] = o.srcs[o.off + i].duplicate();
                }
                try {
                    ops.write(o.handle, srcs, 0, srcs.length);
                } catch (IOException ignored) {
                    // nobody is told any more
                }
            }
        }
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
        long ud = open(handle, dst, handler);
        if (ud < 0) {
            return;
        }
        Ops o = ops(handle);
        if (o.readUd >= 0) {
            throw new IllegalStateException("a read is already posted on " + handle);
        }
        o.readUd = ud;
        o.readAny = any;
        o.await = await;
        o.readDst = dst;
        o.readMax = max;
        dirty.add(o);
    }

    @Override
    public void write(Handle handle, ByteBuffer[] srcs, int offset, int count, CompletionHandler handler) {
        long ud = open(handle, srcs, handler);
        if (ud < 0) {
            return;
        }
        Ops o = ops(handle);
        if (o.writeUd >= 0) {
            throw new IllegalStateException("a write is already posted on " + handle);
        }
        o.writeUd = ud;
        o.srcs = srcs;
        o.off = offset;
        o.count = count;
        dirty.add(o);
    }

    @Override
    public Handle connect(SocketAddress remote, CompletionHandler handler) throws IOException {
        Handle h = ops.connect(remote);
        long ud = open(h, null, handler);
        if (ud >= 0) {
            Ops o = ops(h);
            o.connectUd = ud;
            dirty.add(o);
        }
        return h;
    }

    @Override
    public void accept(Handle listener, CompletionHandler handler) {
        long ud = open(listener, null, handler);
        if (ud >= 0) {
            Ops o = ops(listener);
            o.acceptUd = ud;
            dirty.add(o);
        }
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
        int n = 0;
        if (o != null) {
            if (o.readUd >= 0) {
                cancelled.add(o.readUd);
                o.readUd = -1;
                n++;
            }
            if (o.writeUd >= 0) {
                cancelled.add(o.writeUd);
                o.writeUd = -1;
                n++;
            }
            if (o.connectUd >= 0) {
                cancelled.add(o.connectUd);
                o.connectUd = -1;
                n++;
            }
            if (o.acceptUd >= 0) {
                cancelled.add(o.acceptUd);
                o.acceptUd = -1;
                n++;
            }
            dirty.add(o);
        }
        table.completeLater(handler, n > 0 ? n : -ENOENT);
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

    private long open(Handle handle, Object memory, CompletionHandler handler) {
        try {
            return table.open(handle, memory, handler);
        } catch (ClosedChannelException e) {
            table.completeLater(handler, -EBADF);
            return -1;
        }
    }

    private Ops ops(Handle h) {
        Ops o = byHandle.get(h);
        if (o == null) {
            Integer t = freeTokens.poll();
            int token = t != null ? t : byToken.size();
            o = new Ops(h, token);
            if (token == byToken.size()) {
                byToken.add(o);
            } else {
                byToken.set(token, o);
            }
            byHandle.put(h, o);
        }
        return o;
    }

    private void flushInterest() {
        List<Ops> now = new ArrayList<>(dirty);
        dirty.clear();
        for (Ops o : now) {
            if (byToken.get(o.token) != o) {
                continue;
            }
            int want = o.wanted();
            if (want != o.interest) {
                try {
                    inner.update(o.handle, o.token | MINE, o.interest, want);
                    o.interest = want;
                } catch (IOException e) {
                    failAll(o, -errno(e));
                    try {
                        inner.update(o.handle, o.token | MINE, o.interest, 0);
                    } catch (IOException ignored) {
                        // forgotten
                    }
                    o.interest = 0;
                }
            }
            if (o.wanted() == 0 && o.interest == 0) {
                byHandle.remove(o.handle);
                byToken.set(o.token, null);
                freeTokens.add(o.token);
            }
        }
    }

    private void failAll(Ops o, int result) {
        for (long ud : new long[] {o.readUd, o.writeUd, o.connectUd, o.acceptUd}) {
            if (ud >= 0) {
                cancelled.remove(ud);
                complete(ud, result, 0, null);
            }
        }
        o.readUd = o.writeUd = o.connectUd = o.acceptUd = -1;
    }

    /**
     * Carries out what is posted on a handle, as far as the socket lets it: when it is ready, and once when it is
     * posted ({@code submitting}: io_uring too tries an operation at once when it is submitted, and waits only if it
     * would block). Writes go before reads, as a ring that sends before it finds the end of stream.
     */
    private void attempt(Ops o, boolean submitting) {
        dirty.add(o);
        if (o.connectUd >= 0) {
            long ud = o.connectUd;
            int result;
            try {
                if (!ops.finishConnect(o.handle)) {
                    return;
                }
                result = 0;
            } catch (IOException e) {
                result = -errno(e);
            }
            o.connectUd = -1;
            complete(ud, result, 0, null);
        }
        if (o.writeUd >= 0) {
            long ud = o.writeUd;
            ByteBuffer[] srcs = new ByteBuffer[o.count];
            for (int i = 0; i < o.count; i++) {
                srcs[i] = o.srcs[o.off + i].duplicate(); // positions are not moved
            }
            int result;
            try {
                long n = ops.write(o.handle, srcs, 0, srcs.length);
                result = n == NetOps.WOULD_BLOCK ? Integer.MIN_VALUE : (int) n;
            } catch (IOException e) {
                result = -errno(e);
            }
            if (result != Integer.MIN_VALUE) {
                o.writeUd = -1;
                complete(ud, result, 0, null);
            }
        }
        for (int i = 0; i < 64 && o.acceptUd >= 0; i++) {
            long ud = o.acceptUd;
            Handle h;
            try {
                h = ops.accept(o.handle);
            } catch (IOException e) {
                o.acceptUd = -1;
                complete(ud, -errno(e), 0, null);
                break;
            }
            if (h == null) {
                break;
            }
            int fd = ((FdHandle) h).fd();
            acceptedHandles.put(fd, h);
            complete(ud, fd, MORE, null);
        }
        if (o.readUd >= 0 && !(submitting && o.await)) {
            long ud = o.readUd;
            if (o.await) {
                o.readUd = -1;
                complete(ud, 0, 0, null);
            } else {
                ByteBuffer dst = o.readAny ? readBuffer.clear().limit(o.readMax) : o.readDst.duplicate();
                long n;
                int result;
                try {
                    n = ops.read(o.handle, new ByteBuffer[] {dst}, 0, 1);
                    result = (int) n;
                } catch (IOException e) {
                    n = 0;
                    result = -errno(e);
                }
                if (n != NetOps.WOULD_BLOCK) {
                    o.readUd = -1;
                    if (o.readAny && result > 0) {
                        readBuffer.flip();
                        complete(ud, result, BUFFER, readBuffer);
                    } else {
                        complete(ud, result, 0, null);
                    }
                }
            }
        }
    }

    /** Delivers one completion, counting it for {@link #poll}'s result. */
    private void complete(long ud, int result, int flags, ByteBuffer data) {
        if (table.complete(ud, result, flags, data)) {
            delivered++;
        }
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
