/**
 * Internal: the epoll bindings ({@code EpollNative}) and the {@code struct epoll_event} offsets
 * ({@code EpollEventLayout}). Not an API. No JNA {@code Structure}: events are read straight from a direct
 * buffer, so {@code epoll_wait} costs one JNI transition whatever the number of events.
 */
package io.jevent.backend.epoll.internal;
