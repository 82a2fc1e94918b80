package io.jevent.bufferevent;

import io.jevent.Ev;
import io.jevent.EventBase;
import io.jevent.dns.DnsException;
import io.jevent.dns.HostsFile;
import io.jevent.dns.Resolver;
import io.jevent.dns.ResolverConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SocketBufferEvent#connectHostname} through a {@link Resolver}: every address is tried (Happy Eyeballs), a
 * dead or hanging address does not stop a live one from winning, and the last error is reported only when all fail.
 * Names come from a resolver's hosts table (so their order is known) whose DNS server is a silent socket.
 */
public abstract class ConnectHostnameConformance extends BevTestSupport {
    /** A BufferEvent that records its events, writes {@code hello} once connected and reads the echo. */
    private SocketBufferEvent client(EventBase base, List<String> events, StringBuilder echoed) {
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(b -> {
            byte[] got = new byte[(int) b.input().length()];
            b.input().remove(got, 0, got.length);
            echoed.append(new String(got, StandardCharsets.US_ASCII));
            if (echoed.length() == 5) {
                b.close();
                base.loopBreak();
            }
        }, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons) + (cause == null ? "" : " " + cause.getClass().getSimpleName()));
            if (reasons == BevEvent.CONNECTED) {
                b.write("hello".getBytes(StandardCharsets.US_ASCII));
                b.enable(Ev.READ);
            } else {
                b.close();
            }
        });
        return c;
    }

    @Test
    void shouldSkipADeadAddressAndConnectToTheLiveOne() throws Exception {
        EventBase base = newBase();
        Listener server = echoServer(base, 0);
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        // 127.0.0.2 and ::1 refuse that port (the listener is on 127.0.0.1 only); they come first
        Resolver r = hostsResolver(base, "127.0.0.2 he.test\n::1 he.test\n127.0.0.1 he.test\n");
        List<String> events = new ArrayList<>();
        StringBuilder echoed = new StringBuilder();
        client(base, events, echoed).connectHostname("he.test", port, r);
        dispatchWithin(base);
        assertEquals(List.of("CONNECTED"), events, "the dead addresses' refusals are not reported");
        assertEquals("hello", echoed.toString());
        server.close();
    }

    @Test
    void shouldStartTheNextAttemptAfterTheStaggerWhileTheFirstHangs() throws Exception {
        EventBase base = newBase();
        Listener live = echoServer(base, 0);
        int port = ((InetSocketAddress) live.localAddress()).getPort();
        // 127.0.0.3:port is a listener whose accept queue is full: a SYN to it is dropped and the connect hangs
        InetAddress hangAddr = InetAddress.getByName("127.0.0.3");
        ServerSocket hang = new ServerSocket(port, 1, hangAddr);
        closeAfter.add(hang);
        for (int i = 0; i < 4; i++) {
            Socket filler = new Socket();
            closeAfter.add(filler);
            try {
                filler.connect(new InetSocketAddress(hangAddr, port), 200);
            } catch (IOException full) {
                break; // the queue is full already
            }
        }
        Resolver r = hostsResolver(base, "127.0.0.3 slow.test\n127.0.0.1 slow.test\n::1 slow.test\n");
        List<String> events = new ArrayList<>();
        StringBuilder echoed = new StringBuilder();
        long t0 = System.nanoTime();
        client(base, events, echoed).connectHostname("slow.test", port, r);
        dispatchWithin(base); // a connect waiting for the hanging one to fail would take over a minute
        assertEquals(List.of("CONNECTED"), events);
        assertEquals("hello", echoed.toString());
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "the race did not wait for the hanging attempt");
        live.close();
    }

    @Test
    void shouldTimeOutAConnectThatHangsAtTheWriteTimeout() throws Exception {
        // libevent's rule: connecting is writing, so the write timeout bounds it, here through the whole race
        EventBase base = newBase();
        int port = hangingAddress("127.0.0.3").getPort(); // connects there hang
        Resolver r = hostsResolver(base, "127.0.0.3 hang.test\n");
        List<String> events = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setTimeouts(null, java.time.Duration.ofMillis(300));
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            events.add(BevEvent.toString(reasons));
            b.close();
        });
        long t0 = System.nanoTime();
        c.connectHostname("hang.test", port, r);
        dispatchWithin(base); // without the timeout the kernel gives up after about two minutes
        assertEquals(List.of("WRITING|TIMEOUT"), events);
        assertTrue(System.nanoTime() - t0 < 15_000_000_000L, "timed out by the write timeout, not the kernel");
    }

    @Test
    void shouldReportTheLastErrorOnlyWhenEveryAddressFails() throws Exception {
        EventBase base = newBase();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: every address refuses
        }
        Resolver r = hostsResolver(base, "127.0.0.2 dead.test\n::1 dead.test\n127.0.0.1 dead.test\n");
        List<Throwable> causes = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            assertEquals(BevEvent.ERROR, reasons);
            causes.add(cause);
            b.close();
        });
        c.connectHostname("dead.test", port, r);
        dispatchWithin(base);
        assertEquals(1, causes.size(), "one ERROR, after the last address: " + causes);
        assertInstanceOf(IOException.class, causes.get(0));
        assertTrue(causes.get(0) instanceof ConnectException || causes.get(0).getMessage().contains("ECONNREFUSED"),
                () -> "a connect failure: " + causes.get(0));
        // three addresses were tried: the failure says which one it is about
        String msg = causes.get(0).getMessage();
        assertTrue(msg.contains("127.0.0.2:" + port) || msg.contains("[::1]:" + port)
                || msg.contains("127.0.0.1:" + port), () -> "the failure names the address tried: " + causes.get(0));
    }

    @Test
    void shouldReportTheLookupFailureWhenThereIsNoAddress() throws Exception {
        EventBase base = newBase();
        Resolver r = Resolver.create(base, ResolverConfig.nameservers(new InetSocketAddress(
                InetAddress.getLoopbackAddress(), 9)).withHosts(HostsFile.parse("10.0.0.1 x.test\n"))
                .withTimeout(java.time.Duration.ofMillis(100)).withAttempts(1));
        closeAfter.add(r::close);
        List<Throwable> causes = new ArrayList<>();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        c.setCallbacks(null, null, (b, reasons, cause) -> {
            causes.add(cause);
            b.close();
        });
        c.connectHostname("nothing.test", 80, r);
        dispatchWithin(base);
        assertEquals(1, causes.size());
        assertInstanceOf(DnsException.class, causes.get(0));
    }

    @Test
    void shouldRefuseANameThatCannotExistAndAResolverOfAnotherBase() {
        EventBase base = newBase();
        SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
        Resolver other = Resolver.system(newBase());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> c.connectHostname("x.test", 80, other));
        assertTrue(e.getMessage().contains("another EventBase"), e.getMessage());
        c.close();
    }

    @Test
    void shouldCloseEveryAttemptWhenClosedMidRace() throws Exception {
        EventBase base = newBase();
        Resolver r = hostsResolver(base, "127.0.0.1 race.test\n::1 race.test\n"); // both families: no DNS wait
        long before = io.jevent.conformance.Descriptors.openNow();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Integer> events = new ArrayList<>();
            SocketBufferEvent c = SocketBufferEvent.create(base, null, BevOption.CLOSE_ON_FREE);
            c.setCallbacks(null, null, (b, reasons, cause) -> events.add(reasons));
            c.connectHostname("race.test", s.getLocalPort(), r);
            c.close(); // before the loop ever ran: the lookups answer into a closed BufferEvent
            dispatchWithin(base);
            assertEquals(List.of(), events);
        }
        assertTrue(io.jevent.conformance.Descriptors.openNow() <= before, "no descriptor left behind");
    }
}
