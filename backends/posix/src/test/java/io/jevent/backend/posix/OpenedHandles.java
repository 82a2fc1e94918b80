package io.jevent.backend.posix;

import io.jevent.spi.Handle;
import io.jevent.spi.NetOps;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The handles a test opened, to close after it; a test that closes one itself may remove it or leave it. */
public final class OpenedHandles {
    private final List<Handle> handles = new ArrayList<>();

    /** Closes {@code h} after the test; returns it. */
    public <H extends Handle> H add(H h) {
        handles.add(h);
        return h;
    }

    /** A socket pair from {@code ops}, closed after the test. */
    public Handle[] pair(NetOps ops) throws IOException {
        Handle[] p = ops.socketPair();
        handles.add(p[0]);
        handles.add(p[1]);
        return p;
    }

    /** The {@code i}th handle added. */
    public Handle get(int i) {
        return handles.get(i);
    }

    /** Forgets {@code h}: the test closed it. */
    public void remove(Handle h) {
        handles.remove(h);
    }

    /** Closes them all through {@code ops}, ignoring those the test closed already. */
    public void closeAll(NetOps ops) {
        for (Handle h : handles) {
            try {
                ops.close(h);
            } catch (IOException ignored) {
                // closed by the test already
            }
        }
        handles.clear();
    }
}
