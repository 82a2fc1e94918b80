package io.jevent.bufferevent;

import io.jevent.backend.posix.PosixNetOps;
import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.ChannelHandle;
import io.jevent.spi.FdHandle;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.NetworkChannel;

/**
 * Shrinks a socket's kernel buffers (SO_SNDBUF, SO_RCVBUF), which {@code NetOps} does not offer, so a peer that
 * never reads fills them within a few KiB and what is written after stays in the BufferEvent's output. Native
 * handles go through setsockopt(2), NIO handles through {@code setOption}. Tests only.
 */
public final class SocketBuffers {
    /** Linux's {@code SO_SNDBUF}. */
    private static final int SO_SNDBUF = 7;
    /** Linux's {@code SO_RCVBUF}. */
    private static final int SO_RCVBUF = 8;

    private SocketBuffers() {
    }

    /** Asks for {@code bytes} of send buffer (the kernel doubles it and applies its minimum). */
    public static void shrinkSend(Handle h, int bytes) throws IOException {
        set(h, SO_SNDBUF, bytes);
    }

    /**
     * Asks for {@code bytes} of receive buffer. On a listening socket, before the connection is accepted, it also
     * bounds the window the accepted socket advertises.
     */
    public static void shrinkReceive(Handle h, int bytes) throws IOException {
        set(h, SO_RCVBUF, bytes);
    }

    private static void set(Handle h, int name, int bytes) throws IOException {
        if (h instanceof ChannelHandle) {
            NetworkChannel ch = (NetworkChannel) ((ChannelHandle) h).channel();
            ch.setOption(name == SO_SNDBUF ? StandardSocketOptions.SO_SNDBUF : StandardSocketOptions.SO_RCVBUF, bytes);
            return;
        }
        FdHandle fd = PosixNetOps.fdHandle(h);
        ByteBuffer value = NativeMemory.allocate(4);
        value.putInt(0, bytes);
        Errors.check("setsockopt", LibC.setsockopt(fd.fd(), LibC.SOL_SOCKET, name, NativeMemory.address(value), 4));
    }
}
