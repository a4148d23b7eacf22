package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private static CertificateAuthority manufacturer;
    private static CertificateAuthority hub;
    private static PublicKey deviceKey;

    @TempDir
    Path dir;

    @BeforeAll
    static void createAuthorities() {
        manufacturer = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, "Doorward Manufacturer CA", Duration.ofDays(3650), CLOCK, RANDOM);
        hub = CertificateAuthority.create(CertificateKind.HUB_CA, "Hub 1", Duration.ofDays(3650), CLOCK, RANDOM);
        deviceKey = KeyPairs.newP256(RANDOM).getPublic();
    }

    @Test
    void authorityIsASelfSignedEndEntityOnlyCa() throws Exception {
        X509Certificate ca = manufacturer.certificate();
        assertThat(ca.getSubjectX500Principal().getName())
                .isEqualTo("CN=Doorward Manufacturer CA,OU=doorward-manufacturer-ca,O=Doorward");
        assertThat(ca.getIssuerX500Principal()).isEqualTo(ca.getSubjectX500Principal());
        ca.verify(ca.getPublicKey());
        assertThat(ca.getBasicConstraints()).isZero();
        assertThat(ca.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId());
        assertThat(ca.getKeyUsage()).containsExactly(false, false, false, false, false, true, true, false, false);
        assertThat(ca.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(KeyPairs.isP256(ca.getPublicKey())).isTrue();
        assertThat(manufacturer.kind()).isEqualTo(CertificateKind.MANUFACTURER_CA);
        assertThat(Certificates.kind(ca)).isEqualTo(CertificateKind.MANUFACTURER_CA);
        assertThat(Certificates.kind(hub.certificate())).isEqualTo(CertificateKind.HUB_CA);
        assertThat(hub.certificate().getSubjectX500Principal().getName())
                .isEqualTo("CN=Hub 1,OU=doorward-hub-ca,O=Doorward");
        assertThat(manufacturer.fingerprint()).isEqualTo(Fingerprints.of(ca)).hasSize(43);
        assertThat(manufacturer.toString()).contains("[REDACTED]");
    }

    @Test
    void validityAllowsForClockSkew() {
        X509Certificate device = manufacturer.issueDeviceCertificate(deviceKey, "DW-000123", Duration.ofDays(365));
        assertThat(device.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(5)));
        assertThat(device.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(365)));
        assertThat(Certificates.isValidAt(device, NOW.minus(Duration.ofMinutes(4))))
                .isTrue();
        assertThat(Certificates.isValidAt(device, NOW.minus(Duration.ofMinutes(6))))
                .isFalse();
        assertThat(Certificates.isValidAt(device, NOW.plus(Duration.ofDays(365))))
                .isTrue();
        assertThat(Certificates.isValidAt(device, NOW.plus(Duration.ofDays(365)).plusSeconds(1)))
                .isFalse();
        assertThatThrownBy(() -> manufacturer.issueDeviceCertificate(deviceKey, "DW-1", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deviceCertificate() throws Exception {
        X509Certificate device = manufacturer.issueDeviceCertificate(deviceKey, "DW-000123", Duration.ofDays(365));

        assertThat(device.getSubjectX500Principal().getName()).isEqualTo("CN=DW-000123,OU=doorward-device,O=Doorward");
        assertThat(device.getIssuerX500Principal())
                .isEqualTo(manufacturer.certificate().getSubjectX500Principal());
        device.verify(manufacturer.certificate().getPublicKey());
        assertThat(device.getPublicKey()).isEqualTo(deviceKey);
        assertThat(device.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(device.getKeyUsage()[0]).isTrue();
        assertThat(device.getKeyUsage()[5]).isFalse();
        assertThat(device.getBasicConstraints()).isEqualTo(-1);
        assertThat(Certificates.kind(device)).isEqualTo(CertificateKind.DEVICE);
        assertThat(Certificates.commonName(device)).contains("DW-000123");
        assertThat(Certificates.isIssuedBy(device, manufacturer.certificate())).isTrue();
        assertThat(Certificates.isIssuedBy(device, hub.certificate())).isFalse();
        assertKeyIdentifiersLink(device, manufacturer.certificate());
    }

    @Test
    void operationalCertificate() throws Exception {
        X509Certificate operational = hub.issueOperationalCertificate(deviceKey, "dev-abc", Duration.ofDays(90));

        assertThat(operational.getSubjectX500Principal().getName())
                .isEqualTo("CN=dev-abc,OU=doorward-operational,O=Doorward");
        operational.verify(hub.certificate().getPublicKey());
        assertThat(operational.getExtendedKeyUsage()).containsExactly(CLIENT_AUTH);
        assertThat(operational.getBasicConstraints()).isEqualTo(-1);
        assertThat(Certificates.kind(operational)).isEqualTo(CertificateKind.OPERATIONAL);
        assertKeyIdentifiersLink(operational, hub.certificate());
    }

    @Test
    void serverCredentialNamesEveryHost() throws Exception {
        Credential server = hub.issueServerCredential(
                List.of("Hub.Example.", "127.0.0.1", "[::1]", "hub.local"), Duration.ofDays(30));
        X509Certificate leaf = server.certificate();

        assertThat(server.chain()).containsExactly(leaf, hub.certificate());
        assertThat(leaf.getSubjectX500Principal().getName()).isEqualTo("CN=hub.example,OU=doorward-server,O=Doorward");
        assertThat(leaf.getExtendedKeyUsage()).containsExactly(SERVER_AUTH);
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(Certificates.kind(leaf)).isEqualTo(CertificateKind.SERVER);
        assertThat(leaf.getSubjectAlternativeNames())
                .containsExactly(
                        List.of(2, "hub.example"),
                        List.of(7, "127.0.0.1"),
                        List.of(7, "0:0:0:0:0:0:0:1"),
                        List.of(2, "hub.local"));
        assertThat(KeyPairs.matches(server.privateKey(), leaf.getPublicKey())).isTrue();
        leaf.verify(hub.certificate().getPublicKey());
    }

    @Test
    void eachAuthorityIssuesOnlyItsOwnKinds() {
        assertThatThrownBy(() -> hub.issueDeviceCertificate(deviceKey, "DW-1", Duration.ofDays(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> manufacturer.issueOperationalCertificate(deviceKey, "dev", Duration.ofDays(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> manufacturer.issueServerCredential(List.of("hub.local"), Duration.ofDays(1)))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() ->
                        CertificateAuthority.create(CertificateKind.DEVICE, "x", Duration.ofDays(1), CLOCK, RANDOM))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badInputsAreRefused() {
        assertThatThrownBy(() -> hub.issueServerCredential(List.of(), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hub.issueServerCredential(List.of("bad host"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> hub.issueServerCredential(List.of("-bad.example"), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> manufacturer.issueDeviceCertificate(deviceKey, "", Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> manufacturer.issueDeviceCertificate(deviceKey, "x".repeat(65), Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        PublicKey rsa = rsaKey();
        assertThatThrownBy(() -> manufacturer.issueDeviceCertificate(rsa, "DW-1", Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("P-256");
    }

    @Test
    void aCommonNameCannotInjectAnotherOrganizationalUnit() {
        X509Certificate device =
                manufacturer.issueDeviceCertificate(deviceKey, "x,OU=doorward-hub-ca", Duration.ofDays(1));
        assertThat(Certificates.commonName(device)).contains("x,OU=doorward-hub-ca");
        assertThat(Certificates.kind(device)).isEqualTo(CertificateKind.DEVICE);
    }

    @Test
    void serialNumbersArePositiveRandomAndAtMost128Bits() {
        BigInteger first = manufacturer
                .issueDeviceCertificate(deviceKey, "DW-1", Duration.ofDays(1))
                .getSerialNumber();
        BigInteger second = manufacturer
                .issueDeviceCertificate(deviceKey, "DW-1", Duration.ofDays(1))
                .getSerialNumber();
        assertThat(first.signum()).isPositive();
        assertThat(first.bitLength()).isLessThanOrEqualTo(128).isGreaterThan(64);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void saveAndLoadRoundTrip() throws Exception {
        assertThat(CertificateAuthority.exists(dir)).isFalse();
        hub.save(dir);
        assertThat(CertificateAuthority.exists(dir)).isTrue();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))))
                .isEqualTo("rw-------");

        CertificateAuthority loaded = CertificateAuthority.load(dir, CLOCK, RANDOM);

        assertThat(loaded.kind()).isEqualTo(CertificateKind.HUB_CA);
        assertThat(loaded.certificate()).isEqualTo(hub.certificate());
        assertThat(loaded.fingerprint()).isEqualTo(hub.fingerprint());
        X509Certificate issued = loaded.issueOperationalCertificate(deviceKey, "dev-1", Duration.ofDays(1));
        issued.verify(hub.certificate().getPublicKey());
        hub.save(dir); // the same CA again is harmless
    }

    @Test
    void saveNeverReplacesAnotherAuthority() {
        hub.save(dir);
        CertificateAuthority other =
                CertificateAuthority.create(CertificateKind.HUB_CA, "Hub 2", Duration.ofDays(1), CLOCK, RANDOM);
        assertThatThrownBy(() -> other.save(dir)).isInstanceOf(IllegalStateException.class);
        assertThat(CertificateAuthority.load(dir, CLOCK, RANDOM).certificate()).isEqualTo(hub.certificate());
    }

    @Test
    void loadRefusesSomethingThatIsNotADoorwardCa() {
        Credential server = hub.issueServerCredential(List.of("hub.local"), Duration.ofDays(1));
        new Credential(server.privateKey(), List.of(server.certificate()))
                .save(dir.resolve("ca.crt"), dir.resolve("ca.key"));
        assertThatThrownBy(() -> CertificateAuthority.load(dir, CLOCK, RANDOM))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a Doorward CA");
    }

    private static void assertKeyIdentifiersLink(X509Certificate leaf, X509Certificate ca) {
        byte[] authorityKeyId = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(Objects.requireNonNull(
                                leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())))
                        .getOctets())
                .getKeyIdentifierOctets();
        byte[] caKeyId = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                                Objects.requireNonNull(ca.getExtensionValue(Extension.subjectKeyIdentifier.getId())))
                        .getOctets())
                .getKeyIdentifier();
        assertThat(authorityKeyId).isEqualTo(caKeyId);
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId()))
                .isNotNull();
    }

    private static PublicKey rsaKey() {
        try {
            var generator = java.security.KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair().getPublic();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
