package dev.doorward.hub.client;

import dev.doorward.crypto.RandomIds;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The browsers (member clients) of each account: public keys only. */
@Repository
public class MemberClients {
    private static final RowMapper<MemberClient> ROW = (rs, n) -> new MemberClient(
            rs.getString("id"),
            rs.getString("account_id"),
            rs.getString("signing_key"),
            rs.getString("agreement_key"),
            rs.getString("signing_key_fingerprint"),
            rs.getString("label"),
            rs.getTimestamp("created_at").toInstant());

    private final JdbcClient jdbc;
    private final Clock clock;

    MemberClients(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Registers a client; returns the existing one when the same signing key registers again. */
    Registration register(String accountId, String signingKey, String agreementKey, String fingerprint, String label) {
        int inserted = jdbc.sql("""
                        insert into member_clients (id, account_id, signing_key, agreement_key,
                            signing_key_fingerprint, label, created_at)
                        values (:id, :account, :signing, :agreement, :fingerprint, :label, :now)
                        on conflict (signing_key_fingerprint) do nothing""")
                .param("id", RandomIds.newId())
                .param("account", accountId)
                .param("signing", signingKey)
                .param("agreement", agreementKey)
                .param("fingerprint", fingerprint)
                .param("label", label)
                .param("now", Timestamp.from(clock.instant()))
                .update();
        return new Registration(byFingerprint(fingerprint).orElseThrow(), inserted == 1);
    }

    record Registration(MemberClient client, boolean created) {}

    public Optional<MemberClient> byFingerprint(String fingerprint) {
        return jdbc.sql("select * from member_clients where signing_key_fingerprint = :fingerprint")
                .param("fingerprint", fingerprint)
                .query(ROW)
                .optional();
    }

    /** Renames one of the account's browsers; empty if the account has no such browser. */
    public Optional<MemberClient> rename(String accountId, String clientId, String label) {
        int updated = jdbc.sql("update member_clients set label = :label where id = :id and account_id = :account")
                .param("label", label)
                .param("id", clientId)
                .param("account", accountId)
                .update();
        if (updated != 1) {
            return Optional.empty();
        }
        return jdbc.sql("select * from member_clients where id = :id")
                .param("id", clientId)
                .query(ROW)
                .optional();
    }

    public List<MemberClient> ofAccount(String accountId) {
        return jdbc.sql("select * from member_clients where account_id = :account order by created_at")
                .param("account", accountId)
                .query(ROW)
                .list();
    }

    /** The account of each of these browsers that still exists (a revoked one is missing). */
    public Map<String, String> accountOf(Collection<String> clientIds) {
        Map<String, String> accounts = new HashMap<>();
        if (!clientIds.isEmpty()) {
            jdbc.sql("select id, account_id from member_clients where id in (:ids)")
                    .param("ids", List.copyOf(clientIds))
                    .query(rs -> {
                        accounts.put(rs.getString(1), rs.getString(2));
                    });
        }
        return accounts;
    }

    /** The account of every browser the hub knows. */
    public Map<String, String> accountOfEveryClient() {
        Map<String, String> accounts = new HashMap<>();
        jdbc.sql("select id, account_id from member_clients").query(rs -> {
            accounts.put(rs.getString(1), rs.getString(2));
        });
        return accounts;
    }

    public record MemberClient(
            String id,
            String accountId,
            String signingKey,
            String agreementKey,
            String signingKeyFingerprint,
            String label,
            Instant createdAt) {}
}
