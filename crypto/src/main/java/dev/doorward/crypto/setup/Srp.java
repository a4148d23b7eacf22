package dev.doorward.crypto.setup;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.agreement.srp.SRP6StandardGroups;
import org.bouncycastle.crypto.agreement.srp.SRP6Util;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.bouncycastle.crypto.params.SRP6GroupParameters;

/** What both ends of the setup proof share: group, password hashing, encodings and evidence. */
final class Srp {

    static final SRP6GroupParameters GROUP = SRP6StandardGroups.rfc5054_2048;
    static final BigInteger N = GROUP.getN();
    /** Public values and the verifier are always sent padded to the modulus length. */
    static final int VALUE_LENGTH = (N.bitLength() + 7) / 8;

    static final int SALT_LENGTH = 16;
    static final int MAX_SALT_LENGTH = 64;
    static final int EVIDENCE_LENGTH = 32;

    private static final int ARGON2_MEMORY_KIB = 19 * 1024;
    private static final int ARGON2_ITERATIONS = 2;
    private static final int ARGON2_PARALLELISM = 1;
    private static final int ARGON2_OUTPUT = 32;

    private static final byte[] HUB_LABEL = "doorward-claim-hub".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DEVICE_LABEL = "doorward-claim-device".getBytes(StandardCharsets.US_ASCII);

    private Srp() {}

    static Digest digest() {
        return new SHA256Digest();
    }

    static byte[] identity(String serial) {
        if (serial == null || serial.isEmpty()) {
            throw new IllegalArgumentException("A serial number is required");
        }
        return serial.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The SRP password is Argon2id of the code, not the code itself: whoever steals a device's verifier
     * pays a slow hash for each of the 10^10 guesses.
     */
    static byte[] passwordHash(byte[] setupCode, byte[] salt) {
        Argon2Parameters parameters = new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                .withMemoryAsKB(ARGON2_MEMORY_KIB)
                .withIterations(ARGON2_ITERATIONS)
                .withParallelism(ARGON2_PARALLELISM)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(parameters);
        byte[] out = new byte[ARGON2_OUTPUT];
        generator.generateBytes(setupCode, out);
        return out;
    }

    static byte[] pad(BigInteger value) {
        return toFixedLength(value, VALUE_LENGTH);
    }

    static byte[] toFixedLength(BigInteger value, int length) {
        byte[] magnitude = value.toByteArray();
        if (magnitude.length == length) {
            return magnitude;
        }
        byte[] out = new byte[length];
        if (magnitude.length > length) {
            // Only a leading sign byte can be dropped; the value fits by construction.
            System.arraycopy(magnitude, magnitude.length - length, out, 0, length);
        } else {
            System.arraycopy(magnitude, 0, out, length - magnitude.length, magnitude.length);
        }
        return out;
    }

    /**
     * A public value or verifier in 2..N-2, or null: 0, 1 and N-1 (and anything at or beyond N) would
     * let a peer force a predictable shared secret.
     */
    static BigInteger groupElement(byte[] encoded) {
        if (encoded == null || encoded.length == 0 || encoded.length > VALUE_LENGTH) {
            return null;
        }
        BigInteger value = new BigInteger(1, encoded);
        if (value.compareTo(BigInteger.ONE) <= 0 || value.compareTo(N.subtract(BigInteger.ONE)) >= 0) {
            return null;
        }
        return value;
    }

    /** K = H(PAD(S)), as in RFC 5054, fixed to the digest length. */
    static byte[] sessionKey(BigInteger secret) {
        Digest digest = digest();
        return toFixedLength(SRP6Util.calculateKey(digest, N, secret), digest.getDigestSize());
    }

    /** M1 = HMAC(K, "doorward-claim-hub" || len(context) || context || A || B). */
    static byte[] hubEvidence(byte[] key, byte[] context, BigInteger a, BigInteger b) {
        return hmac(key, HUB_LABEL, context, pad(a), pad(b), new byte[0]);
    }

    /** M2 = HMAC(K, "doorward-claim-device" || len(context) || context || A || B || M1). */
    static byte[] deviceEvidence(byte[] key, byte[] context, BigInteger a, BigInteger b, byte[] hubEvidence) {
        return hmac(key, DEVICE_LABEL, context, pad(a), pad(b), hubEvidence);
    }

    private static byte[] hmac(byte[] key, byte[] label, byte[] context, byte[] a, byte[] b, byte[] tail) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(label);
            mac.update(ByteBuffer.allocate(Integer.BYTES).putInt(context.length).array());
            mac.update(context);
            mac.update(a);
            mac.update(b);
            mac.update(tail);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is required by every Java platform", e);
        }
    }

    static void wipe(byte[]... secrets) {
        for (byte[] secret : secrets) {
            if (secret != null) {
                Arrays.fill(secret, (byte) 0);
            }
        }
    }
}
