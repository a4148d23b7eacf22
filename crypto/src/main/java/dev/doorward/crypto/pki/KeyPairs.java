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
