package dev.doorward.hub.roster;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The signed rosters of each household, by epoch. */
@Repository
public class Rosters {
    private static final RowMapper<SignedRoster> ROW = (rs, n) -> new SignedRoster(
            rs.getString("household_id"),
            rs.getLong("epoch"),
            rs.getString("text"),
            rs.getString("signature"),
            rs.getString("signer_key"),
            rs.getString("signer_client_id"),
            rs.getTimestamp("created_at").toInstant());

    private final JdbcClient jdbc;

    Rosters(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A roster as its signer sent it; binary values are unpadded base64url. */
    public record SignedRoster(
            String householdId,
            long epoch,
            String text,
            String signature,
            String signerKey,
            String signerClientId,
            Instant createdAt) {}

    public Optional<SignedRoster> latest(String householdId) {
        return jdbc.sql("select * from rosters where household_id = :household order by epoch desc limit 1")
                .param("household", householdId)
                .query(ROW)
                .optional();
    }

    /** Every household, with the text of its latest roster (empty before its first): one query for all. */
    Map<String, Optional<String>> latestOfEveryHousehold() {
        Map<String, Optional<String>> latest = new HashMap<>();
        jdbc.sql("""
                        select h.id, r.text from households h
                        left join lateral (select text from rosters where household_id = h.id
                            order by epoch desc limit 1) r on true""").query(rs -> {
            latest.put(rs.getString(1), Optional.ofNullable(rs.getString(2)));
        });
        return latest;
    }

    public Optional<SignedRoster> at(String householdId, long epoch) {
        return jdbc.sql("select * from rosters where household_id = :household and epoch = :epoch")
                .param("household", householdId)
                .param("epoch", epoch)
                .query(ROW)
                .optional();
    }

    /** Stores the next roster; false if that epoch was taken meanwhile (two admins signing at once). */
    boolean insert(SignedRoster roster) {
        return jdbc.sql("""
                        insert into rosters (household_id, epoch, text, signature, signer_key, signer_client_id,
                            created_at)
                        values (:household, :epoch, :text, :signature, :signer, :client, :at)
                        on conflict do nothing""")
                        .param("household", roster.householdId())
                        .param("epoch", roster.epoch())
                        .param("text", roster.text())
                        .param("signature", roster.signature())
                        .param("signer", roster.signerKey())
                        .param("client", roster.signerClientId())
                        .param("at", Timestamp.from(roster.createdAt()))
                        .update()
                == 1;
    }
}
