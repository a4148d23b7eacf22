package dev.doorward.crypto.tls;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.X509TrustManager;

/**
 * PKIX validation against Doorward's own anchors only, never the platform's CA list, with the leaf's
 * extended key usage required (not merely allowed to be absent).
 *
 * <p>Deliberately a plain {@link X509TrustManager} rather than an {@code X509ExtendedTrustManager}: JSSE
 * then wraps it and adds endpoint identification (when the caller asks for it, as java.net.http does) and
 * the TLS algorithm constraints, so neither is reimplemented here.
 */
final class PkixTrustManager implements X509TrustManager {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final int DIGITAL_SIGNATURE = 0;
    private static final int KEY_CERT_SIGN = 5;

    private enum Role {
        /** A server checking its clients against a fixed set of anchors. */
        CLIENTS,
        /** A client checking its server against a fixed set of anchors. */
        SERVER,
        /** A client checking its server against a CA known only by fingerprint. */
        PINNED_SERVER
    }

    private final Role role;
    private final Set<TrustAnchor> anchors;
    private final X509Certificate[] acceptedIssuers;
    private final byte[] pin;

    private PkixTrustManager(Role role, Collection<X509Certificate> anchors, byte[] pin) {
        this.role = role;
        this.acceptedIssuers = anchors.toArray(X509Certificate[]::new);
        Set<TrustAnchor> set = new LinkedHashSet<>();
        for (X509Certificate anchor : anchors) {
            set.add(new TrustAnchor(anchor, null));
        }
        this.anchors = Set.copyOf(set);
        this.pin = pin;
    }

    /** Accepts clients whose chain leads to one of {@code anchors}; an empty set refuses every client. */
    static PkixTrustManager forClients(Collection<X509Certificate> anchors) {
        return new PkixTrustManager(Role.CLIENTS, List.copyOf(anchors), null);
    }

    static PkixTrustManager forServer(X509Certificate trustedCa) {
        return new PkixTrustManager(Role.SERVER, List.of(trustedCa), null);
    }

    static PkixTrustManager forPinnedServer(String caFingerprint) {
        return new PkixTrustManager(Role.PINNED_SERVER, List.of(), caFingerprint.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (role != Role.CLIENTS) {
            throw new CertificateException("This endpoint does not accept client certificates");
        }
        if (anchors.isEmpty()) {
            throw new CertificateException("This endpoint trusts no client certificates");
        }
        validate(chain, anchors, CLIENT_AUTH);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        switch (role) {
            case SERVER -> validate(chain, anchors, SERVER_AUTH);
            case PINNED_SERVER -> validate(chain, Set.of(new TrustAnchor(pinnedAuthority(chain), null)), SERVER_AUTH);
            case CLIENTS -> throw new CertificateException("This endpoint does not accept server certificates");
        }
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return acceptedIssuers.clone();
    }

    /** The certificate in the chain that matches the pin, provided it is a CA and not the server itself. */
    private X509Certificate pinnedAuthority(X509Certificate[] chain) throws CertificateException {
        requireChain(chain);
        X509Certificate pinned = null;
        for (X509Certificate certificate : chain) {
            byte[] fingerprint = Fingerprints.of(certificate).getBytes(StandardCharsets.US_ASCII);
            if (Hashes.constantTimeEquals(fingerprint, pin) && pinned == null) {
                pinned = certificate;
            }
        }
        if (pinned == null) {
            throw new CertificateException("The server's chain does not contain the pinned CA");
        }
        if (pinned == chain[0]) {
            throw new CertificateException("The pinned CA cannot be the server's own certificate");
        }
        boolean[] keyUsage = pinned.getKeyUsage();
        if (!Certificates.isAuthority(pinned) || (keyUsage != null && !keyUsage[KEY_CERT_SIGN])) {
            throw new CertificateException("The pinned certificate is not a CA");
        }
        return pinned;
    }

    private static void validate(X509Certificate[] chain, Set<TrustAnchor> anchors, String purpose)
            throws CertificateException {
        requireChain(chain);
        X509Certificate leaf = chain[0];
        if (Certificates.isAuthority(leaf)) {
            throw new CertificateException("A CA certificate cannot identify a TLS peer");
        }
        requireExtendedKeyUsage(leaf, purpose);
        boolean[] keyUsage = leaf.getKeyUsage();
        if (keyUsage != null && !keyUsage[DIGITAL_SIGNATURE]) {
            throw new CertificateException("The peer certificate may not sign TLS handshakes");
        }
        try {
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(leaf);
            PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, target);
            // Doorward revokes by re-issuing and by the device registry, not by CRL or OCSP.
            parameters.setRevocationEnabled(false);
            parameters.addCertStore(
                    CertStore.getInstance("Collection", new CollectionCertStoreParameters(Arrays.asList(chain))));
            CertPathBuilder.getInstance("PKIX").build(parameters);
        } catch (GeneralSecurityException e) {
            throw new CertificateException("The peer certificate chain is not trusted", e);
        }
    }

    private static void requireExtendedKeyUsage(X509Certificate leaf, String purpose) throws CertificateException {
        List<String> usages;
        try {
            usages = leaf.getExtendedKeyUsage();
        } catch (CertificateParsingException e) {
            throw new CertificateException("The peer certificate has a malformed extended key usage", e);
        }
        if (usages == null || !usages.contains(purpose)) {
            throw new CertificateException("The peer certificate is not issued for this TLS role");
        }
    }

    private static void requireChain(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("The peer presented no certificate");
        }
    }
}
