package dev.doorward.crypto.setup;

import dev.doorward.crypto.Hashes;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.agreement.srp.SRP6Client;
import org.bouncycastle.crypto.agreement.srp.SRP6Server;

/**
 * The claim's proof that the hub knows the device's setup code: SRP-6a (RFC 5054 2048-bit group,
 * SHA-256) over Argon2id of the code, with evidence messages bound to a context (the claim ticket) so a
 * proof made for one claim cannot be replayed into another. Neither the link traffic nor a fake device
 * allows offline guessing; each exchange is at most one online guess.
 *
 * <pre>
 *   device                                hub
 *   salt, B = publicValue()      ───▶     respond(salt, B) → A, M1
 *   verifyHub(A, M1) → M2        ◀───
 *                                ───▶     verifyDevice(M2)
 * </pre>
 */
public final class SetupProof {

    private SetupProof() {}

    /** The hub's message to the device: its public value A and evidence M1. */
    public record Challenge(byte[] hubPublicValue, byte[] hubEvidence) {

        public Challenge {
            hubPublicValue =
                    Objects.requireNonNull(hubPublicValue, "hubPublicValue").clone();
            hubEvidence = Objects.requireNonNull(hubEvidence, "hubEvidence").clone();
        }

        @Override
        public byte[] hubPublicValue() {
            return hubPublicValue.clone();
        }

        @Override
        public byte[] hubEvidence() {
            return hubEvidence.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Challenge that
                    && Arrays.equals(hubPublicValue, that.hubPublicValue)
                    && Arrays.equals(hubEvidence, that.hubEvidence);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(hubPublicValue) + Arrays.hashCode(hubEvidence);
        }

        @Override
        public String toString() {
            return "Challenge[hubPublicValue=" + hubPublicValue.length + " bytes, hubEvidence=" + hubEvidence.length
                    + " bytes]";
        }
    }

    /** The SRP server: the device, which holds only the verifier. Single use. */
    public static final class DeviceSide {

        private final byte[] salt;
        private final byte[] context;
        private final SRP6Server server = new SRP6Server();
        private final BigInteger publicValue;
        private boolean used;

        public DeviceSide(SetupVerifier verifier, String serial, byte[] context, SecureRandom random) {
            Objects.requireNonNull(verifier, "verifier");
            Objects.requireNonNull(random, "random");
            Srp.identity(serial);
            this.context = Objects.requireNonNull(context, "context").clone();
            this.salt = verifier.salt();
            server.init(Srp.GROUP, new BigInteger(1, verifier.verifier()), Srp.digest(), random);
            this.publicValue = server.generateServerCredentials();
        }

        public byte[] salt() {
            return salt.clone();
        }

        /** B, padded to the modulus length. */
        public byte[] publicValue() {
            return Srp.pad(publicValue);
        }

        /**
         * Checks the hub's evidence and, if it proves the code, returns the device's evidence M2. Anything
         * wrong or malformed gives empty, never an exception, so the caller has one failure path to
         * rate-limit. The second call throws: a fresh DeviceSide (fresh B) is needed per attempt.
         */
        public synchronized Optional<byte[]> verifyHub(byte[] hubPublicValue, byte[] hubEvidence) {
            if (used) {
                throw new IllegalStateException("A setup proof is single use");
            }
            used = true;
            BigInteger a = Srp.groupElement(hubPublicValue);
            if (a == null || hubEvidence == null || hubEvidence.length != Srp.EVIDENCE_LENGTH) {
                return Optional.empty();
            }
            byte[] key = null;
            try {
                key = Srp.sessionKey(server.calculateSecret(a));
                byte[] expected = Srp.hubEvidence(key, context, a, publicValue);
                if (!Hashes.constantTimeEquals(expected, hubEvidence)) {
                    return Optional.empty();
                }
                return Optional.of(Srp.deviceEvidence(key, context, a, publicValue, expected));
            } catch (CryptoException | RuntimeException e) {
                return Optional.empty();
            } finally {
                Srp.wipe(key);
            }
        }

        @Override
        public String toString() {
            return "SetupProof.DeviceSide[used=" + used + "]";
        }
    }

    /** The SRP client: the hub, which knows the code the user typed. Single use. */
    public static final class HubSide {

        private final byte[] identity;
        private final byte[] context;
        private final SecureRandom random;
        private byte[] setupCode;
        private byte[] expectedDeviceEvidence;

        /** @throws IllegalArgumentException if the code is not 10 digits (the message never repeats it) */
        public HubSide(String serial, String setupCode, byte[] context, SecureRandom random) {
            this.identity = Srp.identity(serial);
            this.setupCode = SetupCodes.normalize(setupCode).getBytes(StandardCharsets.US_ASCII);
            this.context = Objects.requireNonNull(context, "context").clone();
            this.random = Objects.requireNonNull(random, "random");
        }

        /**
         * Answers the device's salt and B with A and M1.
         *
         * @throws IllegalArgumentException if the salt or B is malformed or not a safe group element
         * @throws IllegalStateException if called twice
         */
        public synchronized Challenge respond(byte[] salt, byte[] devicePublicValue) {
            if (setupCode == null) {
                throw new IllegalStateException("A setup proof is single use");
            }
            if (salt == null || salt.length < Srp.SALT_LENGTH || salt.length > Srp.MAX_SALT_LENGTH) {
                throw new IllegalArgumentException("Invalid setup salt from the device");
            }
            BigInteger b = Srp.groupElement(devicePublicValue);
            if (b == null) {
                throw new IllegalArgumentException("Invalid public value from the device");
            }
            byte[] password = null;
            byte[] key = null;
            try {
                password = Srp.passwordHash(setupCode, salt);
                SRP6Client client = new SRP6Client();
                client.init(Srp.GROUP, Srp.digest(), random);
                BigInteger a = client.generateClientCredentials(salt.clone(), identity, password);
                key = Srp.sessionKey(client.calculateSecret(b));
                byte[] hubEvidence = Srp.hubEvidence(key, context, a, b);
                expectedDeviceEvidence = Srp.deviceEvidence(key, context, a, b, hubEvidence);
                return new Challenge(Srp.pad(a), hubEvidence);
            } catch (CryptoException e) {
                throw new IllegalArgumentException("Invalid public value from the device");
            } finally {
                Srp.wipe(password, key, setupCode);
                setupCode = null;
            }
        }

        /** True if the device proved it holds the verifier for this code, in this context. */
        public synchronized boolean verifyDevice(byte[] deviceEvidence) {
            if (expectedDeviceEvidence == null) {
                throw new IllegalStateException("respond() must come first");
            }
            return Hashes.constantTimeEquals(expectedDeviceEvidence, deviceEvidence);
        }

        @Override
        public String toString() {
            return "SetupProof.HubSide[setupCode=[REDACTED]]";
        }
    }
}
