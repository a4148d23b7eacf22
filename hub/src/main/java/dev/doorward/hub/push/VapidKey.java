package dev.doorward.hub.push;

import dev.doorward.crypto.pki.KeyFiles;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.P256Points;
import dev.doorward.crypto.webpush.Vapid;
import dev.doorward.hub.config.HubProperties;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The hub's VAPID key (RFC 8292): made on first start in {@code <data-dir>/push/vapid-key.pem} (owner-only) and
 * kept for good, because every browser's subscription is bound to its public half. Losing it means every member
 * subscribes again. Never logged; {@link #toString()} prints only the public half.
 */
@Component
class VapidKey {
    private static final Logger log = LoggerFactory.getLogger(VapidKey.class);

    private final KeyPair pair;
    private final String publicKey;
    private final String contact;

    VapidKey(HubProperties properties) {
        Path file = properties.dataDir().resolve("push").resolve("vapid-key.pem");
        if (Files.exists(file)) {
            pair = KeyFiles.loadP256(file);
        } else {
            pair = KeyPairs.newP256(new SecureRandom());
            KeyFiles.saveP256(file, pair);
            log.info("Made the hub's Web Push (VAPID) key in {}", file);
        }
        publicKey = Base64.getUrlEncoder().withoutPadding().encodeToString(P256Points.encode(pair.getPublic()));
        String configured = properties.push().contact();
        contact = configured.isBlank() ? "mailto:doorward@" + properties.publicHost() : configured;
    }

    /** The application server key browsers subscribe with: the uncompressed point, base64url. */
    String publicKey() {
        return publicKey;
    }

    /** The {@code Authorization} header for one request to {@code endpoint}. */
    String authorization(URI endpoint, Instant expiresAt) {
        return Vapid.authorization(pair, endpoint, contact, expiresAt);
    }

    @Override
    public String toString() {
        return "VapidKey[public=" + publicKey + ", private=[REDACTED]]";
    }
}
