package io.jevent.bufferevent;

import io.jevent.conformance.ConformanceBackend;
import io.jevent.EventBase;
import io.jevent.Ev;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Test;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.*;

@ConformanceBackend("emulated")
class TmpDebugTest extends BevTestSupport {
    @Test
    void t() throws Exception {
        EventBase base = newBase();
        List<Throwable> reported = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> { System.err.println("reported " + t); reported.add(t); });
        List<Handle> accepted = new ArrayList<>();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            System.err.println("accept " + h);
            if (accepted.isEmpty() && reported.isEmpty()) {
                throw new IllegalStateException("an application bug while accepting");
            }
            accepted.add(h);
        });
        SocketAddress addr = l.localAddress();
        SocketBufferEvent second = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        second.setCallbacks(null, null, (b, reasons, cause) -> { System.err.println("second " + BevEvent.toString(reasons)); base.loopBreak(); });
        SocketBufferEvent first = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        first.setCallbacks(null, null, (b, reasons, cause) -> {
            System.err.println("first " + BevEvent.toString(reasons) + " " + cause);
            if (reasons != BevEvent.CONNECTED) {
                b.close();
                second.connect(addr);
            }
        });
        first.enable(Ev.READ);
        first.connect(addr);
        loopWithin(base, 0, Duration.ofSeconds(3));
    }
}
