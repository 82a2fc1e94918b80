package io.jevent.filter;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;

/**
 * How a {@link TlsBufferEvent} sets up its {@link javax.net.ssl.SSLEngine}. Immutable; each method returns a
 * changed copy: {@code TlsOptions.client("example.org").alpn("h2", "http/1.1")}.
 */
public final class TlsOptions {
    private final boolean client;
    private final String serverName;
    private final boolean verifyHostname;
    private final List<String> alpn;
    private final ClientAuth clientAuth;
    private final boolean allowDirtyShutdown;
    private final Executor taskExecutor;
    private final List<String> protocols;
    private final List<String> cipherSuites;

    /** Whether a server asks for a client certificate. */
    public enum ClientAuth {
        /** No client certificate requested. */
        NONE,
        /** Requested; the handshake goes on without one. */
        WANT,
        /** Required; the handshake fails without a trusted one. */
        NEED
    }

    private TlsOptions(boolean client, String serverName, boolean verifyHostname, List<String> alpn,
                       ClientAuth clientAuth, boolean allowDirtyShutdown, Executor taskExecutor,
                       List<String> protocols, List<String> cipherSuites) {
        this.client = client;
        this.serverName = serverName;
        this.verifyHostname = verifyHostname;
        this.alpn = alpn;
        this.clientAuth = clientAuth;
        this.allowDirtyShutdown = allowDirtyShutdown;
        this.taskExecutor = taskExecutor;
        this.protocols = protocols;
        this.cipherSuites = cipherSuites;
    }

    /**
     * Client mode. {@code serverName} (may be null) is sent as SNI, checked against the server certificate
     * (HTTPS rules; turn off with {@link #verifyHostname(boolean)}) and keys session resumption.
     *
     * @param serverName the host name the client connects to, or {@code null} for no SNI and no host-name check
     * @return client options with no ALPN, no protocol or suite restriction, and tasks on the common ForkJoinPool
     */
    public static TlsOptions client(String serverName) {
        return new TlsOptions(true, serverName, serverName != null, List.of(), ClientAuth.NONE, false,
                ForkJoinPool.commonPool(), List.of(), List.of());
    }

    /**
     * Server mode.
     *
     * @return server options with no client certificate requested, no ALPN, no protocol or suite restriction, and
     *         tasks on the common ForkJoinPool
     */
    public static TlsOptions server() {
        return new TlsOptions(false, null, false, List.of(), ClientAuth.NONE, false, ForkJoinPool.commonPool(),
                List.of(), List.of());
    }

    /**
     * Whether the client checks the certificate's names against the server name.
     *
     * @param on {@code true} to check them (HTTPS rules), {@code false} to accept any name on a trusted certificate
     * @return a copy with this setting
     */
    public TlsOptions verifyHostname(boolean on) {
        return new TlsOptions(client, serverName, on, alpn, clientAuth, allowDirtyShutdown, taskExecutor, protocols,
                cipherSuites);
    }

    /**
     * ALPN protocols, in preference order (a server picks the first of its own list the client offers).
     *
     * @param protocols protocol names such as {@code "h2"}; none to offer no ALPN
     * @return a copy with this list
     */
    public TlsOptions alpn(String... protocols) {
        return new TlsOptions(client, serverName, verifyHostname, List.of(protocols), clientAuth, allowDirtyShutdown,
                taskExecutor, this.protocols, cipherSuites);
    }

    /**
     * Server: whether to request a client certificate.
     *
     * @param mode none, wanted or needed; not {@code null}
     * @return a copy with this mode
     * @throws NullPointerException if {@code mode} is {@code null}
     */
    public TlsOptions clientAuth(ClientAuth mode) {
        return new TlsOptions(client, serverName, verifyHostname, alpn, Objects.requireNonNull(mode, "mode"),
                allowDirtyShutdown, taskExecutor, protocols, cipherSuites);
    }

