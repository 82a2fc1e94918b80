/**
 * Internal: libc bindings ({@code LibC}), errno interpretation ({@code Errors}), native memory
 * ({@code NativeMemory}, {@code ThreadScratch}), hand-written sockaddr codecs ({@code SockAddr}), vectored I/O
 * ({@code VectorIo}) and the wake-up descriptor ({@code Waker}).
 *
 * <p>Public only so that the epoll module (another package) can share it; not an API, no compatibility
 * promise. Nothing here uses a JNA {@code Structure}: every struct is encoded by hand in native memory, because
 * a {@code Structure} argument costs several times the call itself.
 */
package io.jevent.backend.posix.internal;
