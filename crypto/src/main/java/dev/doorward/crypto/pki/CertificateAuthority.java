package dev.doorward.crypto.pki;

import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.IPAddress;

/**
 * A P-256 ECDSA certificate authority: the manufacturer CA (signs device certificates) or a hub CA
 * (signs the hub's server certificate and operational certificates). Each kind issues only what it is
 * for, so a leaked hub CA cannot mint device identities and the manufacturer cannot mint hub access.
 */
public final class CertificateAuthority {

    static final String CERTIFICATE_FILE = "ca.crt";
    static final String KEY_FILE = "ca.key";

    /** Tolerates devices whose clocks run a little behind the issuer's. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final int MAX_COMMON_NAME = 64;
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

    private final CertificateKind kind;
    private final PrivateKey privateKey;
    private final X509Certificate certificate;
    private final String fingerprint;
    private final Clock clock;
    private final SecureRandom random;

    private CertificateAuthority(
            CertificateKind kind,
            PrivateKey privateKey,
            X509Certificate certificate,
            Clock clock,
            SecureRandom random) {
        this.kind = kind;
        this.privateKey = privateKey;
        this.certificate = certificate;
        this.fingerprint = Fingerprints.of(certificate);
        this.clock = clock;
        this.random = random;
    }

    /** A new self-signed root that may sign end-entity certificates only (path length 0). */
    public static CertificateAuthority create(
            CertificateKind kind, String commonName, Duration validity, Clock clock, SecureRandom random) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        if (kind != CertificateKind.MANUFACTURER_CA && kind != CertificateKind.HUB_CA) {
            throw new IllegalArgumentException("A certificate authority is either MANUFACTURER_CA or HUB_CA");
        }
        KeyPair keyPair = KeyPairs.newP256(random);
        X500Name subject = name(commonName, kind);
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            subject,
                            serialNumber(random),
                            Date.from(now.minus(CLOCK_SKEW)),
                            Date.from(notAfter(now, validity)),
                            subject,
                            keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier,
                            false,
                            extensions.createSubjectKeyIdentifier(keyPair.getPublic()))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(keyPair.getPublic()));
            X509Certificate certificate = sign(builder, keyPair.getPrivate(), random);
            return new CertificateAuthority(kind, keyPair.getPrivate(), certificate, clock, random);
        } catch (CertIOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("Cannot build the CA certificate", e);
        }
    }

    /** True if {@code dir} holds both CA files. */
    public static boolean exists(Path dir) {
        return Files.isRegularFile(dir.resolve(CERTIFICATE_FILE)) && Files.isRegularFile(dir.resolve(KEY_FILE));
    }

    /** Reads a CA saved by {@link #save}; refuses files that are not a Doorward CA with its own key. */
    public static CertificateAuthority load(Path dir, Clock clock, SecureRandom random) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Credential credential = Credential.load(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE));
        if (credential.chain().size() != 1) {
            throw new IllegalArgumentException("A CA certificate file holds exactly one certificate");
        }
        X509Certificate certificate = credential.certificate();
        CertificateKind kind = Certificates.kind(certificate);
        if (kind != CertificateKind.MANUFACTURER_CA && kind != CertificateKind.HUB_CA) {
            throw new IllegalArgumentException("The certificate in " + dir + " is not a Doorward CA");
        }
        if (!Certificates.isIssuedBy(certificate, certificate)) {
            throw new IllegalArgumentException("The CA certificate in " + dir + " is not self-signed");
        }
        return new CertificateAuthority(kind, credential.privateKey(), certificate, clock, random);
    }

    /**
     * The CA's private key and certificate as one PEM text, for a store of its own (a cluster's shared, sealed key
     * table). It holds the private key: seal it before it leaves memory.
     */
    public String toPem() {
        return Pem.privateKey(privateKey) + Pem.certificate(certificate);
    }

    /** Reads what {@link #toPem} wrote; refuses anything that is not a self-signed Doorward CA with its own key. */
    public static CertificateAuthority fromPem(String pem, Clock clock, SecureRandom random) {
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        int split = pem.indexOf("-----BEGIN CERTIFICATE-----");
        if (split <= 0) {
            throw new IllegalArgumentException("Not one CA certificate with its private key");
        }
        PrivateKey key = Pem.parsePrivateKey(pem.substring(0, split));
        List<X509Certificate> certificates = Pem.parseCertificates(pem.substring(split));
        if (certificates.size() != 1
                || !KeyPairs.matches(key, certificates.get(0).getPublicKey())) {
            throw new IllegalArgumentException("Not one CA certificate with its private key");
        }
        X509Certificate certificate = certificates.get(0);
        CertificateKind kind = Certificates.kind(certificate);
        if (kind != CertificateKind.MANUFACTURER_CA && kind != CertificateKind.HUB_CA) {
            throw new IllegalArgumentException("The certificate is not a Doorward CA");
        }
        if (!Certificates.isIssuedBy(certificate, certificate)) {
            throw new IllegalArgumentException("The CA certificate is not self-signed");
        }
        return new CertificateAuthority(kind, key, certificate, clock, random);
    }

    /**
     * Writes {@code ca.crt} and the owner-only {@code ca.key}. Refuses to replace a different CA: every
     * device that pinned the old one would be cut off.
     */
    public void save(Path dir) {
        if (exists(dir)) {
            List<X509Certificate> existing = Pem.parseCertificates(SecureFiles.read(dir.resolve(CERTIFICATE_FILE)));
            if (existing.size() == 1 && existing.get(0).equals(certificate)) {
                return;
            }
            throw new IllegalStateException("A different certificate authority is already stored in " + dir);
        }
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("Cannot create " + dir, e);
        }
        new Credential(privateKey, List.of(certificate)).save(dir.resolve(CERTIFICATE_FILE), dir.resolve(KEY_FILE));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** {@link Fingerprints#of(X509Certificate)} of the CA certificate: what devices pin. */
    public String fingerprint() {
        return fingerprint;
    }

    public CertificateKind kind() {
        return kind;
    }

    /** "A genuine device with serial S", for TLS client authentication. Manufacturer CA only. */
    public X509Certificate issueDeviceCertificate(PublicKey devicePublicKey, String serial, Duration validity) {
        requireKind(CertificateKind.MANUFACTURER_CA, "device certificates");
        return issueClientCertificate(devicePublicKey, serial, CertificateKind.DEVICE, validity);
    }

    /** The identity a claimed device uses with its hub. Hub CA only. */
    public X509Certificate issueOperationalCertificate(PublicKey devicePublicKey, String deviceId, Duration validity) {
        requireKind(CertificateKind.HUB_CA, "operational certificates");
        return issueClientCertificate(devicePublicKey, deviceId, CertificateKind.OPERATIONAL, validity);
    }

    /**
     * A new key pair and a TLS server certificate naming every host (IP literals as iPAddress, others as
     * dNSName); the chain includes this CA so clients can match a pin against it. Hub CA only.
     */
    public Credential issueServerCredential(Collection<String> hostNames, Duration validity) {
        requireKind(CertificateKind.HUB_CA, "server certificates");
        Objects.requireNonNull(hostNames, "hostNames");
        if (hostNames.isEmpty()) {
            throw new IllegalArgumentException("A server certificate needs at least one host name");
        }
        Set<String> hosts = new LinkedHashSet<>();
        List<GeneralName> names = new ArrayList<>();
        for (String host : hostNames) {
            String normalized = normalizeHost(host);
            if (hosts.add(normalized)) {
                names.add(
                        IPAddress.isValid(normalized)
                                ? new GeneralName(GeneralName.iPAddress, normalized)
                                : new GeneralName(GeneralName.dNSName, normalized));
            }
        }
        KeyPair keyPair = KeyPairs.newP256(random);
        X509Certificate leaf = issue(
                keyPair.getPublic(),
                hosts.iterator().next(),
                CertificateKind.SERVER,
                KeyPurposeId.id_kp_serverAuth,
                validity,
                new GeneralNames(names.toArray(GeneralName[]::new)));
        return new Credential(keyPair.getPrivate(), List.of(leaf, certificate));
    }

    @Override
    public String toString() {
        return "CertificateAuthority[kind=" + kind + ", subject="
                + certificate.getSubjectX500Principal().getName() + ", key=[REDACTED]]";
    }

    private X509Certificate issueClientCertificate(
            PublicKey publicKey, String commonName, CertificateKind leafKind, Duration validity) {
        return issue(publicKey, commonName, leafKind, KeyPurposeId.id_kp_clientAuth, validity, null);
    }

    private X509Certificate issue(
            PublicKey publicKey,
            String commonName,
            CertificateKind leafKind,
            KeyPurposeId purpose,
            Duration validity,
            GeneralNames subjectAltNames) {
        Objects.requireNonNull(publicKey, "publicKey");
        if (!KeyPairs.isP256(publicKey)) {
            throw new IllegalArgumentException("Doorward certificates are issued for P-256 keys only");
        }
        X500Name subject = name(commonName, leafKind);
        Instant now = clock.instant();
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            X500Name.getInstance(
                                    certificate.getSubjectX500Principal().getEncoded()),
                            serialNumber(random),
                            Date.from(now.minus(CLOCK_SKEW)),
                            Date.from(notAfter(now, validity)),
                            subject,
                            publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(publicKey))
                    .addExtension(
                            Extension.authorityKeyIdentifier,
                            false,
                            extensions.createAuthorityKeyIdentifier(certificate.getPublicKey()));
            if (subjectAltNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, subjectAltNames);
            }
            return sign(builder, privateKey, random);
        } catch (CertIOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("Cannot build the certificate", e);
        }
    }

    private void requireKind(CertificateKind required, String what) {
        if (kind != required) {
            throw new IllegalStateException("Only a " + required + " issues " + what + ", this is a " + kind);
        }
    }

    /** Built attribute by attribute, so a name containing ',' or '=' cannot inject another RDN. */
    private static X500Name name(String commonName, CertificateKind kind) {
        Objects.requireNonNull(commonName, "commonName");
        if (commonName.isBlank() || commonName.length() > MAX_COMMON_NAME) {
            throw new IllegalArgumentException("A common name has 1 to " + MAX_COMMON_NAME + " characters");
        }
        // Most general first in DER, so the RFC 4514 form reads "CN=...,OU=...,O=Doorward".
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, Certificates.ORGANIZATION)
                .addRDN(BCStyle.OU, kind.organizationalUnit().orElseThrow())
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static Instant notAfter(Instant now, Duration validity) {
        Objects.requireNonNull(validity, "validity");
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("Validity must be positive");
        }
        return now.plus(validity);
    }

    /** Positive, 128 random bits: unpredictable serials defeat chosen-prefix collision tricks. */
    private static BigInteger serialNumber(SecureRandom random) {
        BigInteger serial;
        do {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key, SecureRandom random) {
        try {
            ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM)
                    .setSecureRandom(random)
                    .build(key);
            return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (OperatorCreationException | CertificateException e) {
            throw new IllegalStateException("Cannot sign the certificate", e);
        }
    }

    /** Lower-cases DNS names, strips IPv6 brackets and refuses anything that is not a host. */
    private static String normalizeHost(String host) {
        Objects.requireNonNull(host, "host name");
        String candidate = host.trim();
        if (candidate.startsWith("[") && candidate.endsWith("]")) {
            candidate = candidate.substring(1, candidate.length() - 1);
        }
        if (IPAddress.isValidIPv4(candidate) || IPAddress.isValidIPv6(candidate)) {
            return candidate;
        }
        candidate = candidate.toLowerCase(Locale.ROOT);
        if (candidate.endsWith(".")) {
            candidate = candidate.substring(0, candidate.length() - 1);
        }
        if (candidate.isEmpty() || candidate.length() > 253) {
            throw new IllegalArgumentException("Not a valid host name: " + host);
        }
        for (String label : candidate.split("\\.", -1)) {
            if (!DNS_LABEL.matcher(label).matches()) {
                throw new IllegalArgumentException("Not a valid host name: " + host);
            }
        }
        return candidate;
    }
}
