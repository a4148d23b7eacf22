package dev.doorward.hub.pki;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.Certificates;
import dev.doorward.crypto.pki.Credential;
import dev.doorward.crypto.pki.Pem;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.hubkeys.HubKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The hub's own certificate authority (from {@link HubKeys}: the data directory, or a cluster's shared store) and its
 * TLS certificate, issued under {@code <data>/pki} for this hub's (or node's) own names, and the manufacturer CA it
 * accepts devices from.
 */
@Component
public class HubPki {
    private static final Logger log = LoggerFactory.getLogger(HubPki.class);
    private static final Duration SERVER_VALIDITY = Duration.ofDays(365);
    /** Renew the server certificate when less than this is left. */
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);

    private final CertificateAuthority hubCa;
    private final Credential serverCredential;
    private final X509Certificate manufacturerCa;
    private final Clock clock;

    public HubPki(HubProperties properties, HubKeys keys, Clock clock) {
        this.clock = clock;
        Path dir = properties.dataDir().resolve("pki");
        try {
            Files.createDirectories(dir);
            hubCa = keys.hubCa();
            publishCaCertificate(dir.resolve("hub-ca").resolve("ca.crt"));
            serverCredential = serverCredential(properties, dir.resolve("server.crt"), dir.resolve("server.key"));
            manufacturerCa = Pem.parseCertificate(Files.readString(properties.manufacturerCaCertificate()));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the hub PKI in " + dir, e);
        }
        if (Certificates.kind(manufacturerCa) != CertificateKind.MANUFACTURER_CA) {
            throw new IllegalStateException("doorward.manufacturer-ca-certificate is not a manufacturer CA");
        }
    }

    /**
     * The CA's certificate (public: browsers, HAProxy and tools trust it) where operators look for it, also on a
     * cluster node, whose CA key lives only in the shared store (the key is never written here for one).
     */
    private void publishCaCertificate(Path file) throws IOException {
        String pem = Pem.certificate(hubCa.certificate());
        if (!Files.exists(file) || !Files.readString(file).equals(pem)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, pem);
        }
    }

    private Credential serverCredential(HubProperties properties, Path certFile, Path keyFile) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        names.add(properties.publicHost());
        names.addAll(properties.extraHostNames());
        names.add("localhost");
        names.add("127.0.0.1");
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            Credential existing = Credential.load(certFile, keyFile);
            X509Certificate cert = existing.certificate();
            boolean fresh = Certificates.isValidAt(cert, clock.instant().plus(RENEW_BEFORE));
            if (fresh && sanNames(cert).containsAll(names) && issuedByHubCa(cert)) {
                return existing;
            }
        }
        Credential created = hubCa.issueServerCredential(List.copyOf(names), SERVER_VALIDITY);
        created.save(certFile, keyFile);
        log.info("Issued the hub TLS certificate for {}", names);
        return created;
    }

    private boolean issuedByHubCa(X509Certificate cert) {
        try {
            cert.verify(hubCa.certificate().getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Set<String> sanNames(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            if (cert.getSubjectAlternativeNames() != null) {
                cert.getSubjectAlternativeNames().forEach(entry -> names.add(String.valueOf(entry.get(1))));
            }
        } catch (Exception e) {
            // unreadable SANs: treat as none, the certificate gets replaced
        }
        return names;
    }

    public CertificateAuthority hubCa() {
        return hubCa;
    }

    public String hubCaFingerprint() {
        return hubCa.fingerprint();
    }

    public Credential serverCredential() {
        return serverCredential;
    }

    public X509Certificate manufacturerCa() {
        return manufacturerCa;
    }

    /**
     * Whether the authority that vouches for this kind of doorbell certificate issued it: an operational certificate
     * only this hub's CA, a device (factory) certificate only the manufacturer's. The device port trusts both CAs in
     * TLS, so without this rule whoever held the manufacturer's key could mint "operational" certificates for owned
     * doorbells and take their links over.
     */
    public boolean issuedByItsAuthority(X509Certificate doorbellCertificate) {
        return switch (Certificates.kind(doorbellCertificate)) {
            case OPERATIONAL -> Certificates.isIssuedBy(doorbellCertificate, hubCa.certificate());
            case DEVICE -> Certificates.isIssuedBy(doorbellCertificate, manufacturerCa);
            default -> false;
        };
    }

    /** Issues a claimed device's operational certificate for the key in its device certificate. */
    public X509Certificate issueOperationalCertificate(PublicKey devicePublicKey, String deviceId, Duration validity) {
        return hubCa.issueOperationalCertificate(devicePublicKey, deviceId, validity);
    }
}
