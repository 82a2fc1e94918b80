/**
 * Internal: libc bindings ({@code LibC}), errno interpretation ({@code Errors}), native memory
 * ({@code NativeMemory}, {@code ThreadScratch}), hand-written sockaddr codecs ({@code SockAddr}), vectored I/O
 * ({@code VectorIo}), the wake-up descriptor ({@code Waker}) and the system they are written for ({@code Os}).
 *
 * <p>Public only so that the epoll and kqueue modules (other packages) can share it; not an API, no compatibility
 * promise. Nothing here uses a JNA {@code Structure}: every struct is encoded by hand in native memory, because
 * a {@code Structure} argument costs several times the call itself.
 */
package io.jevent.backend.posix.internal;
