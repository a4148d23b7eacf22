package dev.doorward.hub.push;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Browsers' push subscriptions (one per browser client) and members' push preferences. */
@Repository
class PushSubscriptions {
    private final JdbcClient jdbc;
    private final Clock clock;

    PushSubscriptions(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A subscription with who it reaches in one household. */
    record Recipient(String clientId, String accountId, String role, String endpoint, String p256dh, String auth) {}

    void save(String clientId, String endpoint, String p256dh, String auth) {
        jdbc.sql("""
                        insert into push_subscriptions (client_id, endpoint, p256dh, auth, updated_at)
                        values (:client, :endpoint, :p256dh, :auth, :now)
                        on conflict (client_id) do update set endpoint = excluded.endpoint,
                            p256dh = excluded.p256dh, auth = excluded.auth, updated_at = excluded.updated_at""")
                .param("client", clientId)
                .param("endpoint", endpoint)
                .param("p256dh", p256dh)
                .param("auth", auth)
                .param("now", Timestamp.from(clock.instant()))
                .update();
    }

    void delete(String clientId) {
        jdbc.sql("delete from push_subscriptions where client_id = :client")
                .param("client", clientId)
                .update();
    }

    /** The push service says the subscription is gone; a newer one for the same browser stays. */
    boolean deleteExpired(String clientId, String endpoint) {
        return jdbc.sql("delete from push_subscriptions where client_id = :client and endpoint = :endpoint")
                        .param("client", clientId)
                        .param("endpoint", endpoint)
                        .update()
                > 0;
    }

    boolean exists(String clientId) {
        return jdbc.sql("select count(*) from push_subscriptions where client_id = :client")
                        .param("client", clientId)
                        .query(Integer.class)
                        .single()
                > 0;
    }

    /** Every subscription of a browser of a member of the household (approval is the caller's to check). */
    List<Recipient> ofHousehold(String householdId) {
        return jdbc.sql("""
                        select s.client_id, c.account_id, m.role, s.endpoint, s.p256dh, s.auth
                        from push_subscriptions s
                        join member_clients c on c.id = s.client_id
                        join memberships m on m.account_id = c.account_id and m.household_id = :household""")
                .param("household", householdId)
                .query((rs, n) -> new Recipient(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6)))
                .list();
    }

    /** The client ids of an account's browsers that have a subscription. */
    List<String> subscribedClientsOf(String accountId) {
        return jdbc.sql("""
                        select s.client_id from push_subscriptions s
                        join member_clients c on c.id = s.client_id where c.account_id = :account""").param("account", accountId).query(String.class).list();
    }

    boolean wantsMotion(String accountId) {
        return jdbc.sql("select motion from push_preferences where account_id = :account")
                .param("account", accountId)
                .query(Boolean.class)
                .optional()
                .orElse(false);
    }

    /** Whether the account muted this doorbell's rings and motion pushes. */
    boolean muted(String accountId, String deviceId) {
        return jdbc.sql("select count(*) from push_muted_doorbells where account_id = :account and device_id = :device")
                        .param("account", accountId)
                        .param("device", deviceId)
                        .query(Long.class)
                        .single()
                > 0;
    }

    void setMuted(String accountId, String deviceId, boolean muted) {
        if (muted) {
            jdbc.sql("""
                            insert into push_muted_doorbells (account_id, device_id) values (:account, :device)
                            on conflict do nothing""").param("account", accountId).param("device", deviceId).update();
        } else {
            jdbc.sql("delete from push_muted_doorbells where account_id = :account and device_id = :device")
                    .param("account", accountId)
                    .param("device", deviceId)
                    .update();
        }
    }

    void setMotion(String accountId, boolean motion) {
        jdbc.sql("""
                        insert into push_preferences (account_id, motion) values (:account, :motion)
                        on conflict (account_id) do update set motion = excluded.motion""").param("account", accountId).param("motion", motion).update();
    }
}
