package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.Eol;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;

/** The README's low-level example, kept here so that it always compiles and runs ({@code quickstart}). */
final class QuickStart {
    private QuickStart() {
    }

    static int run(String[] args) throws IOException {
        // --- README snippet starts
        try (EventBase base = EventBase.create()) {                     // epoll on Linux, else poll, else NIO
            Handle[] pair = base.netOps().socketPair();                 // connected, non-blocking
            EvBuffer in = new EvBuffer();
            base.newEvent(pair[0], Ev.READ | Ev.PERSIST, (ev, what) -> {
                try {
                    if (what == Ev.TIMEOUT || in.readFrom(pair[0], base.netOps()) == 0) {
                        ev.close();                                     // silence or EOF: give up
                    }
                } catch (IOException e) {
                    ev.close();
                }
                String line = in.readLine(Eol.LF, UTF_8);              // a whole line, or null
                if (line != null) {
                    System.out.println("got: " + line);
                    ev.close();                                         // nothing left pending: dispatch returns
                }
            }).add(Duration.ofSeconds(5));                              // READ, or TIMEOUT after 5 s of silence
            EvBuffer out = new EvBuffer();
            out.add("hello, loop\n", UTF_8);
            new Thread(() -> base.execute(() -> {                       // any thread hands work to the loop
                try {
                    out.writeTo(pair[1], base.netOps());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            })).start();
            base.dispatch();
            base.netOps().close(pair[0]);
            base.netOps().close(pair[1]);
        }
        // --- README snippet ends
        return 0;
    }
}
