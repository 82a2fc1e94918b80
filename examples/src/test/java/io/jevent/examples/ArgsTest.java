package io.jevent.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared command line: HOST:PORT and IP:PORT values, and the statuses and streams of {@link Args#run}. */
class ArgsTest {
    private static final Usage USAGE = new Usage("t", "[--x HOST:PORT]", "a test command")
            .describe("Does nothing.").option("--x HOST:PORT", "a value (default none)");

    private static Args.HostPort hostPort(String v) throws IOException {
        Args.HostPort[] got = new Args.HostPort[1];
        int status = Args.run(USAGE, new String[] {"--x", v}, System.out, System.err, a -> {
            a.next();
            got[0] = a.hostPort("--x");
            return 0;
        });
        assertEquals(0, status);
        return got[0];
    }

    private static InetSocketAddress ipPort(String v) throws IOException {
        InetSocketAddress[] got = new InetSocketAddress[1];
        Args.run(USAGE, new String[] {"--x", v}, System.out, System.err, a -> {
            a.next();
            got[0] = a.ipPort("--x");
            return 0;
        });
        return got[0];
    }

    @Test
    void shouldSplitHostAndPortWithIpv6InBrackets() throws IOException {
        assertEquals(new Args.HostPort("files.jevent.test", 8080), hostPort("files.jevent.test:8080"));
        assertEquals(new Args.HostPort("::1", 443), hostPort("[::1]:443"));
        assertEquals("[::1]:443", hostPort("[::1]:443").toString());
        for (String bad : new String[] {"host", "host:", ":80", "::1:80", "host:x", "host:0", "host:65536"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hostPort(bad), bad);
            assertTrue(e.getMessage().startsWith("--x"), e.getMessage());
        }
    }

    @Test
    void shouldTakeOnlyIpLiteralsForIpPort() throws IOException {
        assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5353), ipPort("127.0.0.1:5353"));
        assertEquals(53, ipPort("[::1]:53").getPort());
        assertTrue(ipPort("[::1]:53").getAddress().isLoopbackAddress());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ipPort("dns.example:53"));
        assertTrue(e.getMessage().contains("not a name"), e.getMessage());
    }

    @Test
    void shouldEndWithTheStatusAndStreamOfEachOutcome() throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(e, true, StandardCharsets.UTF_8);
        Args.Command cmd = a -> {
            for (String s = a.next(); s != null; s = a.next()) {
                if (!s.equals("--x")) {
                    throw a.usageError("unknown option " + s);
                }
                a.value(s);
            }
            return 7;
        };
        assertEquals(7, Args.run(USAGE, new String[] {"--x", "--help"}, out, err, cmd), "a value is not an option");
        assertEquals(0, Args.run(USAGE, new String[] {"--x", "v", "-h"}, out, err, cmd));
        String help = o.toString(StandardCharsets.UTF_8);
        assertTrue(help.startsWith("usage: t [--x HOST:PORT]\n  Does nothing.\noptions:\n"
                + "  --x HOST:PORT           a value (default none)\n  --help, -h"), help);
        assertEquals(0, e.size());
        o.reset();
        assertEquals(2, Args.run(USAGE, new String[] {"--y"}, out, err, cmd));
        assertTrue(e.toString(StandardCharsets.UTF_8).startsWith("t: unknown option --y\nusage: t "));
        assertEquals(0, o.size());
    }
}
