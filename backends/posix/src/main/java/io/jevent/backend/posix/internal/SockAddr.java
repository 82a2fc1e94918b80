package io.jevent.backend.posix.internal;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.channels.UnsupportedAddressTypeException;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes {@code sockaddr_in}, {@code sockaddr_in6} (and decodes {@code sockaddr_un}) by hand, in a
 * caller-supplied native buffer (from {@link ThreadScratch}), so that no JNA {@code Structure} is involved.
 *
 * <p>Linux layouts: {@code sa_family} is a native-order {@code uint16} at 0; the port is big-endian at 2.
 * {@code sockaddr_in}: address at 4, 16 bytes in all. {@code sockaddr_in6}: flowinfo at 4, address at 8,
 * scope id (native order) at 24, 28 bytes in all. {@code sockaddr_un}: path at 2, NUL-terminated. macOS (as the
 * BSDs) splits the first two bytes: {@code sin_len} at 0, a one-byte family at 1; the rest is the same.
 */
public final class SockAddr {
    /** Size of a {@code sockaddr_storage}: room for any address. */
    public static final int STORAGE_SIZE = 128;
    private static final int IN_SIZE = 16;
    private static final int IN6_SIZE = 28;

    private SockAddr() {
    }

    /** The address family {@link #encode} would use for {@code address}. */
    public static int family(SocketAddress address) {
        InetSocketAddress isa = inet(address);
        return isa.getAddress() instanceof Inet6Address ? LibC.AF_INET6 : LibC.AF_INET;
    }

    /**
     * Writes {@code address} at index 0 of {@code dst} (native order, {@link #STORAGE_SIZE} bytes).
     *
     * @return the length to pass as {@code socklen_t}
     * @throws UnresolvedAddressException if the address is unresolved
     * @throws UnsupportedAddressTypeException if it is not an {@link InetSocketAddress}
     */
    public static int encode(SocketAddress address, ByteBuffer dst) {
        InetSocketAddress isa = inet(address);
        InetAddress ia = isa.getAddress();
        for (int i = 0; i < STORAGE_SIZE; i += 8) {
            dst.putLong(i, 0L);
        }
        int port = isa.getPort();
        dst.put(2, (byte) (port >>> 8));
        dst.put(3, (byte) port);
        byte[] raw = ia.getAddress();
        if (ia instanceof Inet4Address) {
            putFamily(dst, LibC.AF_INET, IN_SIZE);
            dst.put(4, raw);
            return IN_SIZE;
        }
        putFamily(dst, LibC.AF_INET6, IN6_SIZE);
        dst.put(8, raw);
        dst.putInt(24, ((Inet6Address) ia).getScopeId());
        return IN6_SIZE;
    }

    private static void putFamily(ByteBuffer dst, int family, int length) {
        if (Os.MAC) {
            dst.put(0, (byte) length);
            dst.put(1, (byte) family);
        } else {
            dst.putShort(0, (short) family);
        }
    }

    /**
     * Reads the address at index 0 of {@code src}.
     *
     * @param length the {@code socklen_t} the kernel returned
     * @return an {@link InetSocketAddress}, a {@link UnixDomainSocketAddress} (empty path when unnamed), or
     *     {@code null} for an unknown family
     */
    public static SocketAddress decode(ByteBuffer src, int length) throws UnknownHostException {
        if (length < 2) {
            return null;
        }
        int family = Os.MAC ? src.get(1) & 0xff : src.getShort(0) & 0xffff;
        int port = ((src.get(2) & 0xff) << 8) | (src.get(3) & 0xff);
        if (family == LibC.AF_INET) {
            byte[] raw = new byte[4];
            src.get(4, raw);
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        }
        if (family == LibC.AF_INET6) {
            byte[] raw = new byte[16];
            src.get(8, raw);
            int scope = src.getInt(24);
            InetAddress ia = scope != 0 ? Inet6Address.getByAddress(null, raw, scope) : InetAddress.getByAddress(raw);
            return new InetSocketAddress(ia, port);
        }
        if (family == LibC.AF_UNIX) {
            int end = 2;
            while (end < length && src.get(end) != 0) {
                end++;
            }
            byte[] path = new byte[end - 2];
            src.get(2, path);
            return UnixDomainSocketAddress.of(new String(path, StandardCharsets.UTF_8));
        }
        return null;
    }

    private static InetSocketAddress inet(SocketAddress address) {
        if (!(address instanceof InetSocketAddress)) {
            throw new UnsupportedAddressTypeException();
        }
        InetSocketAddress isa = (InetSocketAddress) address;
        if (isa.isUnresolved()) {
            throw new UnresolvedAddressException();
        }
        return isa;
    }
}
