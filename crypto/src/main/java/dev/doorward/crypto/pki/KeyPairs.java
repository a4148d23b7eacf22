package dev.doorward.crypto.pki;

import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/** Key pairs. Doorward uses ECDSA P-256 everywhere, matching what browsers offer through WebCrypto. */
public final class KeyPairs {

    private static final String CURVE = "secp256r1";
    private static final ECParameterSpec P256 = p256Parameters();

    private KeyPairs() {}

    public static KeyPair newP256(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(CURVE), random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 key generation is unavailable", e);
        }
    }

    /**
     * Reads a P-256 public key in SubjectPublicKeyInfo (SPKI) form, as WebCrypto exports it. Anything else —
     * another curve, another algorithm, a point not on the curve, trailing bytes — is refused.
     */
    public static PublicKey parseP256PublicKey(byte[] subjectPublicKeyInfo) {
        try {
            PublicKey key = java.security.KeyFactory.getInstance("EC")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(subjectPublicKeyInfo));
            // The JDK does not check that the point lies on the curve; an off-curve point is the classic
            // invalid-curve attack on ECDH, so check it here.
            if (!isP256(key)
                    || !java.util.Arrays.equals(key.getEncoded(), subjectPublicKeyInfo)
                    || !onCurve((ECPublicKey) key)) {
                throw new IllegalArgumentException("not a P-256 public key");
            }
            return key;
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not a P-256 public key");
        }
    }

    private static boolean onCurve(ECPublicKey key) {
        java.math.BigInteger p = ((java.security.spec.ECFieldFp) P256.getCurve().getField()).getP();
        java.math.BigInteger x = key.getW().getAffineX();
        java.math.BigInteger y = key.getW().getAffineY();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        java.math.BigInteger left = y.modPow(java.math.BigInteger.TWO, p);
        java.math.BigInteger right = x.pow(3)
                .add(P256.getCurve().getA().multiply(x))
                .add(P256.getCurve().getB())
                .mod(p);
        return left.equals(right);
    }

    /** True if {@code key} is an EC key on the NIST P-256 curve. */
    public static boolean isP256(PublicKey key) {
        if (!(key instanceof ECPublicKey ec)) {
            return false;
        }
        ECParameterSpec params = ec.getParams();
        return params.getCurve().equals(P256.getCurve())
                && params.getGenerator().equals(P256.getGenerator())
                && params.getOrder().equals(P256.getOrder())
                && params.getCofactor() == P256.getCofactor();
    }

    /**
     * True if the private key belongs to the public key, proven by a signature rather than by comparing
     * encodings, so a swapped key file is caught before it is used in a handshake.
     */
    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        String algorithm = switch (publicKey.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null || !privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static ECParameterSpec p256Parameters() {
        try {
            AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
            parameters.init(new ECGenParameterSpec(CURVE));
            return parameters.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is unavailable", e);
        }
    }
}
