/**
 * JMH benchmarks of the event loop ({@code io.jevent}): what one pass of {@link io.jevent.EventBase#loop} costs,
 * and how the loop dispatches many descriptors (a port of libevent's {@code test/bench.c}).
 *
 * <p>Every jevent benchmark takes the backend name as a {@code @Param} ({@code epoll}, {@code poll},
 * {@code nio}), so one run measures them side by side on the same machine and the ratios to epoll are meaningful.
 * Bases are built with {@code new EventConfig().method(name).ignoreEnvironment(true)}: {@code JEVENT_BACKEND} cannot
 * silently swap the backend under a figure. {@link io.jevent.bench.NioDispatchBench} is the same dispatch benchmark
 * written on a bare {@link java.nio.channels.Selector}, the baseline a Java user would otherwise write.
 *
 * <p>State is {@code Scope.Thread}: JMH runs {@code @Setup} on the benchmark thread, which thereby owns the base
 * (see {@link io.jevent.EventBase}'s confinement rule), so nothing measured goes through the cross-thread task
 * queue.
 *
 * <p>How to run them and what each figure means: {@code benchmarks/README.md}; the figures themselves:
 * {@code docs/benchmarks.md}.
 */
package io.jevent.bench;
