package io.jevent.filter;

import io.jevent.buffer.EvBuffer;
import io.jevent.buffer.Loan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Moves TLS records between one {@link SSLEngine} and {@link EvBuffer}s without a buffer per record: the
 * {@link TlsBufferEvent}'s record I/O. Loop thread only.
 *
 * <p>Why a scratch buffer: {@code SSLEngine.wrap} refuses ({@code BUFFER_OVERFLOW}) any destination smaller than
 * the session's packet buffer size (16,709 bytes for TLS 1.3 on the JDK), whatever it is about to write, even a
 * 24-byte close_notify; and a full record's ciphertext (16,406 bytes) is larger than a pooled segment (16 KiB), so
 * it always spans two. Reserving that much contiguous space in an EvBuffer, or pulling a record up into one piece,
 * would take a dedicated direct buffer for every record: one TLS echo connection pushed RSS past 1 GiB that way.
 * Instead each thread keeps one direct <em>packet scratch</em> of at least the packet size: a record is encrypted
 * into it and copied into the underlying output's pooled segments (one memcpy, next to the cipher's cost), and a
 * record that spans segments is copied into it to be decrypted. Loop threads are few and long-lived, so this is
 * one buffer per loop thread, not per connection; it is taken again on each call rather than kept, because a base
 * may be run by another thread later. Nothing else is held per connection but a few reusable view arrays.
 *
 * <p>Plaintext is read straight from the output's pooled segments (peek views) and decrypted straight into
 * space reserved in the destination's pooled segments (up to three views, so the reservation never needs a
 * dedicated buffer either).
 */
final class TlsRecords {
    private static final Logger log = LoggerFactory.getLogger(TlsRecords.class);
    /** Plaintext taken per wrap: one full TLS record. */
    static final int RECORD = 16 * 1024;
    private static final ByteBuffer[] NONE = new ByteBuffer[0];
    /**
     * Each thread's packet scratch, grown (rarely: a provider that raises its packet size, such as the JDK with
     * {@code jsse.SSLEngine.acceptLargeFragments}) but never shrunk.
     */
    private static final ThreadLocal<ByteBuffer> SCRATCH = new ThreadLocal<>();

    private final SSLEngine engine;
    /** Peek views of the plaintext to encrypt, lent for one wrap (so their segments go back to the pool). */
    private final Loan plain = new Loan(4);
    /** Reserved views to decrypt into: the tail's free space and two fresh segments cover any record. */
    private final ByteBuffer[] reserved = new ByteBuffer[3];
    /** A view of the head segment, when it holds a whole record, lent for one unwrap. */
    private final Loan head = new Loan(1);
    /** The 5-byte TLS record header, read to size the next unwrap. */
    private final byte[] header = new byte[5];

    TlsRecords(SSLEngine engine) {
        this.engine = engine;
    }

    /** The calling thread's packet scratch, cleared, with room for at least {@code size} bytes. */
    static ByteBuffer scratch(int size) {
        ByteBuffer b = SCRATCH.get();
        if (b == null || b.capacity() < size) {
            b = ByteBuffer.allocateDirect(Math.max(size, 17 * 1024));
            SCRATCH.set(b);
            log.debug("TLS packet scratch of {} bytes for thread {}", b.capacity(), Thread.currentThread().getName());
        }
        b.clear();
        return b;
    }

    /**
     * Encrypts up to one record of {@code src} (all of it is left there; the caller drains what the result says
     * was consumed) into {@code dst}.
     */
    SSLEngineResult wrap(EvBuffer src, EvBuffer dst) throws SSLException {
        src.peek(RECORD, null, plain);
        try {
            return wrap(plain.views(), plain.count(), dst);
        } finally {
            plain.close();
        }
    }

    /** Produces whatever the engine has to send without application data (handshake, alerts) into {@code dst}. */
    SSLEngineResult wrapControl(EvBuffer dst) throws SSLException {
        return wrap(NONE, 0, dst);
    }

    private SSLEngineResult wrap(ByteBuffer[] src, int count, EvBuffer dst) throws SSLException {
        ByteBuffer out = scratch(0);
        SSLEngineResult r = engine.wrap(src, 0, count, out);
        if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            out = scratch(engine.getSession().getPacketBufferSize()); // grown once for this thread
            r = engine.wrap(src, 0, count, out);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                throw new SSLException("TLS record larger than the packet buffer size "
                        + engine.getSession().getPacketBufferSize());
            }
        }
        out.flip();
        if (out.hasRemaining()) {
            dst.add(out); // copied into pooled segments before dst's callbacks run: the scratch is free again
        }
        return r;
    }

    /**
     * Decrypts one record from the front of {@code src} into {@code dst}, draining what was consumed. Returns the
     * plaintext bytes produced ({@code >= 0}), or -1 when no progress was made (a whole record has not arrived
     * yet). {@code dst} must have room for a whole record's plaintext: the engine cannot decrypt part of one.
     */
    long unwrap(EvBuffer src, EvBuffer dst) throws SSLException {
        long have = src.length();
        if (have == 0) {
            return -1;
        }
        int packet = engine.getSession().getPacketBufferSize();
        int want = (int) Math.min(have, packet);
        if (have >= 5) {
            src.copyOut(header, 0, 5);
            int rec = 5 + ((header[3] & 0xff) << 8 | (header[4] & 0xff));
            boolean plausible = header[0] >= 20 && header[0] <= 24 && header[1] == 3; // content type, major 3
            if (plausible && rec <= packet) {
                if (rec > have) {
                    return -1; // the rest of the record is on its way
                }
                want = rec;
            }
        }
        ByteBuffer in;
        if (src.peek(want, null, head) == 1) {
            in = head.view(0); // contiguous: decrypt in place (lent until the unwrap is done)
        } else {
            head.close();
            in = scratch(want);
            in.limit(want);
            src.copyOut(in);
            in.flip();
        }
        int appSize = engine.getSession().getApplicationBufferSize();
        int k = dst.reserve(appSize, reserved);
        SSLEngineResult r;
        try {
            r = engine.unwrap(in, reserved, 0, k);
        } catch (SSLException | RuntimeException e) {
            dst.commit(0);
            throw e;
        } finally {
            Arrays.fill(reserved, null);
            head.close();
        }
        dst.commit(r.bytesProduced());
        if (r.bytesConsumed() > 0) {
            src.drain(r.bytesConsumed());
        }
        switch (r.getStatus()) {
            case BUFFER_UNDERFLOW:
                return -1;
            case BUFFER_OVERFLOW:
                throw new SSLException("TLS record does not fit the application buffer size " + appSize);
            default:
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0
                        && r.getHandshakeStatus() == engine.getHandshakeStatus()
                        && r.getStatus() != SSLEngineResult.Status.CLOSED) {
                    return -1;
                }
                return r.bytesProduced();
        }
    }
}
