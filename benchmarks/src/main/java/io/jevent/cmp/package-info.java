/**
 * The Java servers of the comparison runner ({@code benchmarks/run.sh}): one echo server program that runs as
 * jevent (epoll, poll, nio, uring), Netty (epoll, io_uring, NIO) or a hand-written plain-NIO Selector loop, so that
 * the C load generator in {@code benchmarks/native/} drives every system the same way. Each server answers
 * {@code STATS}/{@code HEAP}/{@code QUIT} on stdin for the runner; a system this machine cannot run says
 * {@code SKIP <reason>} and exits, and the runner reports the row as skipped. Benchmark code only; nothing here
 * ships.
 */
package io.jevent.cmp;
