package dev.doorward.crypto.pki;

import dev.doorward.crypto.Hashes;
import java.security.PublicKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;

/** SHA-256 fingerprints as 43 characters of base64url, short enough for a QR code and a log line. */
public final class Fingerprints {

    /** Length of every fingerprint: 32 bytes of SHA-256 as unpadded base64url. */
    public static final int LENGTH = 43;

    private Fingerprints() {}

    /** Over the certificate's DER encoding. */
    public static String of(X509Certificate certificate) {
        try {
            return Hashes.sha256Base64Url(certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new IllegalArgumentException("The certificate cannot be encoded", e);
        }
    }

    /**
     * Over the SubjectPublicKeyInfo (what WebCrypto's {@code exportKey("spki", ...)} returns), so a browser
     * and this class compute the same fingerprint for the same key.
     */
    public static String of(PublicKey publicKey) {
        if (!"X.509".equals(publicKey.getFormat())) {
            throw new IllegalArgumentException("The public key has no SubjectPublicKeyInfo encoding");
        }
        return ofSubjectPublicKeyInfo(publicKey.getEncoded());
    }

    /** True for 43 characters of base64url, the shape every fingerprint here has. */
    public static boolean isWellFormed(String fingerprint) {
        if (fingerprint == null || fingerprint.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = fingerprint.charAt(i);
            boolean ok =
                    (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** For keys received as raw SubjectPublicKeyInfo DER bytes; callers must have validated the bytes. */
    public static String ofSubjectPublicKeyInfo(byte[] subjectPublicKeyInfo) {
        return Hashes.sha256Base64Url(subjectPublicKeyInfo);
    }
}
