package dev.doorward.crypto.pki;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/** Reading what a certificate says about itself. None of these establish trust; chain validation does. */
public final class Certificates {

    static final String ORGANIZATION = "Doorward";

    private Certificates() {}

    /** Parses one DER-encoded X.509 certificate; {@link IllegalArgumentException} if it is not one. */
    public static X509Certificate fromDer(byte[] der) {
        try {
            return (X509Certificate)
                    CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException | RuntimeException e) {
            throw new IllegalArgumentException("Malformed certificate", e);
        }
    }

    /** The subject's common name, if it has exactly one. */
    public static Optional<String> commonName(X509Certificate certificate) {
        List<String> values = subjectValues(certificate, BCStyle.CN);
        return values.size() == 1 ? Optional.of(values.get(0)) : Optional.empty();
    }

    /**
     * The kind named by the subject OU, or {@link CertificateKind#UNKNOWN} if the subject is not
     * Doorward's or if the basic constraints contradict the OU (a "device" that is a CA, say).
     */
    public static CertificateKind kind(X509Certificate certificate) {
        List<String> organizations = subjectValues(certificate, BCStyle.O);
        List<String> units = subjectValues(certificate, BCStyle.OU);
        if (!organizations.equals(List.of(ORGANIZATION)) || units.size() != 1) {
            return CertificateKind.UNKNOWN;
        }
        CertificateKind kind = CertificateKind.ofOrganizationalUnit(units.get(0));
        if (kind != CertificateKind.UNKNOWN && kind.isAuthority() != isAuthority(certificate)) {
            return CertificateKind.UNKNOWN;
        }
        return kind;
    }

    /** Inclusive of both notBefore and notAfter, as RFC 5280 defines the validity period. */
    public static boolean isValidAt(X509Certificate certificate, Instant instant) {
        return !instant.isBefore(certificate.getNotBefore().toInstant())
                && !instant.isAfter(certificate.getNotAfter().toInstant());
    }

    /** True if the certificate's basic constraints say it is a CA. */
    public static boolean isAuthority(X509Certificate certificate) {
        return certificate.getBasicConstraints() >= 0;
    }

    /**
     * True if {@code issuer} signed {@code certificate} and is named as its issuer. Lets a caller that
     * trusts several CAs tell which one vouched for a peer (a device certificate must come from the
     * manufacturer CA, an operational one from this hub's CA).
     */
    public static boolean isIssuedBy(X509Certificate certificate, X509Certificate issuer) {
        if (!certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            certificate.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    private static List<String> subjectValues(X509Certificate certificate, ASN1ObjectIdentifier type) {
        X500Name subject =
                X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
        List<String> values = new ArrayList<>();
        for (RDN rdn : subject.getRDNs()) {
            for (AttributeTypeAndValue attribute : rdn.getTypesAndValues()) {
                if (attribute.getType().equals(type) && attribute.getValue() instanceof ASN1String string) {
                    values.add(string.getString());
                }
            }
        }
        return values;
    }
}
