package dev.doorward.hub.secrets;

import dev.doorward.crypto.pki.SecretBox;
import dev.doorward.hub.hubkeys.HubKeys;
import org.springframework.stereotype.Component;

/**
 * Secrets the hub keeps for the household but never shows again (a broker password, a client key, a topic URL),
 * sealed before they reach the database. The key comes from {@link HubKeys}: {@code <data-dir>/integration-secrets.key}
 * (0600), or a cluster's shared store; losing it means setting those secrets again, nothing worse.
 */
@Component
public class AtRestSecrets {
    private final SecretBox box;

    AtRestSecrets(HubKeys keys) {
        this.box = keys.atRestSecrets();
    }

    /** Sealed for one purpose and owner, e.g. {@code ("mqtt-password", householdId)}. */
    public String seal(String purpose, String owner, String secret) {
        return box.seal(purpose + ":" + owner, secret);
    }

    public String open(String purpose, String owner, String sealed) {
        return box.openString(purpose + ":" + owner, sealed);
    }
}
