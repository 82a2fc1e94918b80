package io.jevent.dns;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** resolv.conf and hosts parsing, host-name validation and the search-list order. */
class ResolverFilesTest {

    @Test
    void shouldReadResolvConf() throws Exception {
        ResolverConfig c = ResolvConf.parse("""
                # a comment
                nameserver 10.0.0.1   ; trailing comment
                nameserver fe80::1%1
                nameserver not-an-ip
                nameserver 10.0.0.3
                nameserver 10.0.0.4
                domain ignored.example
                search Corp.Example lab.example
                options ndots:3 timeout:2 attempts:9 rotate edns0 ndots:x
                unknown keyword
                """);
        assertEquals(List.of(new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 53),
                new InetSocketAddress(InetAddress.getByName("fe80::1%1"), 53),
                new InetSocketAddress(InetAddress.getByName("10.0.0.3"), 53)), c.nameservers(), "at most three");
        assertEquals(List.of("corp.example", "lab.example"), c.search(), "the last search/domain line wins");
        assertEquals(3, c.ndots());
        assertEquals(Duration.ofSeconds(2), c.timeout());
        assertEquals(5, c.attempts(), "attempts capped at 5");
    }

    @Test
    void shouldFallBackToDefaultsForAnEmptyOrMissingFile(@TempDir Path dir) throws Exception {
        ResolverConfig c = ResolvConf.parse("");
        assertEquals(List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53)), c.nameservers());
        assertEquals(1, c.ndots());
        assertEquals(Duration.ofSeconds(5), c.timeout());
        assertEquals(2, c.attempts());
        ResolverConfig m = ResolverConfig.fromFiles(dir.resolve("none"), dir.resolve("nohosts"));
        assertEquals(c.nameservers(), m.nameservers());
        assertEquals(0, m.hosts().size());
    }

    @Test
    void shouldReadAHostsFile(@TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("hosts"), """
                127.0.0.1 localhost Loopback.  # comment
                ::1       localhost ip6-localhost
                10.0.0.9  box box.lan
                10.0.0.10 box
                bogus     nothing
                # 10.0.0.11 commented
                """);
        HostsFile h = HostsFile.read(f);
        assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
                h.lookup("LOCALHOST.", AddressFamily.ANY));
        assertEquals(List.of(InetAddress.getByName("::1")), h.lookup("localhost", AddressFamily.IPV6));
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")), h.lookup("loopback", AddressFamily.IPV4));
        assertEquals(List.of(InetAddress.getByName("10.0.0.9"), InetAddress.getByName("10.0.0.10")),
                h.lookup("box", AddressFamily.ANY), "every line's address, in file order");
        assertEquals(List.of(), h.lookup("nothing", AddressFamily.ANY));
    }

    @Test
    void shouldRejectNamesThatCannotExist() {
        assertEquals("example.com", DnsNames.check("Example.COM."));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check(""));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check("."));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check(".a"));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check("a..b"));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check("a".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check("a b"));
        assertThrows(IllegalArgumentException.class, () -> DnsNames.check("bücher.example"));
        String max = ("a".repeat(63) + ".").repeat(3) + "a".repeat(61);
        assertEquals(253, max.length());
        assertEquals(max, DnsNames.check(max));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DnsNames.check(max + "a"));
        assertTrue(e.getMessage().contains("253"), e.getMessage());
    }

    @Test
    void shouldParseOnlyLiterals() throws Exception {
        assertEquals(InetAddress.getByName("1.2.3.4"), IpLiterals.parse("1.2.3.4"));
        assertEquals(InetAddress.getByName("::1"), IpLiterals.parse("[::1]"));
        assertEquals(null, IpLiterals.parse("1.2.3"));
        assertEquals(null, IpLiterals.parse("1.2.3.256"));
        assertEquals(null, IpLiterals.parse("example.com"));
        assertEquals(null, IpLiterals.parse("1.2.3.4.5"));
        assertEquals(null, IpLiterals.parse(":::zz"));
    }
}
