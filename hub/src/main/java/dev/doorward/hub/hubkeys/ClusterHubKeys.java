package dev.doorward.hub.hubkeys;

import dev.doorward.crypto.cluster.JoinSecret;
import dev.doorward.crypto.pki.CertificateAuthority;
import dev.doorward.crypto.pki.KeyFiles;
import dev.doorward.crypto.pki.SecretBox;
import dev.doorward.hub.chores.ClusterChores;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The keys of a cluster's nodes, shared through PostgreSQL ({@code cluster_hub_keys}): each sealed with AES-256-GCM
 * under a key derived from the join secret, its name the associated data. The first node to start makes the
 * missing ones while it holds a transaction-scoped advisory lock, so two nodes starting together never make two
 * CAs; the others load them. A first node that was a single hub brings the keys in its data directory (its
 * doorbells trust its CA). A node whose join secret does not open them refuses to start.
 */
public final class ClusterHubKeys implements HubKeys {
    private static final Logger log = LoggerFactory.getLogger(ClusterHubKeys.class);
    /** {@code pg_advisory_xact_lock(CLUSTER_LOCKS, HUB_KEYS_LOCK)}: clear of the chores' lock ids (1, 2, ...). */
    private static final int HUB_KEYS_LOCK = 1_000;
    /** The HKDF info of the key the hub keys are sealed under: no other use of the join secret shares it. */
    private static final String SEALING_INFO = "cluster/hub-keys";

    private final Map<HubKeyKind, String> keys = new EnumMap<>(HubKeyKind.class);
    private final Clock clock;
    private final SecureRandom random;

    public ClusterHubKeys(
            JoinSecret joinSecret,
            String nodeName,
            DataDirHubKeys ownDataDir,
            JdbcClient jdbc,
            TransactionTemplate transactions,
            Clock clock,
            SecureRandom random) {
        this.clock = clock;
        this.random = random;
        SecretBox box = joinSecret.box(SEALING_INFO, random);
        transactions.executeWithoutResult(status -> {
            jdbc.sql("select pg_advisory_xact_lock(:locks, :lock)")
                    .param("locks", ClusterChores.CLUSTER_LOCKS)
                    .param("lock", HUB_KEYS_LOCK)
                    .query((rs, n) -> 1)
                    .list();
            Map<String, String> stored = new HashMap<>();
            jdbc.sql("select name, sealed from cluster_hub_keys")
                    .query((rs, n) -> stored.put(rs.getString(1), rs.getString(2)))
                    .list();
            for (HubKeyKind kind : HubKeyKind.values()) {
                String sealed = stored.get(kind.storedName);
                if (sealed == null) {
                    Optional<String> brought = ownDataDir.existing(kind);
                    String made = brought.orElseGet(() -> kind.make(clock, random));
                    jdbc.sql("""
                                    insert into cluster_hub_keys (name, sealed, created_at, created_by)
                                    values (:name, :sealed, :now, :node)""")
                            .param("name", kind.storedName)
                            .param("sealed", box.seal(kind.storedName, made))
                            .param("now", Timestamp.from(clock.instant()))
                            .param("node", nodeName)
                            .update();
                    log.info(
                            brought.isPresent()
                                    ? "Shared this node's own hub key '{}' with the cluster"
                                    : "Made the cluster's shared hub key '{}'",
                            kind.storedName);
                    keys.put(kind, made);
                } else {
                    keys.put(kind, open(box, kind, sealed));
                }
            }
        });
        String fingerprint = hubCa().fingerprint();
        log.info("Cluster hub keys ready; hub CA fingerprint {}", fingerprint);
        ownDataDir
                .existing(HubKeyKind.HUB_CA)
                .map(pem -> CertificateAuthority.fromPem(pem, clock, random).fingerprint())
                .filter(own -> !own.equals(fingerprint))
                .ifPresent(own -> log.warn(
                        "This node's data directory holds another hub CA ({}) than the cluster's: doorbells claimed"
                                + " under it do not trust this cluster and must be released and claimed again",
                        own));
    }

    private static String open(SecretBox box, HubKeyKind kind, String sealed) {
        try {
            return box.openString(kind.storedName, sealed);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("This node's join secret (doorward.cluster.join-secret-file) does not open"
                    + " the cluster's hub key '" + kind.storedName + "': every node needs the same join secret as the"
                    + " node that made the keys. The node does not start.");
        }
    }

    @Override
    public CertificateAuthority hubCa() {
        return CertificateAuthority.fromPem(keys.get(HubKeyKind.HUB_CA), clock, random);
    }

    @Override
    public KeyPair vapidKey() {
        return KeyFiles.p256FromPem(keys.get(HubKeyKind.VAPID));
    }

    @Override
    public SecretBox atRestSecrets() {
        return SecretBox.withKey(Base64.getDecoder().decode(keys.get(HubKeyKind.AT_REST_SECRETS)), random);
    }

    @Override
    public byte[] referenceKey(ReferenceKey use) {
        return Base64.getDecoder().decode(keys.get(HubKeyKind.of(use)));
    }

    @Override
    public String toString() {
        return "ClusterHubKeys[REDACTED]";
    }
}
