package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.spi.Handle;

/**
 * One end of an in-memory pair (libevent's {@code bufferevent_pair}). Bytes move from this end's output to the
 * partner's input by relinking segments ({@code EvBuffer.removeBuffer}), within the partner's read high
 * watermark, when both this end writes and the partner reads. The move runs from an activated event, never
 * from inside the user's {@code output().add()}.
 *
 * <p>Closing one end first moves what the partner can take, then gives the partner READING|EOF; the rest is
 * dropped, as libevent does. {@code flush(WRITE, FINISHED)} ends the stream without dropping anything: the partner
 * gets READING|EOF once this end's output has all been handed over, however long the partner's read high
 * watermark makes that take (an EOF must follow all the data before it, see {@link BevEvent#EOF}).
 */
final class PairBufferEvent extends BufferEvent {
    private PairBufferEvent partner;
    private Event transfer;
    /** The partner was given EOF. */
    private boolean finished;
    /** The WRITING|ERROR for writing to a closed partner was reported (once). */
    private boolean peerGoneReported;
    /** flush(FINISHED) was asked for: give the partner EOF as soon as the output is empty. */
    private boolean finishWhenDrained;

    private PairBufferEvent(EventBase base, int options) {
        super(base, options);
    }

    static BufferEvent[] create(EventBase base, int options) {
        PairBufferEvent a = new PairBufferEvent(base, options);
        PairBufferEvent b = new PairBufferEvent(base, options);
        a.partner = b;
        b.partner = a;
        return new BufferEvent[] {a, b};
    }

    @Override
    public Handle handle() {
        return null;
    }

    private void scheduleTransfer() {
        if (isClosed()) {
            return;
        }
        if (transfer == null) {
            transfer = base.newUserEvent((ev, w) -> transferNow());
        }
        transfer.activate(Ev.WRITE);
    }

    private void transferNow() {
        PairBufferEvent p = partner;
        if (p == null && !isClosed() && output.length() > 0 && !peerGoneReported) {
            // like EPIPE on a socket: bytes written to an end whose partner is gone are never delivered, and the
            // writer is told so instead of watching its output grow
            peerGoneReported = true;
            fireEvent(BevEvent.WRITING | BevEvent.ERROR, new java.io.IOException("the other end of the pair is"
                    + " closed; " + output.length() + " byte(s) cannot be delivered"));
            return;
        }
        if (p == null || isClosed() || !writeWanted() || !p.readWanted()) {
            return;
        }
        long n = Math.min(output.length(), p.readAllowance(Long.MAX_VALUE));
        n = Math.min(n, rateLimitWriteQuota());
        if (n <= 0) {
            return;
        }
        output.removeBuffer(p.input, n);
        p.readDone(n);
        writeDone(n);
        finishIfDrained();
    }

    private void finishIfDrained() {
        if (finishWhenDrained && !isClosed() && output.length() == 0) {
            finish();
        }
    }

    @Override
    protected void readInterestChanged(boolean wanted) {
        if (wanted && partner != null && partner.output.length() > 0) {
            partner.scheduleTransfer();
        }
    }

    @Override
    protected void writeInterestChanged(boolean wanted) {
        if (wanted && output.length() > 0) {
            scheduleTransfer();
        }
    }

    @Override
    protected void outputReady() {
        scheduleTransfer();
    }

    @Override
    protected void flushEngine(int what, FlushMode mode) {
        if ((what & Ev.WRITE) != 0) {
            if (mode == FlushMode.FINISHED) {
                finishWhenDrained = true;
            }
            transferNow();
            finishIfDrained();
        }
    }

    private void finish() {
        PairBufferEvent p = partner;
        if (p != null && !finished) {
            finished = true;
            p.fireEvent(BevEvent.READING | BevEvent.EOF, null);
        }
    }

    @Override
    protected void closeEngine() {
        PairBufferEvent p = partner;
        if (transfer != null) {
            transfer.close();
        }
        if (p != null) {
            // hand over what the partner can still take; closing drops the rest, as libevent does
            long n = Math.min(output.length(), p.readAllowance(Long.MAX_VALUE));
            if (n > 0 && !p.isClosed()) {
                output.removeBuffer(p.input, n);
                p.readDone(n);
            }
            finish();
            p.partner = null;
            partner = null;
            if (p.output.length() > 0) {
                p.scheduleTransfer(); // the partner's pending output can no longer go anywhere: tell it
            }
        }
    }

    @Override
    public String toString() {
        return "PairBufferEvent[in " + input.length() + ", out " + output.length() + (isClosed() ? ", closed" : "")
                + "]";
    }
}
