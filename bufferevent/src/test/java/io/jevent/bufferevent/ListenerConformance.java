package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.Event;
import io.jevent.EventBase;
import io.jevent.LoopFlag;
import io.jevent.conformance.Descriptors;
import io.jevent.spi.Handle;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Listener}: bursts, enable/disable, accept errors and the EMFILE back-off, on the backend under test. */
public abstract class ListenerConformance extends BevTestSupport {

    private static void closeAll(List<? extends Closeable> cs) {
        for (Closeable c : cs) {
            try {
                c.close();
            } catch (IOException ignored) {
                // cleanup
            }
        }
        cs.clear();
    }

    @Test
    void shouldAcceptBurstOfTwoHundredConnections() throws IOException {
        EventBase base = newBase();
        int conns = 200;
        List<Handle> accepted = new ArrayList<>();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, 511, (li, h) -> {
            accepted.add(h);
            if (accepted.size() == conns) {
                li.close();
            }
        });
        List<SocketChannel> clients = new ArrayList<>();
        try {
            SocketAddress addr = l.localAddress();
            for (int i = 0; i < conns; i++) {
                clients.add(SocketChannel.open(addr)); // completes in the kernel's backlog
            }
            loopWithin(base, 0, Duration.ofSeconds(20));
            assertEquals(conns, accepted.size());
            for (Handle h : accepted) {
                netOps().close(h);
            }
        } finally {
            closeAll(clients);
        }
    }

    /**
     * An accept callback that throws does not leak the accepted connection: the listener closes it (the client
     * sees its end), the exception goes to the base's error handler, and accepting goes on.
     */
    @Test
    void shouldCloseTheAcceptedHandleWhenTheAcceptCallbackThrows() throws IOException {
        EventBase base = newBase();
        List<Throwable> reported = new ArrayList<>();
        base.setCallbackErrorHandler((ev, t) -> reported.add(t));
        List<Handle> accepted = new ArrayList<>();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            if (accepted.isEmpty() && reported.isEmpty()) {
                throw new IllegalStateException("an application bug while accepting");
            }
            accepted.add(h);
        });
        SocketAddress addr = l.localAddress();
        SocketBufferEvent second = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        second.setCallbacks(null, null, (b, reasons, cause) -> base.loopBreak());
        SocketBufferEvent first = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        int[] firstEnd = {0};
        first.setCallbacks(null, null, (b, reasons, cause) -> {
            if (reasons != BevEvent.CONNECTED) {
                firstEnd[0] = reasons; // the server's end was closed: EOF (or a reset)
                b.close();
                second.connect(addr);
            }
        });
        first.enable(Ev.READ);
        first.connect(addr);
        loopWithin(base, 0, Duration.ofSeconds(10));
        assertTrue((firstEnd[0] & (BevEvent.EOF | BevEvent.ERROR)) != 0 && (firstEnd[0] & BevEvent.READING) != 0,
                "the first client saw " + BevEvent.toString(firstEnd[0]));
        assertEquals(1, reported.size(), "the exception reached the base's error handler: " + reported);
        assertEquals("an application bug while accepting", reported.get(0).getMessage());
        long wait = System.nanoTime() + 10_000_000_000L;
        while (accepted.isEmpty() && System.nanoTime() < wait) {
            loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(10));
        }
        assertEquals(1, accepted.size(), "the listener went on accepting");
        netOps().close(accepted.get(0));
        second.close();
        l.close();
    }

    @Test
    void shouldLeaveConnectionsInBacklogWhileDisabledAndAcceptAfterEnable() throws IOException {
        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        int[] atCheck = {-1};
        Runnable[] acceptedFirst = {null};
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR | Listener.DISABLED, (li, h) -> {
            accepted.add(h);
            if (accepted.size() == 1) {
                acceptedFirst[0].run();
            }
            if (accepted.size() == 4) {
                li.close();
            }
        });
        assertFalse(l.isEnabled());
        List<SocketChannel> clients = new ArrayList<>();
        try {
            SocketAddress addr = l.localAddress();
            clients.add(SocketChannel.open(addr));
            // Each step waits for the one before it rather than for a fixed time since the start: a loop thread
            // paused past several fixed deadlines would run them in one pass, with no poll in between.
            base.newTimer((ev, w) -> {
                atCheck[0] = accepted.size(); // DISABLED at bind: nothing accepted yet
                l.enable();
            }).add(Duration.ofMillis(60));
            Runnable disableAndQueueThree = () -> {
                l.disable();
                try {
                    for (int i = 0; i < 3; i++) {
                        clients.add(SocketChannel.open(addr));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                // 100 ms of polls in which the three wait in the backlog of a disabled listener
                base.newTimer((ev, w) -> {
                    atCheck[0] = atCheck[0] * 10 + accepted.size(); // disabled: the new three still wait
                    l.enable();
                }).add(Duration.ofMillis(100));
            };
            acceptedFirst[0] = () -> base.newTimer((ev, w) -> disableAndQueueThree.run()).add(Duration.ZERO);
            loopWithin(base, 0, Duration.ofSeconds(20));
            assertEquals(1, atCheck[0], "0 accepted while DISABLED, then 1 and nothing more while disabled()");
            assertEquals(4, accepted.size(), "the backlog was accepted after enable()");
            for (Handle h : accepted) {
                netOps().close(h);
            }
        } finally {
            closeAll(clients);
        }
    }

    @Test
    void shouldBackOffWithoutSpinningWhenOutOfDescriptorsAndAcceptAfterRelease() throws Exception {
        long limit = Descriptors.openFileLimit();
        String[] fds = new File("/proc/self/fd").list();
        Assumptions.assumeTrue(limit > 0 && fds != null,
                "[" + backendName() + "] needs /proc/self/limits and /proc/self/fd to size the descriptor table");
        long budget = limit - fds.length + 64;
        Assumptions.assumeTrue(budget <= 100_000, "[" + backendName() + "] descriptor limit " + limit
                + " is too high to exhaust cheaply in a test");

        EventBase base = newBase();
        List<Handle> accepted = new ArrayList<>();
        List<IOException> errors = new ArrayList<>();
        List<Boolean> pausedFlags = new ArrayList<>();
        boolean[] releasedAll = {false};
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, (li, h) -> {
            accepted.add(h);
            if (releasedAll[0]) {
                li.close();
            }
        });
        l.setErrorCallback((li, e, paused) -> {
            errors.add(e);
            pausedFlags.add(paused);
        });
        SocketAddress addr = l.localAddress();
        // warm up the accept path and the timer heap, so that no class has to be loaded from disk while
        // there is no descriptor to load it with
        try (SocketChannel warm = SocketChannel.open(addr)) {
            Event stop = base.newTimer((ev, w) -> base.loopBreak());
            stop.add(Duration.ofMillis(1));
            while (accepted.isEmpty()) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(5));
            }
            netOps().close(accepted.remove(0));
            stop.close();
        }
        Class.forName("io.jevent.spi.ErrnoException");
        assertTrue(Listener.isResourceExhaustion(new IOException("Too many open files")));

        SocketChannel client = SocketChannel.open(); // holds its descriptor already: connecting needs none
        int[] passes = {0};
        boolean[] windowOver = {false};
        Event window = base.newTimer((ev, w) -> windowOver[0] = true);
        List<Closeable> hog = new ArrayList<>();
        try {
            hog = Descriptors.exhaust(budget);
            client.connect(addr); // lands in the backlog; accepting it needs a descriptor we do not have
            window.add(Duration.ofMillis(200));
            while (!windowOver[0]) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(5));
                passes[0]++;
            }
        } finally {
            closeAll(hog);
        }
        try {
            assertFalse(errors.isEmpty(), "the error callback was not told about EMFILE");
            assertTrue(accepted.isEmpty(), "accepted although no descriptor was free");
            // back-off 10, 20, 40, 80 ms...: about 4 retries in 200 ms; a spinning loop would make thousands
            assertTrue(errors.size() <= 8, "accept retried " + errors.size() + " times in 200 ms: the loop spins");
            assertTrue(passes[0] <= 20, passes[0] + " loop passes in 200 ms: the loop spins");
            for (int i = 0; i < errors.size(); i++) {
                assertTrue(pausedFlags.get(i), "EMFILE must pause accepting: " + errors.get(i));
                assertTrue(Listener.isResourceExhaustion(errors.get(i)), "not reported as EMFILE: " + errors.get(i));
            }

            releasedAll[0] = true;
            loopWithin(base, 0, Duration.ofSeconds(10)); // ends when the listener closes after accepting
            assertEquals(1, accepted.size(), "the pending connection was accepted once descriptors were free");
            netOps().close(accepted.get(0));
        } finally {
            client.close();
            l.close();
        }
    }

    /**
     * Clients that reset their connection before it is accepted, mixed with clients that stay: the listener accepts
     * on, its error callback hears nothing (a reset in the backlog is the peer's business, not the listener's
     * failure), and every client that stayed is accepted.
     */
    @Test
    void shouldAcceptOnWithoutErrorsWhenPeersResetInTheBacklog() throws IOException {
        EventBase base = newBase();
        int rounds = 300;
        List<Handle> accepted = new ArrayList<>();
        List<IOException> errors = new ArrayList<>();
        Listener l = Listener.bind(base, loopback0(), Listener.REUSEADDR, 511, (li, h) -> accepted.add(h));
        l.setErrorCallback((li, e, paused) -> errors.add(e));
        List<SocketChannel> stayed = new ArrayList<>();
        try {
            SocketAddress addr = l.localAddress();
            for (int i = 0; i < rounds; i++) {
                SocketChannel gone = SocketChannel.open(addr);
                gone.setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
                gone.close(); // RST while the connection waits in the backlog, or just after its accept
                stayed.add(SocketChannel.open(addr));
                if (i % 50 == 49) {
                    loopWithin(base, LoopFlag.NONBLOCK, Duration.ofSeconds(10));
                }
            }
            long wait = System.nanoTime() + 20_000_000_000L;
            while (accepted.size() < 2 * rounds && System.nanoTime() < wait && errors.isEmpty()) {
                loopWithin(base, LoopFlag.ONCE, Duration.ofSeconds(20));
            }
            assertEquals(List.of(), errors, "the listener's error callback");
            assertEquals(2 * rounds, accepted.size(), "every connection, reset or not, was accepted once");
            for (Handle h : accepted) {
                netOps().close(h);
            }
            l.close();
        } finally {
            closeAll(stayed);
        }
    }
}
