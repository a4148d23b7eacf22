package dev.doorward.crypto.pki;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * ECDSA P-256 with SHA-256 in the IEEE P1363 form (r‖s, 64 bytes) that WebCrypto produces, so statements
 * signed in a browser verify here unchanged.
 */
public final class Signatures {
    private static final String ALGORITHM = "SHA256withECDSAinP1363Format";
    public static final int P256_SIGNATURE_BYTES = 64;

    private Signatures() {}

    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
            signature.update(data);
            return signature.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot sign with this key", e);
        }
    }

    /** True only for a valid signature by the P-256 key in {@code subjectPublicKeyInfo}; never throws. */
    public static boolean verify(byte[] subjectPublicKeyInfo, byte[] data, byte[] p1363Signature) {
        if (p1363Signature == null || p1363Signature.length != P256_SIGNATURE_BYTES) {
            return false;
        }
        try {
            PublicKey key = KeyPairs.parseP256PublicKey(subjectPublicKeyInfo);
            Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(key);
            signature.update(data);
            return signature.verify(p1363Signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
