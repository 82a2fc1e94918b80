package io.jevent.backend.posix.internal;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The descriptor number behind a JDK {@link FileChannel}, for {@code sendfile(2)}. The JDK does not expose it: this
 * reads the private {@code FileChannelImpl.fd} and {@code FileDescriptor.fd} fields through
 * {@code sun.misc.Unsafe} (module jdk.unsupported; what {@link NativeMemory} does for buffer addresses, and netty's
 * native code does for file regions). Probed once; when refused, or for a channel of another class (an in-memory
 * file system's, say), {@link #of} answers -1 and the caller copies the file through memory instead.
 */
public final class FileDescriptors {
    private static final Logger LOG = LoggerFactory.getLogger(FileDescriptors.class);

    /** {@code sun.misc.Unsafe}, or null when the descriptor cannot be read. */
    private static final sun.misc.Unsafe UNSAFE;
    /** The JDK's file channel class ({@code sun.nio.ch.FileChannelImpl}), or null. */
    private static final Class<?> CHANNEL_CLASS;
    /** Offset of {@code FileChannelImpl.fd} (a {@link FileDescriptor}). */
    private static final long CHANNEL_FD_OFFSET;
    /** Offset of {@code FileDescriptor.fd} (an int). */
    private static final long FD_OFFSET;

    static {
        sun.misc.Unsafe unsafe = null;
        Class<?> cls = null;
        long chOff = -1;
        long fdOff = -1;
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = (sun.misc.Unsafe) f.get(null);
            cls = Class.forName("sun.nio.ch.FileChannelImpl");
            chOff = unsafe.objectFieldOffset(cls.getDeclaredField("fd"));
            fdOff = unsafe.objectFieldOffset(FileDescriptor.class.getDeclaredField("fd"));
            int probe = unsafe.getInt(FileDescriptor.in, fdOff);
            if (probe != 0) {
                throw new IllegalStateException("FileDescriptor.in reads as descriptor " + probe + ", not 0");
            }
        } catch (Throwable t) {
            LOG.debug("files are sent by copying through memory: a FileChannel's descriptor cannot be read", t);
            unsafe = null;
            cls = null;
        }
        UNSAFE = unsafe;
        CHANNEL_CLASS = cls;
        CHANNEL_FD_OFFSET = chOff;
        FD_OFFSET = fdOff;
    }

    private FileDescriptors() {
    }

    /**
     * The descriptor of {@code channel}, valid while it stays open, or -1 when it cannot be known here.
     *
     * @throws ClosedChannelException if the channel is closed
     */
    public static int of(FileChannel channel) throws ClosedChannelException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (UNSAFE == null || channel.getClass() != CHANNEL_CLASS) {
            return -1;
        }
        Object fd = UNSAFE.getObject(channel, CHANNEL_FD_OFFSET);
        return fd instanceof FileDescriptor ? UNSAFE.getInt(fd, FD_OFFSET) : -1;
    }
}
