package dev.doorward.hub.push;

import dev.doorward.hub.shared.HouseholdChannelsChanged;
import dev.doorward.hub.shared.HouseholdMemory;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Browsers' push subscriptions (one per browser client) and members' push preferences. What a ring's fan-out reads
 * of them is remembered per household ({@link HouseholdMemory}): every write here forgets it.
 */
@Repository
class PushSubscriptions {

    private final JdbcClient jdbc;
    private final Clock clock;
    private final HouseholdMemory<HouseholdPush> byHousehold;

    PushSubscriptions(JdbcClient jdbc, Clock clock, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.byHousehold = HouseholdMemory.ofChannel("a household's push subscriptions", clock, this::read, events);
    }

    @EventListener
    void channelsChanged(HouseholdChannelsChanged changed) {
        byHousehold.forgetNow();
    }

    /** A subscription with who it reaches in one household. */
    record Recipient(String clientId, String accountId, String role, String endpoint, String p256dh, String auth) {}

    /**
     * What a push to a household needs: every subscription of a browser of a member (approval is the caller's to
     * check), which members want motion pushes and which muted which doorbell.
     */
    record HouseholdPush(List<Recipient> recipients, Set<String> wantMotion, Set<String> mutedAccountDevice) {
        boolean wantsMotion(String accountId) {
            return wantMotion.contains(accountId);
        }

        boolean muted(String accountId, String deviceId) {
            return mutedAccountDevice.contains(accountId + '/' + deviceId);
        }
    }

    /**
     * True when memory says, freshly, that no browser of the household has a subscription: a push then needs no
     * worker. Reads nothing (false when not known).
     */
    boolean knownToHaveNone(String householdId) {
        return byHousehold
                .ifFresh(householdId)
                .map(h -> h.recipients().isEmpty())
                .orElse(false);
    }

    /** From memory when known (see the class comment). */
    HouseholdPush ofHousehold(String householdId) {
        return byHousehold.of(householdId);
    }

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
        byHousehold.forgetAll();
    }

    void delete(String clientId) {
        jdbc.sql("delete from push_subscriptions where client_id = :client")
                .param("client", clientId)
                .update();
        byHousehold.forgetAll();
    }

    /** The push service says the subscription is gone; a newer one for the same browser stays. */
    boolean deleteExpired(String clientId, String endpoint) {
        boolean deleted = jdbc.sql("delete from push_subscriptions where client_id = :client and endpoint = :endpoint")
                        .param("client", clientId)
                        .param("endpoint", endpoint)
                        .update()
                > 0;
        byHousehold.forgetAll();
        return deleted;
    }

    /** Whether any browser subscribed at all. */
    boolean anyExist() {
        return jdbc.sql("select exists (select 1 from push_subscriptions)")
                .query(Boolean.class)
                .single();
    }

    boolean exists(String clientId) {
        return jdbc.sql("select count(*) from push_subscriptions where client_id = :client")
                        .param("client", clientId)
                        .query(Integer.class)
                        .single()
                > 0;
    }

    private HouseholdPush read(String householdId) {
        Set<String> motion = new HashSet<>(jdbc.sql("""
                        select p.account_id from push_preferences p
                        join memberships m on m.account_id = p.account_id and m.household_id = :household
                        where p.motion""")
                .param("household", householdId)
                .query(String.class)
                .list());
        Set<String> muted = new HashSet<>(jdbc.sql("""
                        select d.account_id || '/' || d.device_id from push_muted_doorbells d
                        join memberships m on m.account_id = d.account_id and m.household_id = :household""")
                .param("household", householdId)
                .query(String.class)
                .list());
        return new HouseholdPush(recipients(householdId), Set.copyOf(motion), Set.copyOf(muted));
    }

    private List<Recipient> recipients(String householdId) {
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
        byHousehold.forgetAll();
    }

    void setMotion(String accountId, boolean motion) {
        jdbc.sql("""
                        insert into push_preferences (account_id, motion) values (:account, :motion)
                        on conflict (account_id) do update set motion = excluded.motion""").param("account", accountId).param("motion", motion).update();
        byHousehold.forgetAll();
    }
}
