package io.jevent.buffer;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Told when an {@link EvBuffer} no longer references caller memory ({@link EvBuffer#addReference}) or a file
 * region ({@link EvBuffer#addFile}): every byte of it has been drained, removed or written, or the buffer was
 * cleared. Runs on the thread that drained it (the loop thread). libevent's {@code evbuffer_ref_cleanup_cb}.
 */
@FunctionalInterface
public interface ReferenceCleanup {
    /**
     * @param data the caller's buffer as it was passed in, or null for a file region
     * @param channel the file channel for a file region, or null for memory
     */
    void release(ByteBuffer data, FileChannel channel);
}
