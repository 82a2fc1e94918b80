package io.jevent.buffer;

/**
 * Told after an {@link EvBuffer}'s content changed (libevent {@code evbuffer_cb_func}). Called on the buffer's
 * thread right after the change, or, once {@link EvBuffer#deferCallbacks} is set, later through that executor with
 * the changes summed since the previous call.
 */
@FunctionalInterface
public interface BufferCallback {
    /**
     * @param buffer the buffer that changed
     * @param originalLength its length before the (first summed) change
     * @param added bytes added since
     * @param deleted bytes deleted since
     */
    void onChange(EvBuffer buffer, long originalLength, long added, long deleted);
}
