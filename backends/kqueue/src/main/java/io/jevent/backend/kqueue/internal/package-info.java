/**
 * Internal: the kqueue bindings ({@code KqueueNative}), the choice of the library they come from
 * ({@code KqueueLibrary}, which loads nothing, so a reason can name it) and the
 * {@code struct kevent} layouts of macOS, FreeBSD, OpenBSD, NetBSD and libkqueue ({@code KeventLayout}). Not an
 * API. No JNA {@code Structure}: changes and events are written and read straight in direct buffers, so one
 * {@code kevent} call costs one JNI transition however many changes and events it carries.
 */
package io.jevent.backend.kqueue.internal;
