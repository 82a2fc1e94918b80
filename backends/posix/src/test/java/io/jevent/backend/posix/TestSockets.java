package io.jevent.backend.posix;

import io.jevent.backend.posix.internal.Errors;
import io.jevent.backend.posix.internal.LibC;
import io.jevent.backend.posix.internal.NativeMemory;
import io.jevent.spi.Handle;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Socket options the NetOps does not offer, needed by tests. */
public final class TestSockets {
    private static final int SO_LINGER = 13;

    private TestSockets() {
    }

    /** SO_LINGER {1, 0}: the next close sends RST. */
    public static void setLingerZero(Handle h) throws IOException {
        ByteBuffer linger = NativeMemory.allocate(8);
        linger.putInt(0, 1).putInt(4, 0);
        Errors.check("setsockopt", LibC.setsockopt(PosixNetOps.fdHandle(h).fd(), LibC.SOL_SOCKET, SO_LINGER,
                NativeMemory.address(linger), 8));
    }
}
