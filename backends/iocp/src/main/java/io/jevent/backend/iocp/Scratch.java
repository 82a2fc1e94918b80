package io.jevent.backend.iocp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One thread's native memory for the synchronous Winsock calls (sockaddr, lengths, flags, fd_sets, WSABUF arrays), so
 * that a call allocates nothing once the thread has its scratch. Offsets below; {@link #WSABUFS} holds
 * {@link #MAX_WSABUFS} entries.
 */
final class Scratch {
    static final int ADDR = 0;
    static final int LEN = 128;
    static final int ARG = 136;
    static final int BYTES = 144;
    static final int FLAGS = 148;
    static final int FD_WRITE = 256;
    static final int FD_EXCEPT = FD_WRITE + 520;
    static final int TIMEVAL = FD_EXCEPT + 520;
    static final int WSABUFS = 1312;
    static final int MAX_WSABUFS = 64;
    static final int SIZE = WSABUFS + MAX_WSABUFS * 16;

    private static final ThreadLocal<Scratch> MINE = ThreadLocal.withInitial(Scratch::new);

    final Memory memory = new Memory(SIZE);
    final ByteBuffer buf = memory.getByteBuffer(0, SIZE).order(ByteOrder.nativeOrder());
    final long base = Pointer.nativeValue(memory);

    static Scratch get() {
        return MINE.get();
    }
}
