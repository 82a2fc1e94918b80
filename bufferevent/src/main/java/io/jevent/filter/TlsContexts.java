package io.jevent.filter;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * Builds {@link SSLContext}s from files, for {@link TlsBufferEvent}: a certificate chain and PKCS#8 private key in
 * PEM ({@code openssl genpkey} / {@code openssl req -nodes} output), or a PKCS#12 file; plus the CA certificates
 * (PEM) to trust. Without trusted CAs the JDK's default trust store is used. Contexts are meant to be shared by
 * many connections: that is also what makes session resumption work.
 */
public final class TlsContexts {
    private TlsContexts() {
    }

    /**
     * A context with our certificate chain and key from PEM files, trusting {@code trustedCas} (null: the JDK's
     * default trust store), for a server, or a client doing client authentication.
     *
     * @param certChainPem PEM file with our certificate first, then its intermediates
     * @param pkcs8KeyPem PEM file with the unencrypted PKCS#8 private key of our certificate
     * @param trustedCas PEM file of the CA certificates to trust, or {@code null} for the JDK's default trust store
     * @return a new TLS context holding the key and trusting those CAs
     * @throws IOException if a file cannot be read
     * @throws GeneralSecurityException if a file holds no certificate, the key is not an unencrypted PKCS#8 key of
     *         a supported algorithm, or the JDK refuses the key or certificates
     */
    public static SSLContext fromPem(Path certChainPem, Path pkcs8KeyPem, Path trustedCas)
            throws IOException, GeneralSecurityException {
        List<Certificate> chain = readCertificates(certChainPem);
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("no certificate in " + certChainPem);
        }
        PrivateKey key = readPkcs8Key(pkcs8KeyPem);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = new char[0];
        ks.setKeyEntry("key", key, pw, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        return context(kmf.getKeyManagers(), trustedCas);
    }

    /**
     * A context with the key and chain of a PKCS#12 file, trusting {@code trustedCas} (null: JDK default).
     *
     * @param p12 the PKCS#12 file holding our private key and certificate chain
     * @param password the password of the file and of its key entry
     * @param trustedCas PEM file of the CA certificates to trust, or {@code null} for the JDK's default trust store
     * @return a new TLS context holding the key and trusting those CAs
     * @throws IOException if a file cannot be read or the password is wrong
     * @throws GeneralSecurityException if the JDK refuses the key store, key or certificates, or {@code trustedCas}
     *         holds no certificate
     */
    public static SSLContext fromPkcs12(Path p12, char[] password, Path trustedCas)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, password);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        return context(kmf.getKeyManagers(), trustedCas);
    }

    /**
     * A client context without a certificate of its own, trusting the CA certificates in {@code trustedCas}.
     *
     * @param trustedCas PEM file of the CA certificates to trust, or {@code null} for the JDK's default trust store
     * @return a new TLS context
     * @throws IOException if the file cannot be read
     * @throws GeneralSecurityException if the file holds no certificate or the JDK refuses one
     */
    public static SSLContext trusting(Path trustedCas) throws IOException, GeneralSecurityException {
        return context(null, trustedCas);
    }

    private static SSLContext context(KeyManager[] kms, Path trustedCas) throws IOException,
            GeneralSecurityException {
        TrustManager[] tms = null;
        if (trustedCas != null) {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            int i = 0;
            for (Certificate c : readCertificates(trustedCas)) {
                ts.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new GeneralSecurityException("no certificate in " + trustedCas);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            tms = tmf.getTrustManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, tms, null);
        return ctx;
    }

    /**
     * Every certificate in a PEM (or DER) file, in order.
     *
     * @param pem the file to read
     * @return the X.509 certificates in file order, in a new mutable list; empty if the file holds none
     * @throws IOException if the file cannot be read
     * @throws GeneralSecurityException if the contents cannot be parsed as X.509 certificates
     */
    public static List<Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (InputStream in = new ByteArrayInputStream(Files.readAllBytes(pem))) {
            Collection<? extends Certificate> all = cf.generateCertificates(in);
            return new ArrayList<>(all);
        }
    }

    /**
     * An unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----}): RSA, EC, Ed25519/Ed448 or RSA-PSS.
     *
     * @param pem the PEM file holding the key
     * @return the private key
     * @throws IOException if the file cannot be read
     * @throws GeneralSecurityException if the file holds no unencrypted PKCS#8 key (the message says how to convert
     *         a traditional or encrypted one) or its algorithm is not supported
     */
    public static PrivateKey readPkcs8Key(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        String begin = "-----BEGIN PRIVATE KEY-----";
        int b = text.indexOf(begin);
        int e = text.indexOf("-----END PRIVATE KEY-----");
        if (b < 0 || e < b) {
            String hint = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? ": it is in a traditional format; convert with openssl pkcs8 -topk8 -nocrypt"
                    : text.contains("ENCRYPTED PRIVATE KEY") ? ": it is encrypted; use a PKCS#12 file instead" : "";
            throw new GeneralSecurityException("no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) in " + pem + hint);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        GeneralSecurityException last = null;
        for (String alg : new String[] {"RSA", "EC", "EdDSA", "RSASSA-PSS", "XDH"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException ex) {
                last = ex;
            }
        }
        throw new GeneralSecurityException("unsupported key algorithm in " + pem, last);
    }
}
