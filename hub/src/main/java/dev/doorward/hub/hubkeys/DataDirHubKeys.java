package dev.doorward.hub.hubkeys;

import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyFiles;
import dev.doorward.crypto.pki.KeyPairs;
import dev.doorward.crypto.pki.SecretBox;
import dev.doorward.hub.config.HubProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single hub's keys, in its data directory as they always were: the CA under {@code pki/hub-ca}, the VAPID key in
 * {@code push/vapid-key.pem}, the at-rest key in {@code integration-secrets.key} (all owner-only). Reference keys
 * are made at start-up and kept in memory: a reference is good until the hub restarts.
 */
public final class DataDirHubKeys implements HubKeys {
    private static final Logger log = LoggerFactory.getLogger(DataDirHubKeys.class);

    private final Path dataDir;
    private final Clock clock;
    private final SecureRandom random;
    private final Map<ReferenceKey, byte[]> referenceKeys = new EnumMap<>(ReferenceKey.class);

    public DataDirHubKeys(HubProperties properties, Clock clock, SecureRandom random) {
        this.dataDir = properties.dataDir();
        this.clock = clock;
        this.random = random;
    }

    /**
     * The key of this kind already in the data directory, as the cluster store keeps it; empty if there is none.
     * A single hub that becomes a cluster's first node brings its keys along: its claimed doorbells keep trusting
     * the CA, its members' push subscriptions and its sealed secrets keep working.
     */
    Optional<String> existing(HubKeyKind kind) {
        return switch (kind) {
            case HUB_CA ->
                CertificateAuthority.exists(caDir())
                        ? Optional.of(CertificateAuthority.load(caDir(), clock, random)
                                .toPem())
                        : Optional.empty();
            case VAPID ->
                Files.exists(vapidFile())
                        ? Optional.of(KeyFiles.p256ToPem(KeyFiles.loadP256(vapidFile())))
                        : Optional.empty();
            case AT_REST_SECRETS ->
                Files.exists(atRestKeyFile()) ? Optional.of(SecretBox.readKeyFile(atRestKeyFile())) : Optional.empty();
            // In memory only: a restart makes new ones anyway.
            case SAFETY_CHECK_REFERENCES, OWN_SESSION_REFERENCES -> Optional.empty();
        };
    }

    private Path caDir() {
        return dataDir.resolve("pki").resolve("hub-ca");
    }

    private Path vapidFile() {
        return dataDir.resolve("push").resolve("vapid-key.pem");
    }

    private Path atRestKeyFile() {
        return dataDir.resolve("integration-secrets.key");
    }

    @Override
    public CertificateAuthority hubCa() {
        Path caDir = caDir();
        if (CertificateAuthority.exists(caDir)) {
            return CertificateAuthority.load(caDir, clock, random);
        }
        CertificateAuthority created = HubKeyKind.newHubCa(clock, random);
        created.save(caDir);
        log.info("Created the hub CA, fingerprint {}", created.fingerprint());
        return created;
    }

    @Override
    public KeyPair vapidKey() {
        Path file = vapidFile();
        if (Files.exists(file)) {
            return KeyFiles.loadP256(file);
        }
        KeyPair pair = KeyPairs.newP256(random);
        KeyFiles.saveP256(file, pair);
        log.info("Made the hub's Web Push (VAPID) key in {}", file);
        return pair;
    }

    @Override
    public SecretBox atRestSecrets() {
        return SecretBox.openOrCreate(atRestKeyFile(), random);
    }

    @Override
    public synchronized byte[] referenceKey(ReferenceKey use) {
        return referenceKeys
                .computeIfAbsent(use, u -> {
                    byte[] key = new byte[32];
                    random.nextBytes(key);
                    return key;
                })
                .clone();
    }

    @Override
    public String toString() {
        return "DataDirHubKeys[" + dataDir + "]";
    }
}
