package dev.doorward.hub.hubkeys;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.SecretBox;
import java.security.KeyPair;

/**
 * Where the hub's own keys come from: the one question the classes that use them ask. A single hub keeps them in its
 * data directory ({@link DataDirHubKeys}, as it always has); the nodes of a cluster share them through PostgreSQL,
 * sealed under their join secret ({@link ClusterHubKeys}). Each key is made once, by whoever asks first.
 */
public interface HubKeys {
    /** The hub CA: it issues doorbells' operational certificates and every node's TLS certificate. */
    CertificateAuthority hubCa();

    /** The Web Push (VAPID) key pair every browser's subscription is bound to. */
    KeyPair vapidKey();

    /** The key sealing secrets kept for households (a broker password, a topic URL) before they reach the database. */
    SecretBox atRestSecrets();

    /** A 256-bit HMAC key for opaque references the hub hands out for {@code use} (a copy; wipe it when done). */
    byte[] referenceKey(ReferenceKey use);

    /** The opaque references a hub names things by, each under its own key. */
    enum ReferenceKey {
        /** The safety check's names for sessions and invitations. */
        SAFETY_CHECK,
        /** A member's own list of signed-in sessions. */
        OWN_SESSIONS
    }
}
