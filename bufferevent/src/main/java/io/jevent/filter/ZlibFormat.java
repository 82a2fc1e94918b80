package io.jevent.filter;

/** The framing around deflate data, as zlib's {@code windowBits} choose it. */
public enum ZlibFormat {
    /** RFC 1950: a 2-byte header and an Adler-32 trailer (zlib's default, Python's {@code zlib.compress}). */
    ZLIB,
    /** RFC 1951: bare deflate blocks, no header or checksum ({@code wbits = -15}). */
    RAW,
    /**
     * RFC 1952: a gzip member header, deflate blocks, CRC-32 and ISIZE trailer (Python's {@code gzip.compress}).
     * Concatenated members are inflated one after the other, as {@code gunzip} does.
     */
    GZIP
}
