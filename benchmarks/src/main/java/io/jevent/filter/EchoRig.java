package io.jevent.filter;

/**
 * A client and an echo server over loopback TCP, each on its own event-loop thread, connected (and, with TLS,
 * handshaken) at construction. {@link #echo} streams bytes through the echo with a bounded window and waits for
 * all of them to come back.
 */
interface EchoRig extends AutoCloseable {
    /** Bytes per write call on the client. */
    int WRITE = 16 * 1024;
    /** Most bytes written but not yet echoed back: the client writes more as echoes arrive. */
    int WINDOW = 256 * 1024;

    /**
     * Writes {@code bytes} in {@link #WRITE}-byte writes, at most {@link #WINDOW} ahead of what has come back, and
     * returns once all of it has been echoed. Called from the benchmark thread; the work runs on the client loop.
     *
     * @throws IllegalStateException if the connection failed or the echo took more than 60 s
     */
    void echo(long bytes) throws InterruptedException;

    @Override
    void close() throws Exception;
}
