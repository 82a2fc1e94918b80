package io.jevent.bufferevent;

/** Options for making a {@link BufferEvent}, combined with {@code |}, as libevent's {@code BEV_OPT_*}. */
public final class BevOption {
    /** Closing the BufferEvent closes what it wraps: the handle, or the underlying BufferEvent of a filter. */
    public static final int CLOSE_ON_FREE = 0x01;
    /**
     * Any thread may call the BufferEvent's methods; calls from other threads are handed to the loop thread.
     * The {@link BufferEvent#input()} and {@link BufferEvent#output()} buffers themselves stay loop-thread only:
     * from other threads use {@link BufferEvent#write(byte[])} and friends.
     */
    public static final int THREADSAFE = 0x02;
    /** Callbacks run from the loop's task queue, never re-entrantly from inside the BufferEvent's own work. */
    public static final int DEFER_CALLBACKS = 0x04;

    static final int ALL = CLOSE_ON_FREE | THREADSAFE | DEFER_CALLBACKS;

    private BevOption() {
    }

    static void check(int options) {
        if ((options & ~ALL) != 0) {
            throw new IllegalArgumentException("unknown BufferEvent options 0x" + Integer.toHexString(options & ~ALL)
                    + "; use BevOption.CLOSE_ON_FREE | THREADSAFE | DEFER_CALLBACKS");
        }
    }
}
