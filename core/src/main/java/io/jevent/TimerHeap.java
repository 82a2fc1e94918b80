package io.jevent;

import java.util.Arrays;

/**
 * A binary min-heap of events ordered by (deadline, insertion sequence), libevent's {@code minheap-internal.h}.
 * Each event keeps its own index ({@link Event#heapIndex}), so removal and rescheduling are O(log n) with no
 * search and no allocation once the array has grown. Loop thread only.
 *
 * <p>Lives in {@code io.jevent} rather than {@code io.jevent.internal} because it works on {@link Event}'s
 * package-private fields; putting it elsewhere would mean making those fields public API.
 */
final class TimerHeap {
    private Event[] heap = new Event[64];
    private int size;

    int size() {
        return size;
    }

    Event peek() {
        return size == 0 ? null : heap[0];
    }

    void push(Event e) {
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        siftUp(size++, e);
    }

    Event pop() {
        if (size == 0) {
            return null;
        }
        Event top = heap[0];
        Event last = heap[--size];
        heap[size] = null;
        if (size > 0) {
            siftDown(0, last);
        }
        top.heapIndex = -1;
        return top;
    }

    void remove(Event e) {
        int i = e.heapIndex;
        if (i < 0) {
            return;
        }
        Event last = heap[--size];
        heap[size] = null;
        if (i != size) {
            // the last element takes e's place and moves whichever way restores the order
            if (i > 0 && less(last, heap[(i - 1) >>> 1])) {
                siftUp(i, last);
            } else {
                siftDown(i, last);
            }
        }
        e.heapIndex = -1;
    }

    private static boolean less(Event a, Event b) {
        long d = a.deadline - b.deadline;
        return d < 0 || (d == 0 && a.seq < b.seq);
    }

    private void siftUp(int i, Event e) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Event p = heap[parent];
            if (!less(e, p)) {
                break;
            }
            heap[i] = p;
            p.heapIndex = i;
            i = parent;
        }
        heap[i] = e;
        e.heapIndex = i;
    }

    private void siftDown(int i, Event e) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Event c = heap[child];
            int right = child + 1;
            if (right < size && less(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!less(c, e)) {
                break;
            }
            heap[i] = c;
            c.heapIndex = i;
            i = child;
        }
        heap[i] = e;
        e.heapIndex = i;
    }

    /** For tests: whether every parent is ordered before its children and every index field is right. */
    boolean isValid() {
        for (int i = 0; i < size; i++) {
            if (heap[i].heapIndex != i) {
                return false;
            }
            if (i > 0 && less(heap[i], heap[(i - 1) >>> 1])) {
                return false;
            }
        }
        return true;
    }
}
