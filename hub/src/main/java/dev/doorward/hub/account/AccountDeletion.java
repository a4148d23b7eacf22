package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.eventmedia.EventMediaStore;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.shared.AccountDeleted;
import dev.doorward.hub.shared.DeviceChannel;
import dev.doorward.hub.shared.MemberRemoved;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.stream.MemberStreams;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deleting an account (DESIGN §7: "deleting … the whole account removes rows, blobs and keys").
 *
 * <p>Every household the account <b>owns</b> goes whole: for each of its doorbells the sealed media blobs
 * first (then their rows), then the household row, which cascades to devices, events, event media, rosters,
 * media key envelopes, invitations and memberships; and the household's audit chain, which names its people.
 * Its doorbells' links are closed: their certificates are refused from then on (docs/ownership.md "When the
 * owner is gone"). In every other household the account's membership ends exactly as if an admin had removed
 * it, the household's audit chain records that the member deleted their account, and its admins are alerted.
 * The account's browsers and their key envelopes go with the account row, and every session it has ends.
 *
 * <p>The database part is one transaction; blobs are deleted inside it, before their rows. What lives in
 * memory (links, streams, sessions, live views, pending claims) is ended after the commit.
 */
@Service
public class AccountDeletion {
    private static final Logger log = LoggerFactory.getLogger(AccountDeletion.class);

    private final JdbcClient jdbc;
    private final Households households;
    private final EventMediaStore media;
    private final DeviceChannel connections;
    private final MemberStreams streams;
    private final Notifier notifier;
    private final AccountSessions sessions;
    private final AuditLog audit;
    private final ApplicationEventPublisher events;
    private final TransactionTemplate transaction;
    private final Clock clock;

