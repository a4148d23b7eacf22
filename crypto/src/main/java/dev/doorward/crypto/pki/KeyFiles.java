package dev.doorward.crypto.pki;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.ec.CustomNamedCurves;

/**
 * A lone P-256 key pair kept in one file (PKCS#8 PEM, owner-only, written atomically), for keys that have no
 * certificate, such as the hub's Web Push (VAPID) key. The public half is recomputed from the private one.
 */
public final class KeyFiles {
    private KeyFiles() {}

    public static void saveP256(Path file, KeyPair pair) {
        SecureFiles.writeSecret(file, p256ToPem(pair));
    }

    /** Reads a key pair written by {@link #saveP256}; refuses anything that is not a P-256 private key. */
    public static KeyPair loadP256(Path file) {
        try {
            return p256FromPem(SecureFiles.read(file));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " does not hold a P-256 private key");
        }
    }

    /** The private half as PKCS#8 PEM, for a store of its own; seal it before it leaves memory. */
    public static String p256ToPem(KeyPair pair) {
        if (!KeyPairs.isP256(pair.getPublic()) || !KeyPairs.matches(pair.getPrivate(), pair.getPublic())) {
            throw new IllegalArgumentException("not a matching P-256 key pair");
        }
        return Pem.privateKey(pair.getPrivate());
    }

    /** Reads what {@link #p256ToPem} wrote, with the public half recomputed. */
    public static KeyPair p256FromPem(String pem) {
        PrivateKey privateKey = Pem.parsePrivateKey(pem);
        if (!(privateKey instanceof ECPrivateKey ec)) {
            throw new IllegalArgumentException("not a P-256 private key");
        }
        X9ECParameters p256 = CustomNamedCurves.getByName("secp256r1");
        byte[] point = p256.getG().multiply(ec.getS()).normalize().getEncoded(false);
        KeyPair pair = new KeyPair(P256Points.decode(point), privateKey);
        if (!KeyPairs.isP256(pair.getPublic()) || !KeyPairs.matches(pair.getPrivate(), pair.getPublic())) {
            throw new IllegalArgumentException("not a P-256 private key");
        }
        return pair;
    }
}
