/**
 * The event loop: {@link io.jevent.EventBase}, {@link io.jevent.Event}, {@link io.jevent.EventConfig},
 * the {@link io.jevent.Ev} flags and the callback interfaces. libevent users will recognise every name.
 *
 * <p>Design notes. All of a base's state is confined to one owner thread at a time; other threads reach it through
 * a task queue and a backend wake-up, never through locks on the dispatch path. {@code LoopOwner} holds the owner
 * rule and the hand-off: the thread running the loop acts without a lock; while no loop runs, the last loop's (or
 * the creating) thread acts under a monitor that a {@code loop()} starting elsewhere takes first, which is what
 * makes starting a loop on another thread safe; a thread that is neither looper nor holder never takes that
 * monitor (it queues), so a producer never waits for application code the holder runs under it; after
 * {@code close()} any thread may release what is left, and {@code close()} itself carries out the releases other
 * threads had queued. Work
 * running off the loop ({@link io.jevent.InFlightWork}: lookups, TLS tasks) counts as pending until its result is
 * back. Events, I/O slots, the timer heap
 * ({@code TimerHeap}), common-timeout FIFOs ({@link io.jevent.CommonTimeout}) and the per-priority active queues
 * are intrusive structures over the event objects themselves, so dispatching allocates nothing. An event runs at
 * most {@code jevent.eventRunsPerPass} times per loop pass; activations past that wait in a next-pass list that
 * the next poll does not block on, so an event that keeps activating itself cannot hold the loop. The base
 * delegates to two package-private parts with one job each: {@code IoTable} (watched handles, the token table the
 * backend reports into, and the changelist) and {@code TimerQueue} (the heap and the common-timeout FIFOs). They
 * and the other classes that touch {@code Event}'s fields ({@code TimerHeap}, {@code IoSlot}) stay package-private
 * here instead of in {@code io.jevent.internal}, so that those fields need not become public API.
 *
 * <p>Many cores. {@link io.jevent.EventBaseGroup} runs N bases on a thread each, made from one configuration, and
 * hands them out round-robin or by handle; a connection lives on one loop, and work crosses loops only as tasks.
 * Its graceful shutdown closes registered listeners first, then lets each loop run until it has been quiet (no
 * callback, task or I/O report but the check's own) for the quiet period or the timeout passed. Quiet is read from
 * {@code LoopCounters}, the plain per-loop counters behind {@link io.jevent.EventBase#statistics()}, written by the
 * loop thread and published by one volatile write per poll; they also hold the stall detector
 * ({@link io.jevent.EventConfig#warnOnStall}), which times callbacks only when it is on.
 */
package io.jevent;
