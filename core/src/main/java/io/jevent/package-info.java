/**
 * The event loop: {@link io.jevent.EventBase}, {@link io.jevent.Event}, {@link io.jevent.EventConfig},
 * the {@link io.jevent.Ev} flags and the callback interfaces. libevent users will recognise every name.
 *
 * <p>Design notes. All of a base's state is confined to its loop thread; other threads reach it through a task
 * queue and a backend wake-up, never through locks on the dispatch path. Events, I/O slots, the timer heap
 * ({@code TimerHeap}), common-timeout FIFOs ({@link io.jevent.CommonTimeout}) and the per-priority active queues
 * are intrusive structures over the event objects themselves, so dispatching allocates nothing. The base
 * delegates to two package-private parts with one job each: {@code IoTable} (watched handles, the token table the
 * backend reports into, and the changelist) and {@code TimerQueue} (the heap and the common-timeout FIFOs). They
 * and the other classes that touch {@code Event}'s fields ({@code TimerHeap}, {@code IoSlot}) stay package-private
 * here instead of in {@code io.jevent.internal}, so that those fields need not become public API.
 */
package io.jevent;
