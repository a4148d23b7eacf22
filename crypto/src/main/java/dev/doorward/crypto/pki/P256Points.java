package dev.doorward.crypto.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPrivateKeySpec;
import java.util.Arrays;

/**
 * P-256 public keys as Web Push writes them: the 65-byte uncompressed point (0x04 ‖ x ‖ y), which is what
 * {@code PushSubscription.getKey("p256dh")} and {@code applicationServerKey} hold.
 */
public final class P256Points {
    public static final int UNCOMPRESSED_BYTES = 65;

    /** The fixed DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point. */
    private static final byte[] SPKI_PREFIX = {
        0x30,
        0x59,
        0x30,
        0x13,
        0x06,
        0x07,
        0x2a,
        (byte) 0x86,
        0x48,
        (byte) 0xce,
        0x3d,
        0x02,
        0x01,
        0x06,
        0x08,
        0x2a,
        (byte) 0x86,
        0x48,
        (byte) 0xce,
        0x3d,
        0x03,
        0x01,
        0x07,
        0x03,
        0x42,
        0x00
    };

    private P256Points() {}

    public static byte[] encode(PublicKey key) {
        if (!KeyPairs.isP256(key)) {
            throw new IllegalArgumentException("not a P-256 public key");
        }
        byte[] spki = key.getEncoded();
        return Arrays.copyOfRange(spki, spki.length - UNCOMPRESSED_BYTES, spki.length);
    }

    /** Reads an uncompressed point; anything else (wrong length, compressed, off the curve) is refused. */
    public static ECPublicKey decode(byte[] point) {
        if (point == null || point.length != UNCOMPRESSED_BYTES || point[0] != 0x04) {
            throw new IllegalArgumentException("not an uncompressed P-256 point");
        }
        byte[] spki = new byte[SPKI_PREFIX.length + UNCOMPRESSED_BYTES];
        System.arraycopy(SPKI_PREFIX, 0, spki, 0, SPKI_PREFIX.length);
        System.arraycopy(point, 0, spki, SPKI_PREFIX.length, UNCOMPRESSED_BYTES);
        return (ECPublicKey) KeyPairs.parseP256PublicKey(spki);
    }

    /** A key pair from a raw private scalar and its public point (test vectors print keys this way). */
    public static KeyPair keyPair(byte[] privateScalar, byte[] publicPoint) {
        ECPublicKey publicKey = decode(publicPoint);
        try {
            PrivateKey privateKey = KeyFactory.getInstance("EC")
                    .generatePrivate(new ECPrivateKeySpec(new BigInteger(1, privateScalar), publicKey.getParams()));
            if (!KeyPairs.matches(privateKey, publicKey)) {
                throw new IllegalArgumentException("the private key does not belong to the public key");
            }
            return new KeyPair(publicKey, privateKey);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a P-256 private key", e);
        }
    }

    /** The raw 32-byte private scalar (for the stand-in push service's key files in tests). */
    public static byte[] privateScalar(PrivateKey key) {
        byte[] s = ((ECPrivateKey) key).getS().toByteArray();
        byte[] out = new byte[32];
        int n = Math.min(s.length, 32);
        System.arraycopy(s, s.length - n, out, 32 - n, n);
        return out;
    }
}
