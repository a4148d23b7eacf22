package dev.doorward.crypto.pki;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates an attacker could make: self-signed leaves that look like Doorward's. */
public final class TestCertificates {

    private TestCertificates() {}

    /** A self-signed leaf with the given subject, EKU and (optionally) SANs; basicConstraints CA as asked. */
    public static Credential selfSigned(
            String subject, KeyPurposeId purpose, boolean ca, List<String> dnsNames, SecureRandom random) {
        try {
            KeyPair keyPair = KeyPairs.newP256(random);
            X500Name name = new X500Name(subject);
            Instant now = Instant.now();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            name,
                            new BigInteger(64, random).add(BigInteger.ONE),
                            Date.from(now.minus(Duration.ofMinutes(5))),
                            Date.from(now.plus(Duration.ofDays(1))),
                            name,
                            keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
                    .addExtension(
                            Extension.keyUsage,
                            true,
                            new KeyUsage(KeyUsage.digitalSignature | (ca ? KeyUsage.keyCertSign : 0)))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            if (!dnsNames.isEmpty()) {
                builder.addExtension(
                        Extension.subjectAlternativeName,
                        false,
                        new GeneralNames(dnsNames.stream()
                                .map(host -> new GeneralName(GeneralName.dNSName, host))
                                .toArray(GeneralName[]::new)));
            }
            X509Certificate certificate = new JcaX509CertificateConverter()
                    .getCertificate(
                            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            return new Credential(keyPair.getPrivate(), List.of(certificate));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
