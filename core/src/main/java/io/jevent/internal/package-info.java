/**
 * Machinery behind {@link io.jevent.EventBase} that users never name: backend discovery ({@code Backends}: every
 * {@link io.jevent.spi.Backend} on the class path or module path, found once through
 * {@link java.util.ServiceLoader}, most preferred first) and the signal relay ({@code SignalRelay}: one JVM signal handler per signal, handing each
 * delivery to the task queues of the bases listening for it). The timer heap, the common-timeout queues and the
 * changelist stay package-private in {@code io.jevent}, next to the event fields they touch. Not an API; may change
 * at any time.
 */
package io.jevent.internal;
