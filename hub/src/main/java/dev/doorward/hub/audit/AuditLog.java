package dev.doorward.hub.audit;

import dev.doorward.crypto.Hashes;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Append-only, hash-chained record of everything that touches ownership, access, media or the door. Each
 * household has its own chain (the hub's own events use chain {@value #HUB_CHAIN}); an entry's hash covers
 * the previous hash, so editing or deleting a stored entry breaks every hash after it.
 */
@Component
public class AuditLog {
    public static final String HUB_CHAIN = "-";
    private static final String GENESIS = "0".repeat(64);

    private final JdbcClient jdbc;
    private final Clock clock;

    public AuditLog(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Appends an entry. Runs in its own transaction so that a refused action is still recorded even when
     * the caller's transaction rolls back.
     *
     * @param householdId the household whose chain gets the entry, or null for the hub's own chain
     * @param actor who did it ("account:<id>", "device:<id>", "serial:<serial>", "address:<ip>")
     * @param action a stable kebab-case name, e.g. {@code claim-refused}
     * @param detail human-readable detail; never a secret
     */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void record(String householdId, String actor, String action, String detail) {
        String chain = householdId == null ? HUB_CHAIN : householdId;
        // Serialises appends per chain across hub nodes sharing the database.
        jdbc.sql("select pg_advisory_xact_lock(hashtext(:chain))")
                .param("chain", chain)
                .query()
                .singleRow();
        String previous = jdbc.sql("select hash from audit_log where chain = :chain order by seq desc limit 1")
                .param("chain", chain)
                .query(String.class)
                .optional()
                .orElse(GENESIS);
        Instant at = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String hash = hash(previous, chain, at, actor, action, detail);
        jdbc.sql("""
                        insert into audit_log (chain, at, actor, action, detail, previous_hash, hash)
                        values (:chain, :at, :actor, :action, :detail, :previous, :hash)""")
                .param("chain", chain)
                .param("at", Timestamp.from(at))
                .param("actor", actor)
                .param("action", action)
                .param("detail", detail)
                .param("previous", previous)
                .param("hash", hash)
                .update();
    }

    public List<AuditEntry> entries(String householdId, int limit) {
        return page(householdId, limit, Long.MAX_VALUE, AuditTopic.ALL);
    }

    /**
     * One page of a household's chain, newest first: at most {@code limit} entries older than the entry
     * {@code before} (its {@code seq}, the cursor of the previous page), of one {@link AuditTopic}.
     */
    public List<AuditEntry> page(String householdId, int limit, long before, AuditTopic topic) {
        String where = switch (topic) {
            case ALL -> "";
            case MEDIA -> " and action in (:media)";
            case ACCESS -> " and action in (:access)";
            case DOORBELLS -> " and action not in (:media) and action not in (:access)";
        };
        var query = jdbc.sql(
                        "select seq, at, actor, action, detail from audit_log where chain = :chain and seq < :before"
                                + where + " order by seq desc limit :limit")
                .param("chain", householdId)
                .param("before", before)
                .param("limit", limit);
        if (topic != AuditTopic.ALL) {
            query = query.param("media", AuditTopic.MEDIA_ACTIONS).param("access", AuditTopic.ACCESS_ACTIONS);
        }
        return query.query((rs, n) -> new AuditEntry(
                        rs.getLong("seq"),
                        rs.getTimestamp("at").toInstant(),
                        rs.getString("actor"),
                        rs.getString("action"),
                        rs.getString("detail")))
                .list();
    }

    /** Walks a chain from the start; returns the sequence number of the first entry that does not match. */
    public Optional<Long> firstBrokenEntry(String chain) {
        List<StoredEntry> stored = jdbc.sql("""
                        select seq, at, actor, action, detail, previous_hash, hash from audit_log
                        where chain = :chain order by seq""")
                .param("chain", chain)
                .query((rs, n) -> new StoredEntry(
                        rs.getLong("seq"),
                        rs.getTimestamp("at").toInstant(),
                        rs.getString("actor"),
                        rs.getString("action"),
                        rs.getString("detail"),
                        rs.getString("previous_hash"),
                        rs.getString("hash")))
                .list();
        String previous = GENESIS;
        for (StoredEntry e : stored) {
            String expected = hash(previous, chain, e.at(), e.actor(), e.action(), e.detail());
            if (!e.previousHash().equals(previous) || !e.hash().equals(expected)) {
                return Optional.of(e.seq());
            }
            previous = e.hash();
        }
        return Optional.empty();
    }

    private static String hash(String previous, String chain, Instant at, String actor, String action, String detail) {
        // Length-prefixed fields so no two different entries serialise the same.
        StringBuilder canonical = new StringBuilder();
        for (String field : new String[] {previous, chain, at.toString(), actor, action, detail}) {
            canonical.append(field.length()).append(':').append(field).append(';');
        }
        return HexFormat.of().formatHex(Hashes.sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    }

    public record AuditEntry(long seq, Instant at, String actor, String action, String detail) {}

    private record StoredEntry(
            long seq, Instant at, String actor, String action, String detail, String previousHash, String hash) {}
}
