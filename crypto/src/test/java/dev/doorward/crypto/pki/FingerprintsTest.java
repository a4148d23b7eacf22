package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.crypto.Hashes;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.Test;

class FingerprintsTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void certificateFingerprintIsStableSha256OfDer() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Hub", Duration.ofDays(1), Clock.systemUTC(), RANDOM);
        String fingerprint = Fingerprints.of(ca.certificate());

        assertThat(fingerprint).hasSize(43).matches("[A-Za-z0-9_-]{43}");
        assertThat(Fingerprints.isWellFormed(fingerprint)).isTrue();
        assertThat(Fingerprints.of(Pem.parseCertificate(Pem.certificate(ca.certificate()))))
                .isEqualTo(fingerprint);
        assertThat(fingerprint)
                .isEqualTo(Hashes.sha256Base64Url(ca.certificate().getEncoded()));
        assertThat(Fingerprints.of(ca.certificate().getPublicKey())).isNotEqualTo(fingerprint);
    }

    @Test
    void publicKeyFingerprintIsOverSubjectPublicKeyInfo() {
        KeyPair keyPair = KeyPairs.newP256(RANDOM);
        String fingerprint = Fingerprints.of(keyPair.getPublic());

        assertThat(fingerprint).hasSize(43);
        assertThat(fingerprint)
                .isEqualTo(
                        Fingerprints.ofSubjectPublicKeyInfo(keyPair.getPublic().getEncoded()));
        assertThat(Fingerprints.of(KeyPairs.newP256(RANDOM).getPublic())).isNotEqualTo(fingerprint);
    }

    @Test
    void sameKeyInDifferentCertificatesHasOneKeyFingerprint() {
        Credential a = TestCertificates.selfSigned("CN=a", KeyPurposeId.id_kp_clientAuth, false, List.of(), RANDOM);
        CertificateAuthority ca = CertificateAuthority.create(
                CertificateKind.MANUFACTURER_CA, "M", Duration.ofDays(1), Clock.systemUTC(), RANDOM);
        var reissued = ca.issueDeviceCertificate(a.certificate().getPublicKey(), "DW-1", Duration.ofDays(1));
        assertThat(Fingerprints.of(reissued.getPublicKey()))
                .isEqualTo(Fingerprints.of(a.certificate().getPublicKey()));
        assertThat(Fingerprints.of(reissued)).isNotEqualTo(Fingerprints.of(a.certificate()));
    }

    @Test
    void wellFormedness() {
        assertThat(Fingerprints.isWellFormed(null)).isFalse();
        assertThat(Fingerprints.isWellFormed("a".repeat(42))).isFalse();
        assertThat(Fingerprints.isWellFormed("a".repeat(42) + "=")).isFalse();
        assertThat(Fingerprints.isWellFormed("a".repeat(43))).isTrue();
    }
}
