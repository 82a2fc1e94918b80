/**
 * Internal: the io_uring system calls ({@code UringNative}, through {@code syscall(2)} by JNA direct mapping), the
 * struct offsets ({@code *Layout}), the ring itself ({@code Ring}: mmapped SQ/CQ, acquire/release on their indices,
 * the one enter that submits and waits) and the provided-buffer ring ({@code BufferRing}). Not an API. No JNA
 * {@code Structure}: everything is read and written in direct buffers at the kernel's offsets.
 */
package io.jevent.backend.uring.internal;
