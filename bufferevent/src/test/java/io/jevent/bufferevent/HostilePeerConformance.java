package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A peer whose bytes make the application's callback throw (a request it rejects by throwing, as parsers do), on the
 * backend under test. The base's error handler gets the exception and the loop goes on; what must also hold is
 * that the connection goes on being reported: an EOF or error that came with the rejected bytes still reaches the
 * event callback, or the application never learns that the peer left and never closes the connection.
 */
public abstract class HostilePeerConformance extends BevTestSupport {

    @Test
    void shouldStillDeliverTheEofDeferredWithDataWhoseReadCallbackThrew() {
        EventBase base = newBase();
        List<Throwable> thrown = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> thrown.add(t));
        BufferEvent[] pair = BufferEvent.pair(base, BevOption.DEFER_CALLBACKS);
        List<String> events = new ArrayList<>();
        pair[1].setCallbacks(b -> {
            throw new IllegalArgumentException("the application rejects what the peer sent");
        }, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons));
            b.close();
            base.loopBreak();
        });
        pair[1].enable(Ev.READ);
        pair[0].write("bad request\n".getBytes(StandardCharsets.US_ASCII));
        pair[0].close(); // hands the bytes over, then EOF: both reach the other end in one deferred batch
        loopWithin(base, LoopFlag.NO_EXIT_ON_EMPTY, Duration.ofSeconds(10));
        assertEquals(1, thrown.size(), thrown.toString());
        assertEquals(List.of("READING|EOF"), events, "the EOF deferred with the data still arrives");
    }
}
