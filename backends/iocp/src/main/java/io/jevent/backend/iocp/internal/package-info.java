/**
 * IOCP internals: the kernel32/ws2_32 direct mappings ({@code WinNative}, registered on Windows only) and the
 * extension functions found through {@code WSAIoctl} ({@code Extensions}); {@code *Layout} classes for the x64 structs
 * (OVERLAPPED, OVERLAPPED_ENTRY, WSABUF, sockaddr_in/in6 with AF_INET6 = 23, GUID), read and written in native memory
 * we own, never as JNA Structures; Windows error names and the NTSTATUS translation ({@code WinErrors}); per-slot
 * native memory whose addresses map back to slots ({@code SlotMemory}); and the multi-producer ring that hands
 * completions from dequeuer threads to a loop ({@code CompletionRing}). All but the bindings are plain Java, tested on
 * every platform.
 */
package io.jevent.backend.iocp.internal;
