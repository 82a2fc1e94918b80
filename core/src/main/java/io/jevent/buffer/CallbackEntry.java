package io.jevent.buffer;

/** A callback registered with {@link EvBuffer#addCallback}: disable, enable or remove it (libevent {@code evbuffer_cb_entry}). */
public final class CallbackEntry {
    final BufferState owner;
    final BufferCallback callback;
    /** Called only while true. */
    boolean enabled = true;

    CallbackEntry(BufferState owner, BufferCallback callback) {
        this.owner = owner;
        this.callback = callback;
    }

    /**
     * Enables or disables the callback without removing it.
     *
     * @param enabled {@code true} to have it called on changes, {@code false} to skip it
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** {@return whether the callback is called} */
    public boolean isEnabled() {
        return enabled;
    }

    /** Removes the callback; removing twice is a no-op. */
    public void remove() {
        owner.removeCallback(this);
    }
}
