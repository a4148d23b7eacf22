package dev.doorward.crypto.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class PemTest {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static CertificateAuthority hubCa;
    private static Credential server;

    @BeforeAll
    static void issue() {
        hubCa = CertificateAuthority.create(
                CertificateKind.HUB_CA, "Test hub CA", Duration.ofDays(30), Clock.systemUTC(), RANDOM);
        server = hubCa.issueServerCredential(List.of("hub.local"), Duration.ofDays(1));
    }

    @Test
    void certificateRoundTrips() {
        String pem = Pem.certificate(hubCa.certificate());
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE-----\n").endsWith("-----END CERTIFICATE-----\n");
        assertThat(pem.lines().filter(line -> !line.startsWith("-----")))
                .allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(64));
        assertThat(Pem.parseCertificate(pem)).isEqualTo(hubCa.certificate());
    }

    @Test
    void chainRoundTripsInOrder() {
        String pem = Pem.certificates(server.chain());
        List<X509Certificate> parsed = Pem.parseCertificates(pem);
        assertThat(parsed).containsExactlyElementsOf(server.chain());
        assertThatThrownBy(() -> Pem.parseCertificate(pem))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one");
    }

    @Test
    void privateKeyRoundTripsAsPkcs8() {
        String pem = Pem.privateKey(server.privateKey());
        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----\n");
        PrivateKey parsed = Pem.parsePrivateKey(pem);
        assertThat(parsed.getEncoded()).isEqualTo(server.privateKey().getEncoded());
        assertThat(KeyPairs.matches(parsed, server.certificate().getPublicKey()))
                .isTrue();
    }

    @Test
    void sec1EcPrivateKeyIsAccepted() throws Exception {
        KeyPair keyPair = KeyPairs.newP256(RANDOM);
        // What "openssl ecparam -genkey" writes: SEC1 with the curve named inside.
        PrivateKeyInfo pkcs8 = PrivateKeyInfo.getInstance(keyPair.getPrivate().getEncoded());
        BigInteger secret = ECPrivateKey.getInstance(pkcs8.parsePrivateKey()).getKey();
        byte[] sec1 =
                new ECPrivateKey(256, secret, pkcs8.getPrivateKeyAlgorithm().getParameters()).getEncoded();
        String pem = "-----BEGIN EC PRIVATE KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(sec1) + "\n-----END EC PRIVATE KEY-----\n";
        assertThat(KeyPairs.matches(Pem.parsePrivateKey(pem), keyPair.getPublic()))
                .isTrue();
    }

    @Test
    void textAroundPemBlocksIsIgnored() {
        String pem = "Bag Attributes\nsubject=CN=x\n" + Pem.certificate(hubCa.certificate()) + "trailing\n";
        assertThat(Pem.parseCertificate(pem)).isEqualTo(hubCa.certificate());
    }

    @Test
    void malformedCertificatesAreRefused() {
        assertThatThrownBy(() -> Pem.parseCertificates("")).hasMessage("No PEM certificate found");
        assertThatThrownBy(() -> Pem.parseCertificates(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Pem.parseCertificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed PEM certificate");
        assertThatThrownBy(() -> Pem.parseCertificates(Pem.privateKey(server.privateKey())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Expected PEM type CERTIFICATE but found PRIVATE KEY");
    }

    @Test
    void malformedKeysAreRefusedWithoutEchoingThem() {
        String keyPem = Pem.privateKey(server.privateKey());
        String body = keyPem.lines()
                .filter(line -> !line.startsWith("-----"))
                .findFirst()
                .orElseThrow();
        String truncated = keyPem.replace(body, body.substring(0, 40));
        assertThatThrownBy(() -> Pem.parsePrivateKey(truncated))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Malformed PEM private key")
                .hasNoCause();
        String garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";
        assertThatThrownBy(() -> Pem.parsePrivateKey(garbage))
                .hasMessage("Malformed PEM private key")
                .hasNoCause();
        assertThatThrownBy(() -> Pem.parsePrivateKey("no pem here")).hasMessage("No PEM private key found");
        assertThatThrownBy(() -> Pem.parsePrivateKey(Pem.certificate(hubCa.certificate())))
                .hasMessage("Expected PEM type PRIVATE KEY but found CERTIFICATE");
        assertThatThrownBy(() -> Pem.parsePrivateKey(
                        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"))
                .hasMessage("Encrypted private keys are not supported");
    }
}
