/**
 * Machinery behind {@link io.jevent.EventBase} that users never name: backend discovery, the timer heap and
 * common-timeout queues, the cross-thread task queue and the signal relay. Not an API; may change at any time.
 */
package io.jevent.internal;
