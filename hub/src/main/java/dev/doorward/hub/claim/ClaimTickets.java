package dev.doorward.hub.claim;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.RandomIds;
import dev.doorward.crypto.setup.SetupProof;
import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.shared.AccountDeleted;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Claim tickets. What a claim is (whose, into which household, its state) is a row in PostgreSQL, so a claim started
 * on one cluster node completes on the node the doorbell connects to, and its progress can be asked of any node. The
 * setup code the user typed is never stored: it stays in the memory of the node that issued the ticket (with the
 * ticket, which is in the database only as its hash), and that node runs the setup-code proof, also for a doorbell
 * linked elsewhere. A restart voids the node's pending tickets, the safe direction. Each ticket can be taken once.
 */
@Component
class ClaimTickets {
    private final Clock clock;
    private final JdbcClient jdbc;
    /** This node's name in a cluster, "" on a single hub: which node holds a ticket's setup code. */
    private final String node;
    /** Handle → the ticket and setup code, on the node that issued them only, until a doorbell presents it. */
    private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
    /** Handle → the proof this node runs for a doorbell linked to another node, until that node's confirm. */
    private final Map<String, OpenProof> proofsForOthers = new ConcurrentHashMap<>();

    ClaimTickets(Clock clock, JdbcClient jdbc, HubProperties properties) {
        this.clock = clock;
        this.jdbc = jdbc;
        this.node = properties.cluster().nodeName();
    }

    String node() {
        return node;
    }

    PendingClaim issue(
            String accountId,
            String householdId,
            String setupCode,
            String deviceName,
            String ownerKeyFingerprint,
            Duration ttl) {
        PendingClaim claim = new PendingClaim(
                RandomIds.newId(),
                RandomIds.newId(),
                accountId,
                householdId,
                deviceName,
                ownerKeyFingerprint,
                node,
                clock.instant().plus(ttl));
        secrets.put(claim.handle(), new Secret(claim.ticket(), setupCode, accountId, claim.expiresAt()));
        jdbc.sql("""
                        insert into claim_tickets (handle, ticket_hash, account_id, household_id, device_name,
                            owner_key_fingerprint, issued_by, expires_at)
                        values (:handle, :hash, :account, :household, :name, :owner, :node, :expires)
                        """)
                .param("handle", claim.handle())
                .param("hash", hash(claim.ticket()))
                .param("account", accountId)
                .param("household", householdId)
                .param("name", deviceName)
                .param("owner", ownerKeyFingerprint)
                .param("node", node)
                .param("expires", Timestamp.from(claim.expiresAt()))
                .update();
        return claim;
    }

    /** Takes the ticket's claim if it exists, is not taken and has not expired: single use, on every node at once. */
    Optional<PendingClaim> take(String ticket) {
        if (ticket == null || ticket.isEmpty()) {
            return Optional.empty();
        }
        return jdbc.sql("""
                        update claim_tickets set taken = true
                        where ticket_hash = :hash and not taken and expires_at > :now
                        returning handle, account_id, household_id, device_name, owner_key_fingerprint, issued_by,
                            expires_at
                        """)
                .param("hash", hash(ticket))
                .param("now", Timestamp.from(clock.instant()))
                .query((rs, i) -> new PendingClaim(
                        rs.getString("handle"),
                        ticket,
                        rs.getString("account_id"),
                        rs.getString("household_id"),
                        rs.getString("device_name"),
                        rs.getString("owner_key_fingerprint"),
                        rs.getString("issued_by"),
                        rs.getTimestamp("expires_at").toInstant()))
                .optional();
    }

    /** The setup code of a ticket this node issued, handed out once (the ticket was just taken). */
    Optional<Secret> secret(String handle) {
        Secret secret = secrets.remove(handle);
        return secret == null || !clock.instant().isBefore(secret.expiresAt()) ? Optional.empty() : Optional.of(secret);
    }

    /** Keeps the proof this node runs for another node's doorbell link until that node asks it to check the confirm. */
    void proofForOthers(String handle, SetupProof.HubSide proof, Instant until) {
        proofsForOthers.put(handle, new OpenProof(proof, until));
    }

    Optional<SetupProof.HubSide> takeProofForOthers(String handle) {
        OpenProof open = proofsForOthers.remove(handle);
        return open == null || !clock.instant().isBefore(open.until()) ? Optional.empty() : Optional.of(open.proof());
    }

    void finish(String handle, ClaimStatus status) {
        jdbc.sql(
                        "update claim_tickets set state = :state, device_id = :device, reason = :reason where handle = :handle")
                .param("state", status.state())
                .param("device", status.deviceId())
                .param("reason", status.reason())
                .param("handle", handle)
                .update();
    }

    Optional<ClaimStatus> status(String handle) {
        return jdbc.sql("select state, account_id, expires_at, device_id, reason from claim_tickets where handle = :h")
                .param("h", handle)
                .query((rs, i) -> new ClaimStatus(
                        rs.getString("state"),
                        rs.getString("account_id"),
                        rs.getTimestamp("expires_at").toInstant(),
                        rs.getString("device_id"),
                        rs.getString("reason")))
                .optional();
    }

    /**
     * A deleted account's pending claims, and any into a household that is gone, are void at once: their rows go with
     * the account or household (foreign keys); the setup codes kept here go now.
     */
    @EventListener
    void accountDeleted(AccountDeleted deleted) {
        secrets.values().removeIf(s -> s.accountId().equals(deleted.accountId()));
    }

    @Scheduled(fixedDelay = 60_000)
    void forgetExpired() {
        Instant now = clock.instant();
        secrets.values().removeIf(s -> !now.isBefore(s.expiresAt()));
        proofsForOthers.values().removeIf(p -> !now.isBefore(p.until()));
        // The web app may ask how a claim ended for an hour after it expired. Every node runs this: it is one delete.
        jdbc.sql("delete from claim_tickets where expires_at < :before")
                .param("before", Timestamp.from(now.minus(Duration.ofHours(1))))
                .update();
    }

    private static byte[] hash(String ticket) {
        return Hashes.sha256(ticket.getBytes(StandardCharsets.UTF_8));
    }

    /** A claim the owner started in the web app. {@code handle} is public, {@code ticket} is in the QR only. */
    record PendingClaim(
            String handle,
            String ticket,
            String accountId,
            String householdId,
            String deviceName,
            String ownerKeyFingerprint,
            String issuedBy,
            Instant expiresAt) {
        @Override
        public String toString() {
            return "PendingClaim[handle=" + handle + ", ticket=[REDACTED]]";
        }
    }

    /** What only the issuing node knows of a claim. */
    record Secret(String ticket, String setupCode, String accountId, Instant expiresAt) {
        @Override
        public String toString() {
            return "Secret[REDACTED]";
        }
    }

    private record OpenProof(SetupProof.HubSide proof, Instant until) {}

    /** What the web app shows while it waits. */
    record ClaimStatus(String state, String accountId, Instant expiresAt, String deviceId, String reason) {}
}
