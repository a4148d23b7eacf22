package dev.doorward.hub.account;

import java.sql.Timestamp;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * An account's passkeys as its holder sees them, read from Spring Security's WebAuthn tables (V11): their names,
 * when each was added and last used, and removing one. Registering and checking them is Spring Security's
 * ({@link PasskeyConfig}).
 */
@Repository
public class Passkeys {
    private final JdbcClient jdbc;

    Passkeys(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** One passkey; {@code id} is the credential id (public: the authenticator sends it with every sign-in). */
    public record Passkey(String id, String label, String createdAt, String lastUsedAt) {}

    public List<Passkey> of(String username) {
        return jdbc.sql("""
                        select c.credential_id, c.label, c.created, c.last_used from user_credentials c
                        join user_entities u on u.id = c.user_entity_user_id
                        where u.name = :username order by c.created, c.credential_id""")
                .param("username", username)
                .query((rs, n) ->
                        new Passkey(rs.getString(1), rs.getString(2), iso(rs.getTimestamp(3)), iso(rs.getTimestamp(4))))
                .list();
    }

    /** Removes one of the account's passkeys; its label, or empty if the account has no such passkey. */
    public Optional<String> remove(String username, String credentialId) {
        return jdbc.sql("""
                        delete from user_credentials
                        where credential_id = :id
                          and user_entity_user_id in (select id from user_entities where name = :username)
                        returning label""")
                .param("id", credentialId)
                .param("username", username)
                .query(String.class)
                .optional();
    }

    /** The username a passkey user handle belongs to, if any. */
    Optional<String> usernameOfUserHandle(String userHandle) {
        return jdbc.sql("select name from user_entities where id = :id")
                .param("id", userHandle)
                .query(String.class)
                .optional();
    }

    private static String iso(Timestamp at) {
        return at == null ? null : at.toInstant().toString();
    }
}
