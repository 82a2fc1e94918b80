package io.jevent.internal;

/**
 * An event callback of the library's own (a BufferEvent's socket event, its deferred-callback event, a TLS pump)
 * that runs user callbacks, and can say which one it ran: so that the stall detector and the Flight Recorder's
 * {@code io.jevent.SlowCallback} name the user's class, not the library's plumbing. Asked only when a callback is
 * reported (it ran past a threshold), never on the dispatch path.
 */
public interface AttributedCallback {
    /** {@return the user callback this one ran last in its current or latest run, or null if it ran none} */
    Object userCallback();

    /**
     * The callback to name for {@code callback}: the user callback it ran, followed through layers (a TLS layer's
     * pump running the user's read callback), or {@code callback} itself.
     *
     * @param callback an event's callback, or a task
     * @return the innermost user callback known, never null
     */
    static Object resolve(Object callback) {
        Object c = callback;
        for (int depth = 0; depth < 16 && c instanceof AttributedCallback; depth++) {
            Object inner = ((AttributedCallback) c).userCallback();
            if (inner == null) {
                break;
            }
            c = inner;
        }
        return c;
    }
}
