package dev.doorward.hub.hubkeys;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.CertificateKind;
import dev.doorward.crypto.pki.KeyFiles;
import dev.doorward.crypto.pki.KeyPairs;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

/** Every key a hub makes for itself: its name in the cluster's key table and how a new one is made (as text). */
enum HubKeyKind {
    HUB_CA("hub-ca"),
    VAPID("vapid"),
    AT_REST_SECRETS("at-rest-secrets"),
    SAFETY_CHECK_REFERENCES("reference-key:safety-check"),
    OWN_SESSION_REFERENCES("reference-key:own-sessions");

    private static final Duration CA_VALIDITY = Duration.ofDays(365 * 20);

    /** The row's name, and the associated data it is sealed with: a value moved to another row does not open. */
    final String storedName;

    HubKeyKind(String storedName) {
        this.storedName = storedName;
    }

    static HubKeyKind of(HubKeys.ReferenceKey use) {
        return switch (use) {
            case SAFETY_CHECK -> SAFETY_CHECK_REFERENCES;
            case OWN_SESSIONS -> OWN_SESSION_REFERENCES;
        };
    }

    static CertificateAuthority newHubCa(Clock clock, SecureRandom random) {
        return CertificateAuthority.create(CertificateKind.HUB_CA, "Doorward hub CA", CA_VALIDITY, clock, random);
    }

    /** A new key of this kind as text: PEM for the CA and the VAPID key, base64 of 32 random bytes otherwise. */
    String make(Clock clock, SecureRandom random) {
        return switch (this) {
            case HUB_CA -> newHubCa(clock, random).toPem();
            case VAPID -> KeyFiles.p256ToPem(KeyPairs.newP256(random));
            case AT_REST_SECRETS, SAFETY_CHECK_REFERENCES, OWN_SESSION_REFERENCES -> {
                byte[] key = new byte[32];
                random.nextBytes(key);
                String text = Base64.getEncoder().encodeToString(key);
                Arrays.fill(key, (byte) 0);
                yield text;
            }
        };
    }
}
