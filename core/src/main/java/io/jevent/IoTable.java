package io.jevent;

import io.jevent.spi.Handle;
import io.jevent.spi.Readiness;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The base's handles and libevent's <em>changelist</em>: one {@link IoSlot} per watched handle, found by handle when
 * events are added and by token (an index into {@link #slots}) when the backend reports readiness; interest
 * changes mark a slot dirty and are sent to the backend once per slot, just before the next poll. Tokens of
 * released slots are reused. Loop thread only.
 *
 * <p><b>Descriptor reuse.</b> Handles are found by {@code equals}, and a dead {@code FdHandle} equals the new one
 * that was given its number. The map therefore holds a slot for a handle <em>object</em>: when an event arrives
 * on a different object than its slot's, {@link #insert} decides who gets which slot.
 * <ul>
 *   <li>The slot's handle is closed: the slot is detached (the backend forgets it without touching the number,
 *       since the handle's close took it out of epoll's set) and the new handle gets a slot, a token
 *       and a registration of its own. A one-shot's batched removal and a new add on the reused number can thus
 *       no longer cancel out into "no change".</li>
 *   <li>The new object is the closed one: it gets a slot of its own, never mapped, whose registration the
 *       backend refuses (its events are woken to meet the error); the live socket's slot is left alone.</li>
 *   <li>Both look open: the descriptor was wrapped twice, or closed outside {@code NetOps} and reopened. The slot
 *       is shared and re-sent to the backend, which repairs a registration the kernel dropped (epoll's MOD, then
 *       ADD on ENOENT).</li>
 * </ul>
 */
final class IoTable {
    private static final Logger log = LoggerFactory.getLogger(IoTable.class);

    private final EventBase base;
    private final Readiness readiness;
    private final String backendName;
    private final Map<Handle, IoSlot> byHandle = new HashMap<>();
    private IoSlot[] slots = new IoSlot[64];
    private int[] freeTokens = new int[16];
    private int freeTokenCount;
    private int nextToken;
    /** Slots whose interest changed since the last poll, linked through {@link IoSlot#nextDirty}. */
    private IoSlot dirtyHead;

    IoTable(EventBase base, Readiness readiness, String backendName) {
        this.base = base;
        this.readiness = readiness;
        this.backendName = backendName;
    }

    /** The live slot of {@code h}, or null. */
    IoSlot slotFor(Handle h) {
        return byHandle.get(h);
    }

    /** Adds an I/O event to its handle's slot (made on first use). */
    void insert(Event e) {
        IoSlot s = byHandle.get(e.handle);
        if (s != null && s.handle != e.handle) {
            s = takeOver(s, e.handle);
        }
        if (s == null) {
            int token = freeTokenCount > 0 ? freeTokens[--freeTokenCount] : nextToken++;
            if (token >= slots.length) {
                IoSlot[] bigger = new IoSlot[slots.length * 2];
                System.arraycopy(slots, 0, bigger, 0, slots.length);
                slots = bigger;
            }
            s = new IoSlot(e.handle, token);
            slots[token] = s;
            byHandle.putIfAbsent(e.handle, s); // a dead handle never displaces the live one that has its number
        } else if (s.head != null && ((s.interest ^ e.events) & Ev.ET) != 0) {
            throw new IllegalArgumentException("events on one handle must all be edge-triggered or all level-"
                    + "triggered; " + e + " differs from " + s.head);
        }
        s.append(e);
        setInterest(s, s.computeInterest());
    }

    /**
     * {@code h} is equal to {@code s.handle} (the same descriptor number) but another object. Returns the slot
     * {@code h} shares, or {@code null} when {@code h} needs a slot of its own.
     */
    private IoSlot takeOver(IoSlot s, Handle h) {
        if (!h.isOpen()) {
            // an event added on a dead handle: a slot of its own, unmapped, whose registration will be refused
            return null;
        }
        if (!s.handle.isOpen()) {
            log.debug("{}: {} was closed and {} has its number: new registration", backendName, s.handle, h);
            byHandle.remove(s.handle, s);
            if (s.head == null) {
                flush(s); // forgets the dead registration now, before the new one is sent; releases the slot
            }
            // else: events still wait on the dead handle; the slot goes when they are removed
            return null;
        }
        log.debug("{}: {} and {} name one descriptor: registration sent again", backendName, s.handle, h);
        s.handle = h;
        s.resync = true;
        markDirty(s);
        return s;
    }

    /** Takes an I/O event out of its slot; the slot's new interest is sent before the next poll. */
    void remove(Event e) {
        IoSlot s = e.slot;
        s.unlink(e);
        setInterest(s, s.computeInterest());
    }

    private void setInterest(IoSlot s, int interest) {
        if (s.interest == interest) {
            return;
        }
        s.interest = interest;
        markDirty(s);
    }

    private void markDirty(IoSlot s) {
        if (!s.dirty) {
            s.dirty = true;
            s.nextDirty = dirtyHead;
            dirtyHead = s;
        }
    }

    /** Sends every dirty slot's interest to the backend: at most one update per handle per loop iteration. */
    void applyChanges() {
        IoSlot s = dirtyHead;
        dirtyHead = null;
        while (s != null) {
            IoSlot next = s.nextDirty;
            s.nextDirty = null;
            s.dirty = false;
            if (s.live) {
                flush(s);
            }
            s = next;
        }
    }

    /** Sends one slot's interest now, and releases the slot when nothing waits on it any more. */
    void flush(IoSlot s) {
        if (s.interest != s.applied || s.resync) {
            int old = s.applied;
            s.applied = s.interest;
            s.resync = false;
            try {
                readiness.update(s.handle, s.token, old, s.interest);
            } catch (IOException ex) {
                // The handle cannot be watched (closed, not pollable): wake its events so that their next read or
                // write meets the error and reports it; nothing is swallowed.
                log.debug("backend {} refused {} for {}: {}", backendName, Ev.toString(s.interest), s.handle,
                        ex.toString());
                for (Event e = s.head; e != null; e = e.slotNext) {
                    base.activate(e, e.events & Ev.IO_MASK);
                }
            }
        }
        if (s.interest == 0 && s.head == null) {
            s.live = false;
            byHandle.remove(s.handle, s); // a stale slot is no longer mapped; another may be under an equal handle
            slots[s.token] = null;
            if (freeTokenCount == freeTokens.length) {
                int[] bigger = new int[freeTokens.length * 2];
                System.arraycopy(freeTokens, 0, bigger, 0, freeTokenCount);
                freeTokens = bigger;
            }
            freeTokens[freeTokenCount++] = s.token;
        }
    }

    /** The backend's report: activates each event of the slot whose interest matches. No allocation. */
    void onReady(int token, int bits) {
        IoSlot s = token < slots.length ? slots[token] : null;
        if (s == null) {
            return;
        }
        for (Event e = s.head; e != null; e = e.slotNext) {
            int what = bits & e.events & Ev.IO_MASK;
            if (what != 0) {
                base.activate(e, what);
            }
        }
    }
}
