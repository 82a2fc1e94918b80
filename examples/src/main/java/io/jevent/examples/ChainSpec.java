package io.jevent.examples;

import io.jevent.bufferevent.BevOption;
import io.jevent.bufferevent.BufferEvent;
import io.jevent.bufferevent.SocketBufferEvent;
import io.jevent.filter.Filters;
import io.jevent.filter.TlsContexts;
import io.jevent.filter.TlsOptions;
import io.jevent.filter.TokenBucketConfig;
import io.jevent.filter.ZlibOptions;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which filters {@code echo-server} stacks on each connection, and the stacking itself: always in the order
 * {@code rateLimit(zlib(tls(socket)))}, leaving out the layers not asked for. Both ends of a connection must use the
 * same chain, so the self-test's clients are built from the same spec in client mode.
 *
 * <p>Why that order: zlib sits above TLS, so plaintext is compressed before it is encrypted (ciphertext does not
 * compress); the rate limit is on top, so it meters the plaintext the application moves, whatever the layers below
 * add or save.
 *
 * <p>Immutable; the SSLContexts are made once and shared by every connection (which is also what lets TLS sessions
 * be resumed).
 */
final class ChainSpec {
    /** No filters: the socket itself is the top. */
    static final ChainSpec PLAIN = new ChainSpec(null, null, false, 0);

    /** Server context (our certificate and key), or null without TLS. */
    private final SSLContext serverTls;
    /** Client context (trusting the server's certificate), or null without TLS. */
    private final SSLContext clientTls;
    private final boolean zlib;
    /** Bytes per second both ways, or 0 for no limit. */
    private final long rate;

    private ChainSpec(SSLContext serverTls, SSLContext clientTls, boolean zlib, long rate) {
        this.serverTls = serverTls;
        this.clientTls = clientTls;
        this.zlib = zlib;
        this.rate = rate;
    }

    /**
     * A spec from the command line's values.
     *
     * @param cert PEM certificate chain for the server, or null for no TLS
     * @param key the PKCS#8 PEM key of {@code cert} (required with it)
     * @param ca what the self-test client trusts; null: {@code cert} itself (right for a self-signed one)
     * @param zlib whether to compress
     * @param rate bytes per second both ways, 0 for no limit
     */
    static ChainSpec of(Path cert, Path key, Path ca, boolean zlib, long rate)
            throws IOException, GeneralSecurityException {
        SSLContext server = null;
        SSLContext client = null;
        if (cert != null) {
            server = TlsContexts.fromPem(cert, key, null);
            client = TlsContexts.trusting(ca != null ? ca : cert);
        }
        return new ChainSpec(server, client, zlib, rate);
    }

    /** A spec with TLS from already made contexts (for callers that hold their own). */
    static ChainSpec of(SSLContext server, SSLContext client, boolean zlib, long rate) {
        return new ChainSpec(server, client, zlib, rate);
    }

    boolean tls() {
        return serverTls != null;
    }

    boolean zlib() {
        return zlib;
    }

    /** Bytes per second both ways, 0 for none. */
    long rate() {
        return rate;
    }

    /**
     * The token bucket of {@code --rate}: {@code rate} bytes per second both ways, burst one tick's worth
     * ({@link TokenBucketConfig#perSecond} raises a smaller burst to that).
     */
    TokenBucketConfig bucket() {
        return TokenBucketConfig.perSecond(rate, 1);
    }

    /**
     * The most bytes a rate-limited connection can move at once beyond the rate: the bucket's initial fill (one
     * tick's worth, never above the burst) and its burst.
     */
    long burstBytes() {
        return 2 * bucket().writeBurst();
    }

    /** The server's end of a connection on {@code socket}. Loop thread. */
    Chain server(SocketBufferEvent socket) {
        return build(socket, serverTls, TlsOptions.server(), rate > 0 ? bucket() : null);
    }

    /**
     * The client's end. The server name is not checked (the self-test connects to an address, and trusting only
     * the one certificate is what authenticates the server here). Loop thread.
     */
    Chain client(SocketBufferEvent socket) {
        return build(socket, clientTls, TlsOptions.client(null), rate > 0 ? clientBucket() : null);
    }

    /**
     * The client limits only what it sends, at {@code rate}: the server's limit (both ways) already paces the
     * echo, so the bytes on the wire are the same. Its reading is not limited because a TLS layer under a read
     * limit that is out of tokens when the server's close arrives reports the connection as truncated: TLS handles
     * the socket's EOF before the ciphertext (and close_notify) still waiting in the socket's input.
     */
    private TokenBucketConfig clientBucket() {
        return TokenBucketConfig.perSecond(TokenBucketConfig.UNLIMITED, 0, rate, 1);
    }

    private Chain build(SocketBufferEvent socket, SSLContext ctx, TlsOptions tlsOptions, TokenBucketConfig limit) {
        int o = BevOption.CLOSE_ON_FREE; // closing the top closes every layer and the socket
        List<BufferEvent> layers = new ArrayList<>();
        layers.add(socket);
        BufferEvent top = socket;
        if (ctx != null) {
            top = Filters.tls(top, ctx, tlsOptions, o);
            layers.add(top);
        }
        if (zlib) {
            // above TLS: plaintext is compressed, then encrypted (ciphertext would not compress); interactive, so a
            // request is never held back in the deflater
            top = Filters.zlib(top, ZlibOptions.defaults(), o);
            layers.add(top);
        }
        if (limit != null) {
            top = Filters.rateLimit(top, limit, o);
            layers.add(top);
        }
        return new Chain(socket, layers, ctx != null);
    }

    /** The chain as an expression, {@code rateLimit(zlib(tls(socket)))}. */
    @Override
    public String toString() {
        String s = "socket";
        if (tls()) {
            s = "tls(" + s + ")";
        }
        if (zlib) {
            s = "zlib(" + s + ")";
        }
        if (rate > 0) {
            // what the bucket grants, exactly (a rounded "1.0 KiB/s" would not tell 1,000 from 1,024)
            s = "rateLimit[" + bucket().writeRate() + " B/s](" + s + ")";
        }
        return s;
    }
}
