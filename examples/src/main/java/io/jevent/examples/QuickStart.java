package io.jevent.examples;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.buffer.Eol;
import io.jevent.buffer.EvBuffer;
import io.jevent.spi.Handle;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

import static java.nio.charset.StandardCharsets.UTF_8;

/** The README's low-level example, kept here so that it always compiles and runs ({@code quickstart}). */
final class QuickStart {
    static final Usage USAGE = new Usage("quickstart", "", "the README's low-level example: a socket pair, an"
            + " EvBuffer, a cross-thread task")
            .describe("Runs the README's first example on the default backend (JEVENT_BACKEND or -Djevent.backend"
                    + " pick another): a line written into one end of a socket pair by another thread is read on the"
                    + " loop and printed ('got: hello, loop'), and the loop ends. It takes no options.");

    private QuickStart() {
    }

    /** The {@code quickstart} command. */
    static int run(String[] argv, PrintStream out, PrintStream err) throws IOException {
        return Args.run(USAGE, argv, out, err, a -> {
            String o = a.next(); // --help ends here
            if (o != null) {
                throw a.usageError("unknown option " + o);
            }
            a.checkDefaultBackend(); // the snippet's EventBase.create() honours JEVENT_BACKEND
            return run();
        });
    }

    private static int run() throws IOException {
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
