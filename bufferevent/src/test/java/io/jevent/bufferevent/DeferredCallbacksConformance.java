package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The order in which deferred callbacks ({@link BevOption#DEFER_CALLBACKS}) run, on the backend under test. */
public abstract class DeferredCallbacksConformance extends BevTestSupport {

    @Test
    void shouldDeliverConnectedBeforeWriteCallbackThatClosesWithDeferredCallbacks() throws IOException {
        EventBase base = newBase();
        List<String> serverSaw = new ArrayList<>();
        StringBuilder serverGot = new StringBuilder();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            SocketBufferEvent s = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE
                    | BevOption.DEFER_CALLBACKS);
            s.setCallbacks(b -> serverGot.append(new String(SocketBufferEventConformance.drainAll(b),
                    StandardCharsets.US_ASCII)), null, (b, reasons, cause) -> {
                        serverSaw.add(BevEvent.toString(reasons));
                        b.close();
                        li.close();
                        base.loopBreak();
                    });
            s.enable(Ev.READ);
        });
        List<String> clientSaw = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE
                | BevOption.DEFER_CALLBACKS);
        c.setCallbacks(null, b -> {
            clientSaw.add("write");
            b.close(); // the request is sent: done, as a fire-and-forget client is
        }, (b, reasons, cause) -> clientSaw.add(BevEvent.toString(reasons)));
        c.write("hello".getBytes(StandardCharsets.US_ASCII));
        c.connect(l.localAddress());
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals(List.of("CONNECTED", "write"), clientSaw, "the connect happened before the write");
        assertEquals("hello", serverGot.toString());
        assertEquals(List.of("READING|EOF"), serverSaw);
    }

    @Test
    void shouldDeliverConnectedOnItsOwnBeforeReadAndEofWithDeferredCallbacks() throws IOException {
        EventBase base = newBase();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            SocketBufferEvent s = SocketBufferEvent.create(base, h, BevOption.CLOSE_ON_FREE);
            s.setCallbacks(null, BufferEvent::close, null); // send the greeting, then close: FIN right after it
            s.write("greeting".getBytes(StandardCharsets.US_ASCII));
            li.close();
        });
        List<String> saw = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE
                | BevOption.DEFER_CALLBACKS);
        c.setCallbacks(b -> saw.add("read " + new String(SocketBufferEventConformance.drainAll(b),
                StandardCharsets.US_ASCII)), null, (b, reasons, cause) -> {
                    saw.add(BevEvent.toString(reasons));
                    if (reasons != BevEvent.CONNECTED) {
                        b.close();
                        base.loopBreak();
                    }
                });
        c.enable(Ev.READ);
        c.connect(l.localAddress());
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertEquals("CONNECTED", saw.get(0), saw.toString());
        assertEquals("READING|EOF", saw.get(saw.size() - 1), saw.toString());
        StringBuilder read = new StringBuilder();
        for (String s : saw.subList(1, saw.size() - 1)) {
            assertEquals("read ", s.substring(0, 5), saw.toString());
            read.append(s.substring(5));
        }
        assertEquals("greeting", read.toString());
    }
}
