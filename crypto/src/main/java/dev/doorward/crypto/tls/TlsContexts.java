package dev.doorward.crypto.tls;

import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Fingerprints;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Every TLS endpoint in Doorward: TLS 1.3 only, trusting only Doorward's own CAs, never the platform's
 * CA list. Engines, sockets and server sockets from these contexts start with {@link #parameters()}.
 *
 * <p>Requiring a client certificate is the server socket's or connector's job
 * ({@code setNeedClientAuth(true)}); hostname verification is the client's ({@code
 * SSLParameters.setEndpointIdentificationAlgorithm("HTTPS")}, which java.net.http sets by default).
 */
public final class TlsContexts {

    /** Do not modify; it is an array only because JSSE wants one. */
    public static final String[] PROTOCOLS = {"TLSv1.3"};

    private static final String PROTOCOL = "TLSv1.3";
    private static final String[] NAMED_GROUPS = {"x25519", "secp256r1"};

    private TlsContexts() {}

    /** A fresh copy of Doorward's TLS parameters: TLS 1.3, key exchange over x25519 or P-256. */
    public static SSLParameters parameters() {
        SSLParameters parameters = new SSLParameters();
        parameters.setProtocols(new String[] {PROTOCOL});
        parameters.setNamedGroups(NAMED_GROUPS.clone());
        return parameters;
    }

    /**
     * A server presenting {@code serverCredential}. Client certificates are accepted only if they chain
     * to one of {@code clientTrustAnchors} and are issued for client authentication; with no anchors,
     * every client certificate is refused.
     */
    public static SSLContext server(Credential serverCredential, Collection<X509Certificate> clientTrustAnchors) {
        Objects.requireNonNull(serverCredential, "serverCredential");
        Objects.requireNonNull(clientTrustAnchors, "clientTrustAnchors");
        return context(
                new KeyManager[] {new SingleCredentialKeyManager(serverCredential)},
                PkixTrustManager.forClients(clientTrustAnchors));
    }

    /**
     * The check {@link #server} applies to client certificates, for a TLS stack that is not JSSE's (the hub's
     * device port on BoringSSL): the chain must lead to one of {@code clientTrustAnchors} and the leaf must be
     * issued for client authentication; with no anchors, every client certificate is refused.
     */
    public static X509TrustManager clientTrustManager(Collection<X509Certificate> clientTrustAnchors) {
        Objects.requireNonNull(clientTrustAnchors, "clientTrustAnchors");
        return PkixTrustManager.forClients(clientTrustAnchors);
    }

    /** A client that trusts only servers whose chain leads to {@code trustedCa}. */
    public static SSLContext client(Credential clientCredentialOrNull, X509Certificate trustedCa) {
        Objects.requireNonNull(trustedCa, "trustedCa");
        return context(keyManagers(clientCredentialOrNull), PkixTrustManager.forServer(trustedCa));
    }

    /**
     * A client for the claim flow, which knows the hub CA only by the fingerprint in the claim QR code.
     * The server's chain must contain a CA certificate with that fingerprint, and the server's own
     * certificate must chain to it; everything else is refused.
     */
    public static SSLContext clientPinned(Credential clientCredentialOrNull, String caFingerprint) {
        Objects.requireNonNull(caFingerprint, "caFingerprint");
        if (!Fingerprints.isWellFormed(caFingerprint)) {
            throw new IllegalArgumentException("Not a certificate fingerprint");
        }
        return context(keyManagers(clientCredentialOrNull), PkixTrustManager.forPinnedServer(caFingerprint));
    }

    /**
     * A client for services on the public web (Web Push services), the one exception to "Doorward's CAs
     * only": it trusts the platform's CA list plus {@code extraTrustAnchors} (a self-hosted push service's CA),
     * and speaks TLS 1.2 or 1.3 because push services are not ours to upgrade. Callers verify the host name
     * ({@code setEndpointIdentificationAlgorithm("HTTPS")}).
     */
    public static SSLContext publicWebClient(Collection<X509Certificate> extraTrustAnchors) {
        Objects.requireNonNull(extraTrustAnchors, "extraTrustAnchors");
        try {
            javax.net.ssl.TrustManagerFactory platform = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            platform.init((java.security.KeyStore) null);
            java.security.KeyStore anchors = java.security.KeyStore.getInstance("PKCS12");
            anchors.load(null, null);
            int n = 0;
            for (TrustManager tm : platform.getTrustManagers()) {
                if (tm instanceof X509TrustManager x509) {
                    for (X509Certificate ca : x509.getAcceptedIssuers()) {
                        anchors.setCertificateEntry("platform-" + n++, ca);
                    }
                }
            }
            for (X509Certificate extra : extraTrustAnchors) {
                anchors.setCertificateEntry("extra-" + n++, extra);
            }
            javax.net.ssl.TrustManagerFactory combined = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            combined.init(anchors);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[0], combined.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("Cannot set up TLS for the public web", e);
        }
    }

    private static KeyManager[] keyManagers(Credential credentialOrNull) {
        // No key managers means JSSE sends no certificate, rather than falling back to a default key store.
        return credentialOrNull == null
                ? new KeyManager[0]
                : new KeyManager[] {new SingleCredentialKeyManager(credentialOrNull)};
    }

    private static SSLContext context(KeyManager[] keyManagers, TrustManager trustManager) {
        try {
            SSLContext delegate = SSLContext.getInstance(PROTOCOL);
            delegate.init(keyManagers, new TrustManager[] {trustManager}, null);
            return new ConfiguredSslContext(delegate, TlsContexts::parameters);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS 1.3 is unavailable", e);
        }
    }
}
