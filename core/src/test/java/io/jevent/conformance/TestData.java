package io.jevent.conformance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.zip.CRC32;

/** Data and addresses every suite needs: deterministic bytes, checksums, a loopback address with any port. */
public final class TestData {
    private TestData() {
    }

    /** 127.0.0.1 (or the platform's loopback) with port 0: the OS picks a free port. */
    public static SocketAddress loopback0() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    }

    /** Deterministic pseudo-random (incompressible) bytes: the same {@code (seed, n)} gives the same bytes. */
    public static byte[] data(long seed, int n) {
        byte[] b = new byte[n];
        long x = seed * 0x9E3779B97F4A7C15L + 1;
        for (int i = 0; i < n; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b[i] = (byte) x;
        }
        return b;
    }

    /** CRC-32 of {@code b[off, off + len)}. */
    public static long crc(byte[] b, int off, int len) {
        CRC32 c = new CRC32();
        c.update(b, off, len);
        return c.getValue();
    }
}