    /**
     * Treat a peer that closes the connection without close_notify as a clean EOF instead of an ERROR with a
     * "truncated" cause (libevent's {@code bufferevent_openssl_set_allow_dirty_shutdown}). Off by default: a
     * truncation attack could otherwise cut a message short unnoticed.
     *
     * @param on {@code true} to take a missing close_notify as EOF
     * @return a copy with this setting
     */
    public TlsOptions allowDirtyShutdown(boolean on) {
        return new TlsOptions(client, serverName, verifyHostname, alpn, clientAuth, on, taskExecutor, protocols,
                cipherSuites);
    }

    /**
     * Where the SSLEngine's delegated tasks (certificate checks, key exchange) run; the handshake then resumes on
     * the loop thread. Default: the common ForkJoinPool. {@code Runnable::run} runs them inline on the loop.
     *
     * @param executor where the tasks run; not {@code null}
     * @return a copy with this executor
     * @throws NullPointerException if {@code executor} is {@code null}
     */
    public TlsOptions taskExecutor(Executor executor) {
        return new TlsOptions(client, serverName, verifyHostname, alpn, clientAuth, allowDirtyShutdown,
                Objects.requireNonNull(executor, "executor"), protocols, cipherSuites);
    }

    /**
     * Restricts the protocol versions, e.g. {@code "TLSv1.3"} or {@code "TLSv1.3", "TLSv1.2"}; empty (the default)
     * keeps the SSLContext's. Names unknown to the provider make the engine refuse at creation.
     *
     * @param versions the protocol names to enable; none to keep the context's defaults
     * @return a copy with this restriction
     */
    public TlsOptions protocols(String... versions) {
        List<String> protocols = List.of(versions);
        return new TlsOptions(client, serverName, verifyHostname, alpn, clientAuth, allowDirtyShutdown, taskExecutor,
                protocols, cipherSuites);
    }

    /**
     * Restricts the cipher suites, e.g. {@code "TLS_AES_128_GCM_SHA256"}; empty (the default) keeps the
     * SSLContext's.
     *
     * @param suites the standard cipher suite names to enable; none to keep the context's defaults
     * @return a copy with this restriction
     */
    public TlsOptions cipherSuites(String... suites) {
        List<String> cipherSuites = List.of(suites);
        return new TlsOptions(client, serverName, verifyHostname, alpn, clientAuth, allowDirtyShutdown, taskExecutor,
                protocols, cipherSuites);
    }

    /**
     * The protocol versions allowed.
     *
     * @return the versions set by {@link #protocols(String...)}, unmodifiable; empty for the context's defaults
     */
    public List<String> protocols() {
        return protocols;
    }

    /**
     * The cipher suites allowed.
     *
     * @return the suites set by {@link #cipherSuites(String...)}, unmodifiable; empty for the context's defaults
     */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /**
     * Client or server mode.
     *
     * @return {@code true} for client mode, {@code false} for server mode
     */
    public boolean isClient() {
        return client;
    }

    /**
     * The SNI name.
     *
     * @return the server name given to {@link #client(String)}, or {@code null} (always for a server)
     */
    public String serverName() {
        return serverName;
    }

    /**
     * Whether host names are verified.
     *
     * @return {@code true} if the client checks the server certificate against {@link #serverName()}
     */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /**
     * ALPN protocols.
     *
     * @return the protocols in preference order, unmodifiable; empty when no ALPN is offered
     */
    public List<String> alpn() {
        return alpn;
    }

    /**
     * Client-certificate mode.
     *
     * @return whether a server requests a client certificate; never {@code null}
     */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /**
     * Whether a dirty shutdown is a clean EOF.
     *
     * @return {@code true} if a close without close_notify is reported as EOF rather than an error
     */
    public boolean allowDirtyShutdown() {
        return allowDirtyShutdown;
    }

    /**
     * The delegated-task executor.
     *
     * @return where the SSLEngine's delegated tasks run; never {@code null}
     */
    public Executor taskExecutor() {
        return taskExecutor;
    }
}
