/**
 * The IOCP backend (Windows x64): {@link io.jevent.backend.iocp.IocpBackend} (found through
 * {@link java.util.ServiceLoader}; preference 60, after nio, so it is chosen by name or by
 * {@code requireFeatures(COMPLETIONS)}), its availability holder {@link io.jevent.backend.iocp.Iocp}, Winsock
 * {@link io.jevent.backend.iocp.IocpNetOps} on {@link io.jevent.backend.iocp.SocketHandle}s (64-bit SOCKETs), and
 * per base a readiness that keeps the NIO selector for events and an IOCP completion engine for BufferEvents and the
 * Listener.
 *
 * <p><b>Operations</b> are overlapped Winsock calls whose OVERLAPPED starts the operation slot's long-lived native
 * memory, so the completed OVERLAPPED's address names the slot, and the user data (slot and generation, from
 * {@link io.jevent.spi.OperationTable}) written beside it tells a late completion from the slot's next owner.
 * Sockets are associated with the port at their first post, with {@code FILE_SKIP_COMPLETION_PORT_ON_SUCCESS}: an
 * operation that finishes at once is completed by the engine at the next delivery.
 *
 * <p><b>Idle connections pin nothing.</b> readAny and awaitReadable post a zero-byte {@code WSARecv}; readAny reads
 * only when it completes, non-blocking, into one buffer per engine. So a waiting connection lends the kernel no
 * memory, which on Windows would be locked non-paged memory.
 *
 * <p><b>Waiting.</b> A base owns its port and waits on it ({@code GetQueuedCompletionStatusEx}) while it has no NIO
 * registration, woken by a posted packet; with one, a helper thread dequeues the port and wakes the selector. With
 * {@code jevent.iocp.threads=N}, N threads dequeue one shared port and hand each completion to its base's loop
 * through an allocation-free ring, by the completion key of the socket.
 *
 * <p>Native bindings and layouts live in {@code internal}; the bindings are registered only on Windows, so the
 * module's classes load (and its plain-Java parts are tested) everywhere.
 */
package io.jevent.backend.iocp;
