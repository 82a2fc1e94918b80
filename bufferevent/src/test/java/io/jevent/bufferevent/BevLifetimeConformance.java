package io.jevent.bufferevent;

import io.jevent.EventBase;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Lifetimes: off-loop work (a host-name lookup) keeps the loop alive, and its late answer goes nowhere. */
public abstract class BevLifetimeConformance extends BevTestSupport {

    /** Runs every lookup handed to the resolver only when told to, on a thread of its own. */
    private static final class HeldLookups implements Executor {
        final List<Runnable> held = new CopyOnWriteArrayList<>();

        @Override
        public void execute(Runnable lookup) {
            held.add(lookup);
        }

        /** Runs the held lookups (real ones: InetAddress) on a new thread. */
        Thread releaseOnNewThread(AtomicReference<Throwable> failure) {
            Thread t = new Thread(() -> {
                try {
                    held.forEach(Runnable::run);
                } catch (Throwable e) {
                    failure.set(e);
                }
            }, "released-lookup");
            t.start();
            return t;
        }
    }

    @Test
    void shouldKeepDispatchRunningWhileAHostNameLookupIsInFlight() throws Exception {
        InetAddress local = InetAddress.getAllByName("localhost")[0];
        HeldLookups lookups = new HeldLookups();
        Executor previous = HostResolver.useExecutor(lookups);
        try (ServerSocket server = new ServerSocket(0, 8, local)) {
            EventBase base = newBase();
            SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            List<String> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, reasons, cause) -> {
                events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause));
                b.close();
            });
            bev.connectHostname("localhost", server.getLocalPort());
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread[] released = new Thread[1];
            // the lookup runs only after this timer fires; with nothing else pending, dispatch() must wait for it
            base.newTimer((ev, w) -> released[0] = lookups.releaseOnNewThread(failure)).add(Duration.ofMillis(20));
            dispatchWithin(base);
            released[0].join(10_000);
            assertNull(failure.get(), () -> "the lookup thread threw " + failure.get());
            assertEquals(List.of(BevEvent.toString(BevEvent.CONNECTED)), events,
                    "dispatch() returned before the lookup's answer came back");
        } finally {
            HostResolver.useExecutor(previous);
        }
    }

    @Test
    void shouldDropALookupThatFinishesAfterTheBaseClosed() {
        HeldLookups lookups = new HeldLookups();
        Executor previous = HostResolver.useExecutor(lookups);
        try {
            EventBase base = newBase();
            SocketBufferEvent bev = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            List<Integer> events = new ArrayList<>();
            bev.setCallbacks(null, null, (b, reasons, cause) -> events.add(reasons));
            bev.connectHostname("localhost", 9);
            assertEquals(1, lookups.held.size());
            base.close();
            // the lookup's thread finishes now (here, on the test thread): the answer goes nowhere, nothing throws
            lookups.held.get(0).run();
            assertEquals(List.of(), events);
        } finally {
            HostResolver.useExecutor(previous);
        }
    }
}
