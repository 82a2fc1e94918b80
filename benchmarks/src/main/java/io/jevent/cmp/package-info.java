/**
 * The Java servers of the comparison runner ({@code benchmarks/run.sh}): one echo server program that runs as
 * jevent (epoll, poll, nio), Netty (epoll, NIO) or a hand-written plain-NIO Selector loop, so that the C load
 * generator in {@code benchmarks/native/} drives every system the same way. Each server answers
 * {@code STATS}/{@code HEAP}/{@code QUIT} on stdin for the runner. Benchmark code only; nothing here ships.
 */
package io.jevent.cmp;
