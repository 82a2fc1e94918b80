package io.jevent.examples;

import io.jevent.EventBase;
import io.jevent.buffer.EvBuffer;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * One document the fetch example retrieves: an HTTP GET ({@link HttpGet}) or a local file ({@link FileGet}). It ends
 * once, with a body or a failure, and then tells its owner. The body is kept in memory: in a caller buffer sized
 * from the Content-Length, or in an {@link EvBuffer} that the connection's input segments are moved into (no copy).
 * Loop thread only.
 */
abstract class Transfer {
    /** What is fetched. */
    final URI uri;
    /** The loop. */
    final EventBase base;
    private final Consumer<Transfer> onDone;
    /** Most body bytes accepted ({@code --max-body}): a larger body is a failure, never a memory sink. */
    final long maxBody;
    private final long startNanos = System.nanoTime();
    /** The body when its length was not known up front. */
    final EvBuffer body = new EvBuffer();
    /** The body when its length was known: a buffer of that size, filled from position 0. */
    ByteBuffer fixed;
    private long endNanos;
    /** The body's size once {@link #takeBody} took it; -1 before. */
    private long taken = -1;
    private Throwable failure;
    private boolean ended;

    Transfer(EventBase base, URI uri, long maxBody, Consumer<Transfer> onDone) {
        this.base = base;
        this.uri = uri;
        this.maxBody = maxBody;
        this.onDone = onDone;
    }

    /**
     * Ends the transfer with a failure if {@link #body} grew past {@link #maxBody}.
     *
     * @return whether the body is within the limit
     */
    final boolean bodyWithinLimit() {
        if (body.length() <= maxBody) {
            return true;
        }
        finish(new IOException("the body is over the limit of " + maxBody + " bytes (--max-body)"));
        return false;
    }

    /** Starts the transfer; it ends later, on the loop, through {@link #finish}. */
    abstract void start();

    /** Releases the connection or file; called once, by {@link #finish}. */
    abstract void release();

    /** Bytes of the body received so far. */
    long received() {
        if (taken >= 0) {
            return taken;
        }
        return fixed != null ? fixed.position() : body.length();
    }

    /** Bytes the body will have, or -1 when not known. */
    long expected() {
        return fixed != null ? fixed.capacity() : -1;
    }

    /** Ends the transfer: ok when {@code cause} is null. Only the first call counts. */
    final void finish(Throwable cause) {
        if (ended) {
            return;
        }
        ended = true;
        failure = cause;
        endNanos = System.nanoTime();
        release();
        onDone.accept(this);
    }

    /** Whether it has ended. */
    boolean ended() {
        return ended;
    }

    /** Why it failed, or null. */
    Throwable failure() {
        return failure;
    }

    /** Seconds from start to end. */
    double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    /**
     * The whole body, for the digest and saving; takes it out of the transfer (the {@link EvBuffer} is emptied).
     * Call once, after a successful end.
     */
    ByteBuffer takeBody() {
        ByteBuffer b;
        if (fixed != null) {
            b = fixed.flip();
        } else {
            byte[] a = new byte[(int) body.length()];
            body.remove(a, 0, a.length);
            b = ByteBuffer.wrap(a);
        }
        taken = b.remaining();
        return b;
    }

    /**
     * The name to save the body under: the last segment of the (decoded) path, or {@code index.html} when that is
     * empty or names a directory ({@code .}, {@code ..}, which would leave the output directory).
     */
    String fileName() {
        String p = uri.getPath();
        String name = p == null ? "" : p.substring(p.lastIndexOf('/') + 1);
        return name.isEmpty() || name.equals(".") || name.equals("..") ? "index.html" : name;
    }
}
