package dev.doorward.crypto.setup;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.bouncycastle.crypto.agreement.srp.SRP6VerifierGenerator;

/**
 * What a device stores instead of its setup code: the salt and the SRP-6a verifier of
 * Argon2id(code, salt). It proves a code without revealing it, and costs a slow hash per offline guess.
 */
public record SetupVerifier(byte[] salt, byte[] verifier) {

    private static final String VERSION = "v1";
    private static final String MALFORMED = "Malformed setup verifier";

    public SetupVerifier {
        Objects.requireNonNull(salt, "salt");
        Objects.requireNonNull(verifier, "verifier");
        if (salt.length < Srp.SALT_LENGTH || salt.length > Srp.MAX_SALT_LENGTH) {
            throw new IllegalArgumentException("A setup verifier's salt has 16 to 64 bytes");
        }
        if (Srp.groupElement(verifier) == null) {
            throw new IllegalArgumentException("A setup verifier must be an element of the SRP group");
        }
        salt = salt.clone();
        verifier = Srp.pad(new BigInteger(1, verifier));
    }

    /**
     * Derives the verifier for a device. Trivial codes are refused, since a device must never be shipped
     * with one.
     */
    public static SetupVerifier create(String serial, String setupCode, SecureRandom random) {
        Objects.requireNonNull(random, "random");
        byte[] identity = Srp.identity(serial);
        String code = SetupCodes.normalize(setupCode);
        if (SetupCodes.isTrivial(code)) {
            throw new IllegalArgumentException("A trivial setup code is refused");
        }
        byte[] salt = new byte[Srp.SALT_LENGTH];
        random.nextBytes(salt);
        byte[] codeBytes = code.getBytes(StandardCharsets.US_ASCII);
        byte[] password = Srp.passwordHash(codeBytes, salt);
        try {
            SRP6VerifierGenerator generator = new SRP6VerifierGenerator();
            generator.init(Srp.GROUP, Srp.digest());
            return new SetupVerifier(salt, Srp.pad(generator.generateVerifier(salt, identity, password)));
        } finally {
            Srp.wipe(codeBytes, password);
        }
    }

    @Override
    public byte[] salt() {
        return salt.clone();
    }

    @Override
    public byte[] verifier() {
        return verifier.clone();
    }

    /** A single line: {@code v1:<salt>:<verifier>}, both base64url without padding. */
    public String encode() {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        return VERSION + ":" + encoder.encodeToString(salt) + ":" + encoder.encodeToString(verifier);
    }

    /** Parses {@link #encode()}'s form; errors never repeat the input. */
    public static SetupVerifier decode(String encoded) {
        if (encoded == null) {
            throw new IllegalArgumentException(MALFORMED);
        }
        String[] parts = encoded.strip().split(":", -1);
        if (parts.length != 3 || !VERSION.equals(parts[0])) {
            throw new IllegalArgumentException(MALFORMED);
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            return new SetupVerifier(decoder.decode(parts[1]), decoder.decode(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(MALFORMED);
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SetupVerifier that
                && MessageDigest.isEqual(salt, that.salt)
                && MessageDigest.isEqual(verifier, that.verifier);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(salt) + Arrays.hashCode(verifier);
    }

    @Override
    public String toString() {
        return "SetupVerifier[REDACTED]";
    }
}
