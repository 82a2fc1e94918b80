package io.jevent;

/** Flags for {@link EventBase#loop(int)}, combined with {@code |}, as libevent's {@code EVLOOP_*}. */
public final class LoopFlag {
    /** Block until at least one event is active, run the active callbacks, then return. */
    public static final int ONCE = 0x01;
    /** Do not block: run whatever is ready now, then return. */
    public static final int NONBLOCK = 0x02;
    /** Keep looping even when no events are pending, until {@code loopExit}/{@code loopBreak}. */
    public static final int NO_EXIT_ON_EMPTY = 0x04;

    private LoopFlag() {
    }
}
