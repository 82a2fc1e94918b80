package io.jevent.internal;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * JFR event {@code io.jevent.SlowCallback}: an event callback or a loop task that ran at least the threshold (default
 * 100 ms, the recording's {@code threshold} setting changes it). Its duration is the callback's run; its thread is
 * the loop thread, which served no other event meanwhile. Off unless a recording enables it; see
 * {@link FlightEvents} for what it costs either way.
 */
@Name("io.jevent.SlowCallback")
@Label("Slow Callback")
@Category({"jevent", "Loop"})
@Description("An event callback or loop task that held its loop thread for at least the threshold")
@Enabled(false)
@Threshold("100 ms")
@StackTrace(false)
public final class SlowCallback extends Event {
    /** "event" for an event callback, "task" for a task run by the loop. */
    @Label("Kind")
    @Description("event: an event callback; task: a Runnable run by the loop")
    public String kind;

    /** The event (its handle and what fired) or the task, as text. */
    @Label("What")
    @Description("The event (handle, events that fired) or the task")
    public String what;

    /** The callback's or the task's class. */
    @Label("Callback Class")
    public Class<?> callbackClass;

    /** The base's backend. */
    @Label("Backend")
    public String backend;
}
