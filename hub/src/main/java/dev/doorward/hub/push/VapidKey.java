package dev.doorward.hub.push;

import dev.doorward.crypto.pki.P256Points;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.hubkeys.DataDirHubKeys;
import dev.doorward.hub.hubkeys.HubKeys;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The hub's VAPID key (RFC 8292): made on first start ({@link HubKeys}: in {@code <data-dir>/push/vapid-key.pem},
 * owner-only, or in a cluster's shared store) and kept for good, because every browser's subscription is bound to its public half. Losing it means every member
 * subscribes again. Never logged; {@link #toString()} prints only the public half.
 */
@Component
class VapidKey {
    private final KeyPair pair;
    private final String publicKey;
    private final String contact;

    /** A single hub's key, from its data directory. */
    VapidKey(HubProperties properties) {
        this(properties, new DataDirHubKeys(properties, Clock.systemUTC(), new SecureRandom()));
    }

    @Autowired
    VapidKey(HubProperties properties, HubKeys keys) {
        pair = keys.vapidKey();
        publicKey = Base64.getUrlEncoder().withoutPadding().encodeToString(P256Points.encode(pair.getPublic()));
        String configured = properties.push().contact();
        contact = configured.isBlank() ? "mailto:doorward@" + properties.publicHost() : configured;
    }

    /** The application server key browsers subscribe with: the uncompressed point, base64url. */
    String publicKey() {
        return publicKey;
    }

    /** The raw public point, for the Web Push process (which signs the tokens). */
    byte[] publicPoint() {
        return P256Points.encode(pair.getPublic());
    }

    /** The raw private scalar: for the Web Push process's stdin only, never a log, file or command line. */
    byte[] privateScalar() {
        return P256Points.privateScalar(pair.getPrivate());
    }

    /** The VAPID {@code sub}. */
    String contact() {
        return contact;
    }

    @Override
    public String toString() {
        return "VapidKey[public=" + publicKey + ", private=[REDACTED]]";
    }
}
