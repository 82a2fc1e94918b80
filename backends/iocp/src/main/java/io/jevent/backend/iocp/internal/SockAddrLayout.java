package io.jevent.backend.iocp.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;

/**
 * Winsock's {@code sockaddr_in} (16 bytes) and {@code sockaddr_in6} (28 bytes): unlike BSD's there is no
 * {@code sin_len}; {@code sin_family} is a u16 in the machine's order at 0 ({@link #AF_INET} 2, {@link #AF_INET6} 23,
 * not Linux's 10 or macOS's 30), the port at 2 in network order; then the IPv4 address at 4 (and 8 zero bytes), or the
 * IPv6 flow info (u32) at 4, the address at 8 and the scope id (u32) at 24. {@link #STORAGE_SIZE} is
 * {@code sizeof(SOCKADDR_STORAGE)}.
 */
public final class SockAddrLayout {
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6} on Windows. */
    public static final int AF_INET6 = 23;
    /** {@code sizeof(sockaddr_in)}. */
    public static final int IN_SIZE = 16;
    /** {@code sizeof(sockaddr_in6)}. */
    public static final int IN6_SIZE = 28;
    /** {@code sizeof(SOCKADDR_STORAGE)}. */
    public static final int STORAGE_SIZE = 128;

    /** Offset of the family. */
    public static final int FAMILY = 0;
    /** Offset of the port (network order). */
    public static final int PORT = 2;
    /** Offset of the IPv4 address. */
    public static final int IN_ADDR = 4;
    /** Offset of the IPv6 flow info. */
    public static final int IN6_FLOWINFO = 4;
    /** Offset of the IPv6 address. */
    public static final int IN6_ADDR = 8;
    /** Offset of the IPv6 scope id. */
    public static final int IN6_SCOPE_ID = 24;

    private SockAddrLayout() {
    }

    /** The family of a resolved address ({@link #AF_INET} or {@link #AF_INET6}). */
    public static int family(SocketAddress a) {
        return inet(a).getAddress() instanceof Inet6Address ? AF_INET6 : AF_INET;
    }

    /**
     * Writes {@code a} at {@code at} of {@code mem} (which must be in the machine's byte order, little-endian on
     * Windows) and returns its length.
     *
     * @throws UnresolvedAddressException if it is unresolved
     * @throws UnsupportedAddressTypeException if it is not an {@link InetSocketAddress}
     */
    public static int encode(SocketAddress a, ByteBuffer mem, int at) {
        InetSocketAddress isa = inet(a);
        InetAddress ip = isa.getAddress();
        byte[] raw = ip.getAddress();
        int port = isa.getPort();
        if (ip instanceof Inet4Address) {
            mem.putShort(at + FAMILY, (short) AF_INET);
            putPort(mem, at, port);
            for (int i = 0; i < 4; i++) {
                mem.put(at + IN_ADDR + i, raw[i]);
            }
            mem.putLong(at + 8, 0L);
            return IN_SIZE;
        }
        mem.putShort(at + FAMILY, (short) AF_INET6);
        putPort(mem, at, port);
        mem.putInt(at + IN6_FLOWINFO, 0);
        for (int i = 0; i < 16; i++) {
            mem.put(at + IN6_ADDR + i, raw[i]);
        }
        mem.putInt(at + IN6_SCOPE_ID, ((Inet6Address) ip).getScopeId());
        return IN6_SIZE;
    }

    /** Writes the wildcard address of {@code family}, port 0 (what {@code ConnectEx} wants bound first). */
    public static int encodeAny(int family, ByteBuffer mem, int at) {
        for (int i = 0; i < IN6_SIZE; i++) {
            mem.put(at + i, (byte) 0);
        }
        mem.putShort(at + FAMILY, (short) family);
        return family == AF_INET6 ? IN6_SIZE : IN_SIZE;
    }

    /**
     * Reads the address at {@code at}.
     *
     * @return the address, or {@code null} for a family other than AF_INET and AF_INET6
     */
    public static InetSocketAddress decode(ByteBuffer mem, int at) {
        int family = mem.getShort(at + FAMILY) & 0xffff;
        int port = ((mem.get(at + PORT) & 0xff) << 8) | (mem.get(at + PORT + 1) & 0xff);
        try {
            if (family == AF_INET) {
                byte[] raw = new byte[4];
                for (int i = 0; i < 4; i++) {
                    raw[i] = mem.get(at + IN_ADDR + i);
                }
                return new InetSocketAddress(InetAddress.getByAddress(raw), port);
            }
            if (family == AF_INET6) {
                byte[] raw = new byte[16];
                for (int i = 0; i < 16; i++) {
                    raw[i] = mem.get(at + IN6_ADDR + i);
                }
                int scope = mem.getInt(at + IN6_SCOPE_ID);
                InetAddress ip = scope != 0 ? Inet6Address.getByAddress(null, raw, scope)
                        : InetAddress.getByAddress(raw);
                return new InetSocketAddress(ip, port);
            }
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible); // only for a wrong length
        }
        return null;
    }

    private static void putPort(ByteBuffer mem, int at, int port) {
        mem.put(at + PORT, (byte) (port >>> 8));
        mem.put(at + PORT + 1, (byte) port);
    }

    private static InetSocketAddress inet(SocketAddress a) {
        if (!(a instanceof InetSocketAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        InetSocketAddress isa = (InetSocketAddress) a;
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }
}
