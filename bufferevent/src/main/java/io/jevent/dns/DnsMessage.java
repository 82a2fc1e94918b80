package io.jevent.dns;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The DNS wire format (RFC 1035 section 4) for a stub resolver: {@link #encodeQuery} writes one question with
 * recursion desired; {@link #decode} reads a response into a {@link DnsMessage} or throws
 * {@link DnsFormatException}, and nothing else, whatever the bytes.
 *
 * <p>Decoding is defensive, since the bytes come from the network: every read is bounds-checked against the
 * message; a compression pointer must point strictly before the place it is read from (so pointers cannot loop),
 * and a name may not grow past 255 octets; record data must fit its RDLENGTH, and A/AAAA data must be exactly 4/16
 * octets. Only the question, answer and authority sections are read; the additional section is ignored.
 *
 * @param id the message id
 * @param flags the 16 flag bits (QR, opcode, AA, TC, RD, RA, rcode)
 * @param questionName the question's name, canonical (lower case, no trailing dot)
 * @param questionType the question's type
 * @param questionClass the question's class
 * @param answers the answer section
 * @param authority the SOA records of the authority section (what negative caching needs)
 */
record DnsMessage(int id, int flags, String questionName, int questionType, int questionClass,
        List<DnsRecord> answers, List<DnsRecord> authority) {
    /** Header length. */
    static final int HEADER = 12;
    /** QR: this is a response. */
    static final int QR = 0x8000;
    /** TC: truncated, retry over TCP. */
    static final int TC = 0x0200;
    /** RD: recursion desired. */
    static final int RD = 0x0100;
    static final int RCODE_OK = 0;
    static final int RCODE_FORMAT_ERROR = 1;
    static final int RCODE_SERVER_FAILURE = 2;
    static final int RCODE_NAME_ERROR = 3;
    static final int RCODE_REFUSED = 5;
    /** Most octets of a name on the wire, length octets and root included. */
    private static final int MAX_WIRE_NAME = 255;

    int rcode() {
        return flags & 0xf;
    }

    boolean isResponse() {
        return (flags & QR) != 0;
    }

    boolean isTruncated() {
        return (flags & TC) != 0;
    }

    /**
     * Writes a query for {@code name} (canonical, checked by {@link DnsNames#check}) at the buffer's position.
     *
     * @return the buffer, its position after the query
     */
    static ByteBuffer encodeQuery(ByteBuffer dst, int id, String name, int type) {
        dst.putShort((short) id).putShort((short) RD).putShort((short) 1).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0);
        int start = 0;
        for (int i = 0; i <= name.length(); i++) {
            if (i == name.length() || name.charAt(i) == '.') {
                dst.put((byte) (i - start));
                for (int k = start; k < i; k++) {
                    dst.put((byte) name.charAt(k));
                }
                start = i + 1;
            }
        }
        dst.put((byte) 0);
        dst.putShort((short) type).putShort((short) DnsRecord.CLASS_IN);
        return dst;
    }

    /** Reads the id of a message, or -1 if it is shorter than a header. */
    static int peekId(ByteBuffer msg) {
        return msg.remaining() < HEADER ? -1 : msg.getShort(msg.position()) & 0xffff;
    }

    /**
     * Decodes the message between the buffer's position and limit (the buffer is not moved).
     *
     * @throws DnsFormatException if the bytes are not a well-formed message with exactly one question
     */
    static DnsMessage decode(ByteBuffer msg) throws DnsFormatException {
        Reader r = new Reader(msg.slice());
        return r.message();
    }

    /** A cursor over one message. */
    private static final class Reader {
        private final ByteBuffer b;
        private int pos;

        Reader(ByteBuffer b) {
            this.b = b;
        }

        DnsMessage message() throws DnsFormatException {
            if (b.limit() < HEADER) {
                throw new DnsFormatException("message of " + b.limit() + " bytes, shorter than a header");
            }
            int id = u16();
            int flags = u16();
            int qd = u16();
            int an = u16();
            int ns = u16();
            u16(); // additional: not read
            if (qd != 1) {
                throw new DnsFormatException("expected one question, got " + qd);
            }
            String qname = name();
            int qtype = u16();
            int qclass = u16();
            List<DnsRecord> answers = new ArrayList<>(Math.min(an, 16));
            for (int i = 0; i < an; i++) {
                DnsRecord rr = record();
                if (rr != null) {
                    answers.add(rr);
                }
            }
            List<DnsRecord> authority = new ArrayList<>(1);
            for (int i = 0; i < ns; i++) {
                DnsRecord rr = record();
                if (rr != null && rr.type() == DnsRecord.SOA) {
                    authority.add(rr);
                }
            }
            return new DnsMessage(id, flags, qname, qtype, qclass, List.copyOf(answers), List.copyOf(authority));
        }

        /** One record; null for a type we skip (its data is still bounds-checked). */
        private DnsRecord record() throws DnsFormatException {
            String owner = name();
            int type = u16();
            int cls = u16();
            long ttl = u32();
            if (ttl > Integer.MAX_VALUE) {
                ttl = 0; // RFC 2181 section 8: a TTL with the top bit set is read as zero
            }
            int len = u16();
            int end = pos + len;
            if (end > b.limit()) {
                throw new DnsFormatException("record data of " + len + " bytes at " + pos + " runs past the end ("
                        + b.limit() + ")");
            }
            DnsRecord rr = null;
            switch (type) {
                case DnsRecord.A, DnsRecord.AAAA -> {
                    int want = type == DnsRecord.A ? 4 : 16;
                    if (len != want) {
                        throw new DnsFormatException((type == DnsRecord.A ? "A" : "AAAA") + " record of " + len
                                + " bytes, expected " + want);
                    }
                    byte[] raw = new byte[len];
                    b.get(pos, raw);
                    try {
                        rr = new DnsRecord(owner, type, cls, ttl, InetAddress.getByAddress(raw), null);
                    } catch (UnknownHostException impossible) {
                        throw new DnsFormatException("address of " + len + " bytes: " + impossible.getMessage());
                    }
                }
                case DnsRecord.CNAME -> {
                    String target = nameWithin(end);
                    if (pos != end) {
                        throw new DnsFormatException("CNAME data of " + len + " bytes holds a name of "
                                + (len - (end - pos)) + " bytes");
                    }
                    rr = new DnsRecord(owner, type, cls, ttl, null, target);
                }
                case DnsRecord.SOA -> {
                    nameWithin(end);
                    nameWithin(end);
                    if (end - pos != 20) {
                        throw new DnsFormatException("SOA record with " + (end - pos)
                                + " bytes after its names, expected 20");
                    }
                    pos += 16; // serial, refresh, retry, expire
                    long minimum = u32();
                    rr = new DnsRecord(owner, type, cls, Math.min(ttl, Math.min(minimum, Integer.MAX_VALUE)), null,
                            null);
                }
                default -> {
                }
            }
            pos = end;
            return rr;
        }

        /** A name whose in-place part must end by {@code end}. */
        private String nameWithin(int end) throws DnsFormatException {
            String n = name();
            if (pos > end) {
                throw new DnsFormatException("a name runs past its record's data (ends at " + pos + ", data ends at "
                        + end + ")");
            }
            return n;
        }

        /**
         * A possibly compressed name; {@link #pos} moves past its in-place part. Pointers must go strictly
         * backwards, which rules out loops; the name may not exceed 255 octets.
         */
        private String name() throws DnsFormatException {
            StringBuilder sb = new StringBuilder(32);
            int p = pos;
            int after = -1; // where the in-place part ends, once a pointer was followed
            int wire = 1;
            int lowest = p; // every pointer must point before the label it is read at
            for (;;) {
                if (p >= b.limit()) {
                    throw new DnsFormatException("name runs past the end of the message at " + p);
                }
                int len = b.get(p) & 0xff;
                if (len == 0) {
                    p++;
                    break;
                }
                int kind = len & 0xc0;
                if (kind == 0xc0) {
                    if (p + 1 >= b.limit()) {
                        throw new DnsFormatException("compression pointer cut off at " + p);
                    }
                    int target = ((len & 0x3f) << 8) | (b.get(p + 1) & 0xff);
                    if (target >= lowest) {
                        throw new DnsFormatException("compression pointer at " + p + " to " + target
                                + ", not before " + lowest + ": a loop or a forward reference");
                    }
                    if (after < 0) {
                        after = p + 2;
                    }
                    lowest = target;
                    p = target;
                    continue;
                }
                if (kind != 0) {
                    throw new DnsFormatException("label type 0x" + Integer.toHexString(kind) + " at " + p
                            + " is not supported");
                }
                wire += len + 1;
                if (wire > MAX_WIRE_NAME) {
                    throw new DnsFormatException("name longer than " + MAX_WIRE_NAME + " octets");
                }
                if (p + 1 + len > b.limit()) {
                    throw new DnsFormatException("label of " + len + " at " + p + " runs past the end");
                }
                if (sb.length() > 0) {
                    sb.append('.');
                }
                for (int i = 0; i < len; i++) {
                    char c = (char) (b.get(p + 1 + i) & 0xff);
                    if (c == '.' || c == '\\') {
                        sb.append('\\'); // a dot inside a label is not a separator: keep names distinct
                    }
                    sb.append(c);
                }
                p += 1 + len;
            }
            pos = after >= 0 ? after : p;
            return sb.toString().toLowerCase(Locale.ROOT);
        }

        private int u16() throws DnsFormatException {
            if (pos + 2 > b.limit()) {
                throw new DnsFormatException("message cut off at " + pos + " (" + b.limit() + " bytes)");
            }
            int v = b.getShort(pos) & 0xffff;
            pos += 2;
            return v;
        }

        private long u32() throws DnsFormatException {
            if (pos + 4 > b.limit()) {
                throw new DnsFormatException("message cut off at " + pos + " (" + b.limit() + " bytes)");
            }
            long v = b.getInt(pos) & 0xffffffffL;
            pos += 4;
            return v;
        }
    }
}
