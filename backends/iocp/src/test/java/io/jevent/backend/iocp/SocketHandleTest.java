package io.jevent.backend.iocp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jevent.spi.ChannelHandle;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.Pipe;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The SOCKET handle's lifetime (plain Java, so it runs everywhere) and the wrong-kind errors of the NetOps and the
 * engine, which are thrown before any native call.
 */
class SocketHandleTest {
    /** 0: acquire, 1: release, 2: close (as {@code IocpNetOps.close} does: mark, hold, release). */
    @Property(tries = 300)
    void shouldCloseTheSocketOnceAndOnlyWhenNoCallIsInFlight(
            @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 2) Integer> ops) {
        SocketHandle h = new SocketHandle(0x1234_5678_9aL);
        boolean open = true;
        int inFlight = 0;
        int closes = 0;
        for (int op : ops) {
            if (op == 0) {
                if (open) {
                    assertEquals(0x1234_5678_9aL, assertDoesNotThrow(h));
                    inFlight++;
                } else {
                    assertThrows(ClosedChannelException.class, h::acquire);
                }
            } else if (op == 1) {
                if (inFlight == 0) {
                    assertThrows(IllegalStateException.class, h::release);
                } else {
                    inFlight--;
                    boolean mustClose = h.release();
                    assertEquals(!open && inFlight == 0, mustClose);
                    closes += mustClose ? 1 : 0;
                }
            } else {
                boolean first = h.markClosedAndHold();
                assertEquals(open, first);
                if (first) {
                    open = false;
                    boolean mustClose = h.release();
                    assertEquals(inFlight == 0, mustClose, "closesocket now only if nothing is in flight");
                    closes += mustClose ? 1 : 0;
                }
            }
            assertEquals(open, h.isOpen());
            assertEquals(inFlight, h.inFlight());
            assertTrue(closes <= 1, "closed twice");
            assertEquals(!open && inFlight == 0 ? 1 : 0, closes);
        }
    }

    private static long assertDoesNotThrow(SocketHandle h) {
        try {
            return h.acquire();
        } catch (ClosedChannelException e) {
            throw new AssertionError("acquire of an open handle threw", e);
        }
    }

    @Test
    void shouldRefuseInvalidSocketValues() {
        assertThrows(IllegalArgumentException.class, () -> new SocketHandle(-1L));
        assertThrows(IllegalArgumentException.class, () -> new SocketHandle(0L));
        assertEquals(new SocketHandle(1L << 40), new SocketHandle(1L << 40)); // 64-bit values are kept whole
    }

    @Test
    void shouldRefuseAChannelHandleInNetOpsAndInTheEngineBeforeAnyNativeCall() throws Exception {
        Pipe pipe = Pipe.open();
        try {
            ChannelHandle ch = new ChannelHandle(pipe.source());
            IllegalArgumentException ops = assertThrows(IllegalArgumentException.class,
                    () -> IocpNetOps.instance().read(ch, new ByteBuffer[] {ByteBuffer.allocateDirect(1)}, 0, 1));
            assertTrue(ops.getMessage().contains("SocketHandles made by its NetOps"), ops.getMessage());
            IocpEngine engine = new IocpEngine(null, 0L, 1L, null);
            IllegalArgumentException posted = assertThrows(IllegalArgumentException.class,
                    () -> engine.read(ch, ByteBuffer.allocateDirect(8), (r, f, d) -> { }));
            assertTrue(posted.getMessage().contains("ChannelHandle"), posted.getMessage());
            assertThrows(IllegalArgumentException.class, () -> engine.cancel(ch, (r, f, d) -> { }));
            assertFalse(engine.inFlight() != 0, "nothing was recorded");
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
    }
}