    AccountDeletion(
            JdbcClient jdbc,
            Households households,
            EventMediaStore media,
            DeviceChannel connections,
            MemberStreams streams,
            Notifier notifier,
            AccountSessions sessions,
            AuditLog audit,
            ApplicationEventPublisher events,
            PlatformTransactionManager transactions,
            Clock clock) {
        this.jdbc = jdbc;
        this.households = households;
        this.media = media;
        this.connections = connections;
        this.streams = streams;
        this.notifier = notifier;
        this.sessions = sessions;
        this.audit = audit;
        this.events = events;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    /** What was deleted, for the person who asked (and the response). */
    public record Deleted(int households, int devices, int events, int blobs, int browsers) {}

    /** A household the account left (not owned): who is told, and what the audit chain says. */
    private record Left(String householdId, Role role) {}

    /** A household that went whole: its doorbells to disconnect and the other members to tell. */
    private record Gone(String householdId, String name, List<String> deviceIds, List<String> otherMembers) {}

    private record Plan(Deleted deleted, List<Gone> gone, List<Left> left) {}

    /** Deletes the account and everything it owns. The password has been checked by the caller. */
    public Deleted delete(String accountId, String username) {
        Plan plan = transaction.execute(status -> deleteRows(accountId));
        afterCommit(accountId, username, plan);
        log.info(
                "An account was deleted: {} households, {} doorbells, {} events, {} sealed media objects, {} browsers",
                plan.deleted().households(),
                plan.deleted().devices(),
                plan.deleted().events(),
                plan.deleted().blobs(),
                plan.deleted().browsers());
        return plan.deleted();
    }

    private Plan deleteRows(String accountId) {
        // Serialises two deletions of the same account (two tabs): the second finds nothing.
        if (jdbc.sql("select id from accounts where id = :id for update")
                .param("id", accountId)
                .query(String.class)
                .optional()
                .isEmpty()) {
            throw new NotFound();
        }
        List<Gone> gone = new ArrayList<>();
        List<Left> left = new ArrayList<>();
        int deviceCount = 0;
        int eventCount = 0;
        int blobCount = 0;
        for (Households.Membership membership : households.membershipsOf(accountId)) {
            String householdId = membership.householdId();
            if (membership.role() != Role.OWNER) {
                jdbc.sql("delete from memberships where household_id = :household and account_id = :account")
                        .param("household", householdId)
                        .param("account", accountId)
                        .update();
                left.add(new Left(householdId, membership.role()));
                continue;
            }
            List<String> deviceIds = jdbc.sql("select id from devices where household_id = :household")
                    .param("household", householdId)
                    .query(String.class)
                    .list();
            eventCount += jdbc.sql("select count(*) from events where household_id = :household")
                    .param("household", householdId)
                    .query(Integer.class)
                    .single();
            List<String> others = households.memberAccountIds(householdId).stream()
                    .filter(id -> !id.equals(accountId))
                    .toList();
            // Blobs before the rows that point at them.
            for (String deviceId : deviceIds) {
                blobCount += media.deleteDeviceMedia(deviceId);
            }
            // The household's audit chain names its people and goes with it: nothing is left to verify it
            // against, and keeping it would keep who lived there and when they came and went.
            jdbc.sql("delete from audit_log where chain = :household")
                    .param("household", householdId)
                    .update();
            // Cascades: devices, events, event_media, rosters, media_keys, invitations, memberships.
            jdbc.sql("delete from households where id = :household")
                    .param("household", householdId)
                    .update();
            deviceCount += deviceIds.size();
            gone.add(new Gone(householdId, membership.householdName(), deviceIds, others));
        }
        int browsers = jdbc.sql("delete from member_clients where account_id = :account")
                .param("account", accountId)
                .update();
        // Cascades what is left: invitations it created elsewhere; an invitation it used forgets who used it.
        jdbc.sql("delete from accounts where id = :account")
                .param("account", accountId)
                .update();
        return new Plan(new Deleted(gone.size(), deviceCount, eventCount, blobCount, browsers), gone, left);
    }

    private void afterCommit(String accountId, String username, Plan plan) {
        for (Gone household : plan.gone()) {
            for (String deviceId : household.deviceIds()) {
                connections.disconnect(deviceId, "the household was deleted");
            }
            Notice alert = alert(
                    Notice.Alert.HOUSEHOLD_DELETED,
                    "The owner deleted their account: household '" + household.name()
                            + "' and its doorbells are gone.");
            for (String member : household.otherMembers()) {
                notifier.toAccount(member, alert);
                streams.removeFromHousehold(member, household.householdId());
                events.publishEvent(new MemberRemoved(member, household.householdId()));
            }
        }
        for (Left household : plan.left()) {
            streams.removeFromHousehold(accountId, household.householdId());
            events.publishEvent(new MemberRemoved(accountId, household.householdId()));
            audit.record(
                    household.householdId(),
                    "account:" + accountId,
                    "member-account-deleted",
                    username + " (" + household.role().dbName() + ") deleted their account and left the household");
            Notice alert = alert(
                    Notice.Alert.MEMBER_LEFT,
                    username + " (" + household.role().dbName() + ") deleted their account and is no longer a member.");
            notifier.toAdmins(household.householdId(), alert);
        }
        events.publishEvent(new AccountDeleted(
                accountId, plan.gone().stream().map(Gone::householdId).toList()));
        streams.closeAccount(accountId);
        sessions.endAll(accountId);
        // The hub's own chain keeps that a deletion happened, never whose.
        audit.record(
                null,
                "hub",
                "account-deleted",
                "An account was deleted with " + plan.deleted().households() + " household(s), "
                        + plan.deleted().devices() + " doorbell(s), "
                        + plan.deleted().events() + " event(s), "
                        + plan.deleted().blobs() + " sealed media object(s) and "
                        + plan.deleted().browsers()
                        + " browser(s)");
    }

    private Notice alert(Notice.Alert kind, String message) {
        return Notice.SecurityAlert.about(kind, message, clock.instant());
    }
}
