/**
 * Machinery behind {@link io.jevent.EventBase} that users never name: backend discovery ({@code Backends}: every
 * {@link io.jevent.spi.Backend} on the class path or module path, found once through
 * {@link java.util.ServiceLoader}, most preferred first), the signal relay ({@code SignalRelay}: one JVM signal
 * handler per signal, handing each delivery to the task queues of the bases listening for it), and the Flight
 * Recorder events ({@code SlowCallback}, {@code ConnectionOpen}, {@code ConnectionClose}, {@code TlsHandshake}, all
 * off unless a recording enables them), with {@code FlightEvents}, the allocation-free check of whether a recording
 * wants one, and {@code SlowCallbackTimer}, which times a loop's callbacks only in passes where one does; the
 * bufferevent module emits the connection and TLS events. The timer heap, the common-timeout queues and the
 * changelist stay package-private in {@code io.jevent}, next to the event fields they touch. Not an API; may change
 * at any time.
 */
package io.jevent.internal;
