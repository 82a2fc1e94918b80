package io.jevent.backend.posix.internal;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The descriptor number behind a JDK {@link FileChannel}, for {@code sendfile(2)}. The JDK does not expose it: this
 * reads the private {@code FileChannelImpl.fd} and {@code FileDescriptor.fd} fields by reflection, which the JDK
 * allows only when the application opens those packages to us: on the class path
 * {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED} on the command line,
 * or {@code Add-Opens: java.base/sun.nio.ch java.base/java.io} in an executable jar's manifest (the examples' jar has
 * it); on the module path the same flags with this module's name, {@code io.jevent.backend.posix}, for
 * {@code ALL-UNNAMED} (the manifest entry does not apply there). Without them, or for a channel of another class (an
 * in-memory file system's, say), {@link #of} answers -1 and the caller copies the file through memory instead; the
 * choice is probed once and logged at debug, naming the flags for where jevent runs.
 * ({@code sun.misc.Unsafe} would read the fields without the flags, but JDK 24 and later warn about it and later
 * releases remove it.)
 */
public final class FileDescriptors {
    private static final Logger LOG = LoggerFactory.getLogger(FileDescriptors.class);

    /** The JDK's file channel class ({@code sun.nio.ch.FileChannelImpl}), or null when descriptors cannot be read. */
    private static final Class<?> CHANNEL_CLASS;
    /** {@code FileChannelImpl.fd} (a {@link FileDescriptor}), accessible; null when unavailable. */
    private static final Field CHANNEL_FD;
    /** {@code FileDescriptor.fd} (an int), accessible; null when unavailable. */
    private static final Field FD;

    static {
        Class<?> cls = null;
        Field channelFd = null;
        Field fd = null;
        try {
            cls = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = cls.getDeclaredField("fd");
            channelFd.setAccessible(true);
            fd = FileDescriptor.class.getDeclaredField("fd");
            fd.setAccessible(true);
            int probe = fd.getInt(FileDescriptor.in);
            if (probe != 0) {
                throw new IllegalStateException("FileDescriptor.in reads as descriptor " + probe + ", not 0");
            }
            LOG.debug("file segments go out through sendfile: FileChannel descriptors are readable");
        } catch (Throwable t) {
            LOG.debug("file segments are copied through memory: a FileChannel's descriptor cannot be read (for"
                    + " sendfile, run java with {})", openFlags(FileDescriptors.class.getModule()), t);
            cls = null;
            channelFd = null;
            fd = null;
        }
        CHANNEL_CLASS = cls;
        CHANNEL_FD = channelFd;
        FD = fd;
    }

    private FileDescriptors() {
    }

    /**
     * The flags that open what this class reads to {@code module}: its name on the module path, {@code ALL-UNNAMED}
     * on the class path.
     *
     * @param module the module this class is in
     * @return the two {@code --add-opens} flags, space-separated
     */
    static String openFlags(Module module) {
        String target = module.isNamed() ? module.getName() : "ALL-UNNAMED";
        return "--add-opens java.base/sun.nio.ch=" + target + " --add-opens java.base/java.io=" + target;
    }

    /**
     * Whether descriptors can be read here (the packages are open to jevent).
     *
     * @return true if {@link #of} can answer for the JDK's own file channels
     */
    public static boolean available() {
        return CHANNEL_CLASS != null;
    }

    /**
     * The descriptor of {@code channel}, valid while it stays open, or -1 when it cannot be known here. Allocates
     * nothing.
     *
     * @param channel an open file channel
     * @return its descriptor, or -1
     * @throws ClosedChannelException if the channel is closed
     */
    public static int of(FileChannel channel) throws ClosedChannelException {
        if (!channel.isOpen()) {
            throw new ClosedChannelException();
        }
        if (CHANNEL_CLASS == null || channel.getClass() != CHANNEL_CLASS) {
            return -1;
        }
        try {
            Object fd = CHANNEL_FD.get(channel);
            return fd instanceof FileDescriptor ? FD.getInt(fd) : -1;
        } catch (IllegalAccessException e) {
            return -1; // made accessible in the initialiser: cannot happen
        }
    }
}
