package io.jevent.dns;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder against hostile bytes: random messages and mutations of a valid one (flipped bytes, cuts, pointers
 * aimed anywhere) either decode or throw {@link DnsFormatException}, never anything else and never hang; plus the
 * named attacks (compression loops, pointers out of range or forward, oversize names, bad record lengths).
 */
class DnsMessageFuzzTest {

    /** A valid response: www.test A, via two CNAMEs with compressed names, an SOA in the authority section. */
    static byte[] validResponse() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteBuffer b = DnsMessage.encodeQuery(ByteBuffer.allocate(1024), 0x1234, "a.test", DnsRecord.A);
        b.putShort(2, (short) 0x8180).putShort(6, (short) 3).putShort(8, (short) 1);
        // a.test CNAME b.test   (owner: pointer to 12)
        b.put((byte) 0xc0).put((byte) 12).putShort((short) 5).putShort((short) 1).putInt(300);
        int rdlenAt = b.position();
        b.putShort((short) 0);
        int targetAt = b.position();
        b.put((byte) 1).put((byte) 'b').put((byte) 0xc0).put((byte) 14); // "b" + pointer to "test"
        b.putShort(rdlenAt, (short) (b.position() - targetAt));
        // b.test CNAME www.test
        b.put((byte) 0xc0).put((byte) targetAt).putShort((short) 5).putShort((short) 1).putInt(200);
        rdlenAt = b.position();
        b.putShort((short) 0);
        int wwwAt = b.position();
        b.put((byte) 3).put("www".getBytes()).put((byte) 0xc0).put((byte) 14);
        b.putShort(rdlenAt, (short) (b.position() - wwwAt));
        // www.test A 10.0.0.7
        b.put((byte) 0xc0).put((byte) wwwAt).putShort((short) 1).putShort((short) 1).putInt(100).putShort((short) 4)
                .put(new byte[] {10, 0, 0, 7});
        // test SOA ns.test hostmaster.test 1 2 3 4 60
        b.put((byte) 0xc0).put((byte) 14).putShort((short) 6).putShort((short) 1).putInt(900);
        rdlenAt = b.position();
        b.putShort((short) 0);
        int soaAt = b.position();
        b.put((byte) 2).put("ns".getBytes()).put((byte) 0xc0).put((byte) 14);
        b.put((byte) 10).put("hostmaster".getBytes()).put((byte) 0xc0).put((byte) 14);
        b.putInt(1).putInt(2).putInt(3).putInt(4).putInt(60);
        b.putShort(rdlenAt, (short) (b.position() - soaAt));
        o.write(b.array(), 0, b.position());
        return o.toByteArray();
    }

    static DnsMessage decode(byte[] m) throws DnsFormatException {
        return DnsMessage.decode(ByteBuffer.wrap(m));
    }

    @Example
    void shouldDecodeTheValidResponse() throws Exception {
        DnsMessage m = decode(validResponse());
        assertEquals(0x1234, m.id());
        assertEquals("a.test", m.questionName());
        assertEquals(3, m.answers().size());
        assertEquals("b.test", m.answers().get(0).target());
        assertEquals("www.test", m.answers().get(1).target());
        assertEquals(InetAddress.getByName("10.0.0.7"), m.answers().get(2).address());
        assertEquals(1, m.authority().size());
        assertEquals(60, m.authority().get(0).ttl(), "SOA: min(TTL 900, MINIMUM 60)");
    }

    @Property(tries = 3000)
    void randomBytesDecodeOrFailCleanly(@ForAll @Size(max = 700) byte[] bytes) {
        decodeOrFormatError(bytes);
    }

    @Property(tries = 5000)
    void mutatedResponsesDecodeOrFailCleanly(@ForAll("mutations") byte[] bytes) {
        decodeOrFormatError(bytes);
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        return Arbitraries.longs().map(seed -> {
            Random r = new Random(seed);
            byte[] m = validResponse();
            switch (r.nextInt(4)) {
                case 0 -> m = Arrays.copyOf(m, r.nextInt(m.length)); // cut anywhere
                case 1 -> {
                    for (int i = 1 + r.nextInt(4); i > 0; i--) {
                        m[r.nextInt(m.length)] = (byte) r.nextInt(256);
                    }
                }
                case 2 -> { // a pointer anywhere, to anywhere (loops, forward, out of range)
                    int at = 12 + r.nextInt(m.length - 13);
                    m[at] = (byte) (0xc0 | r.nextInt(4));
                    m[at + 1] = (byte) r.nextInt(256);
                }
                default -> { // counts made large
                    int at = 4 + 2 * r.nextInt(4);
                    m[at] = (byte) r.nextInt(256);
                    m[at + 1] = (byte) r.nextInt(256);
                }
            }
            return m;
        });
    }

    private static void decodeOrFormatError(byte[] bytes) {
        try {
            DnsMessage m = decode(bytes);
            for (DnsRecord rr : m.answers()) {
                assertTrue(rr.name().length() <= 4 * 255, "a decoded name stays bounded");
            }
        } catch (DnsFormatException expected) {
            // the only failure allowed
        }
    }

    @Property
    void queriesRoundTrip(@ForAll("names") String name, @ForAll @IntRange(min = 0, max = 65535) int id)
            throws Exception {
        ByteBuffer b = DnsMessage.encodeQuery(ByteBuffer.allocate(512), id, name, DnsRecord.AAAA).flip();
        DnsMessage m = DnsMessage.decode(b);
        assertEquals(id, m.id());
        assertEquals(name, m.questionName());
        assertEquals(DnsRecord.AAAA, m.questionType());
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> label = Arbitraries.strings().withCharRange('a', 'z').withChars('-', '0', '9')
                .ofMinLength(1).ofMaxLength(63);
        return label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l))
                .filter(n -> n.length() <= DnsNames.MAX_NAME);
    }

    @Example
    void shouldRejectACompressionLoop() {
        byte[] m = validResponse();
        m[12 + 8 + 4] = (byte) 0xc0; // the first answer's owner pointer, aimed at itself
        m[12 + 8 + 5] = (byte) (12 + 8 + 4);
        DnsFormatException e = assertThrows(DnsFormatException.class, () -> decode(m));
        assertTrue(e.getMessage().contains("loop"), e.getMessage());
    }

    @Example
    void shouldRejectAPointerPastTheEnd() {
        byte[] m = validResponse();
        m[12 + 8 + 4] = (byte) 0xff;
        m[12 + 8 + 5] = (byte) 0xff;
        assertThrows(DnsFormatException.class, () -> decode(m));
    }

    @Example
    void shouldRejectANameLongerThan255Octets() {
        ByteBuffer b = ByteBuffer.allocate(600);
        b.putShort((short) 1).putShort((short) 0x8180).putShort((short) 1).putShort((short) 0).putInt(0);
        for (int i = 0; i < 5; i++) {
            b.put((byte) 63).put(new byte[63]);
        }
        b.put((byte) 0).putShort((short) 1).putShort((short) 1).flip();
        DnsFormatException e = assertThrows(DnsFormatException.class, () -> DnsMessage.decode(b));
        assertTrue(e.getMessage().contains("255"), e.getMessage());
    }

    @Example
    void shouldRejectAnARecordOfTheWrongLength() {
        byte[] m = validResponse();
        List<Integer> at = find(m, new byte[] {0, 4, 10, 0, 0, 7});
        m[at.get(0) + 1] = 5;
        assertThrows(DnsFormatException.class, () -> decode(m));
    }

    @Example
    void shouldRejectALabelTypeThatIsNotAPointer() {
        byte[] m = validResponse();
        m[12] = 0x41; // 01xxxxxx: the extended label type
        assertThrows(DnsFormatException.class, () -> decode(m));
    }

    private static List<Integer> find(byte[] hay, byte[] needle) {
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                return List.of(i);
            }
        }
        throw new AssertionError("not found");
    }
}
