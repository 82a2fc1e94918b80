package io.jevent;

import io.jevent.spi.Handle;

/**
 * The base's record of one handle: the events waiting on it, the interest they add up to, and the interest the
 * backend was last told. The difference between the two is libevent's <em>changelist</em>: a slot whose interest
 * changes goes on the dirty list and is sent to the backend once, before the next poll, however many times its
 * events were added and removed in between. Loop thread only.
 *
 * <p>A slot belongs to one handle <em>object</em>. When its handle is closed and another socket receives the same
 * descriptor number, that socket gets a slot of its own (see {@link IoTable#insert}); the old slot then lives on,
 * out of the table's handle map, only until its events are removed.
 */
final class IoSlot {
    /** The handle registered; replaced only by another live handle object on the same descriptor. */
    Handle handle;
    /** What the backend reports back for this handle; index into the base's slot table. */
    final int token;
    Event head;
    Event tail;
    /** OR of the events' READ/WRITE/CLOSED bits, plus ET if they are edge-triggered. */
    int interest;
    /** What the backend was last told. */
    int applied;
    boolean dirty;
    /**
     * Send {@link #interest} to the backend at the next flush even if it equals {@link #applied}: another handle
     * object took over the descriptor, and the backend's registration may be for a socket that no longer exists.
     */
    boolean resync;
    /** False once released; a released slot still on the dirty list is skipped. */
    boolean live = true;
    IoSlot nextDirty;

    IoSlot(Handle handle, int token) {
        this.handle = handle;
        this.token = token;
    }

    void append(Event e) {
        e.slot = this;
        e.slotPrev = tail;
        e.slotNext = null;
        if (tail == null) {
            head = e;
        } else {
            tail.slotNext = e;
        }
        tail = e;
    }

    void unlink(Event e) {
        if (e.slotPrev == null) {
            head = e.slotNext;
        } else {
            e.slotPrev.slotNext = e.slotNext;
        }
        if (e.slotNext == null) {
            tail = e.slotPrev;
        } else {
            e.slotNext.slotPrev = e.slotPrev;
        }
        e.slot = null;
        e.slotPrev = null;
        e.slotNext = null;
    }

    int computeInterest() {
        int bits = 0;
        for (Event e = head; e != null; e = e.slotNext) {
            bits |= e.events & (Ev.IO_MASK | Ev.ET);
        }
        return bits;
    }
}
