package dev.doorward.hub.account;

import dev.doorward.crypto.RandomIds;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Stored accounts. Passwords are kept only as Argon2id hashes. */
@Repository
public class Accounts {
    private final JdbcClient jdbc;
    private final Clock clock;

    public Accounts(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public boolean any() {
        return jdbc.sql("select exists (select 1 from accounts)")
                .query(Boolean.class)
                .single();
    }

    public Optional<Account> byUsername(String username) {
        return jdbc.sql("select id, username, password_hash from accounts where username = :username")
                .param("username", username)
                .query((rs, n) -> new Account(rs.getString(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    public Optional<Account> byId(String id) {
        return jdbc.sql("select id, username, password_hash from accounts where id = :id")
                .param("id", id)
                .query((rs, n) -> new Account(rs.getString(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    /** Creates an account; returns empty when the username is taken. */
    public Optional<String> create(String username, String passwordHash) {
        String id = RandomIds.newId();
        int inserted = jdbc.sql("""
                        insert into accounts (id, username, password_hash, created_at)
                        values (:id, :username, :hash, :now) on conflict (username) do nothing""")
                .param("id", id)
                .param("username", username)
                .param("hash", passwordHash)
                .param("now", Timestamp.from(clock.instant()))
                .update();
        return inserted == 1 ? Optional.of(id) : Optional.empty();
    }

    public void setPasswordHash(String accountId, String passwordHash) {
        jdbc.sql("update accounts set password_hash = :hash where id = :id")
                .param("hash", passwordHash)
                .param("id", accountId)
                .update();
    }

    public void setRecoveryCodeHash(String accountId, String codeHash) {
        jdbc.sql("update accounts set recovery_code_hash = :hash where id = :id")
                .param("hash", codeHash)
                .param("id", accountId)
                .update();
    }

    /**
     * Spends a recovery code: the account whose username and code hash both match loses its code (it works once)
     * and is returned; empty otherwise. Looked up by hash, as tokens are.
     */
    public Optional<Account> spendRecoveryCode(String username, String codeHash) {
        return jdbc.sql("""
                        update accounts set recovery_code_hash = null
                        where username = :username and recovery_code_hash = :hash
                        returning id, username, password_hash""")
                .param("username", username)
                .param("hash", codeHash)
                .query((rs, n) -> new Account(rs.getString(1), rs.getString(2), rs.getString(3)))
                .optional();
    }

    public record Account(String id, String username, String passwordHash) {
        @Override
        public String toString() {
            return "Account[id=" + id + ", username=" + username + "]";
        }
    }
}
