package dev.doorward.hub.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Who hears what is decided once, in the notifier; every channel gets the same audience. */
class NotifierTest {
    private static final Instant AT = Instant.parse("2026-12-03T14:23:00Z");

    /** A household: alice (admin, every doorbell), guest (only the back door), resident (every doorbell). */
    private static final class Directory implements MemberDirectory {
        boolean restricted = true;
        /** Whether the household's access is in memory (else it would have to be read). */
        boolean known = true;

        @Override
        public boolean anyRestriction(String householdId) {
            return restricted;
        }

        @Override
        public boolean mayUse(String accountId, String householdId, String deviceId) {
            return !accountId.equals("guest") || deviceId.equals("back");
        }

        @Override
        public Optional<Predicate<String>> mayUseKnownNow(String householdId, String deviceId) {
            return known ? Optional.of(account -> mayUse(account, householdId, deviceId)) : Optional.empty();
        }

        @Override
        public boolean isAdmin(String accountId, String householdId) {
            return accountId.equals("alice");
        }
    }

    private record Delivery(Audience audience, Notice notice) {}

    private static final class Recording implements NoticeChannel {
        final List<Delivery> got = new ArrayList<>();
        boolean takesAtOnce = true;

        @Override
        public void deliver(Audience audience, Notice notice) {
            got.add(new Delivery(audience, notice));
        }

        @Override
        public boolean takesAtOnce(Audience.Household audience) {
            return takesAtOnce;
        }
    }

    private static final Set<String> MEMBERS = Set.of("alice", "guest", "resident");

    private static Set<String> hearing(Delivery delivery) {
        Audience.Household household = (Audience.Household) delivery.audience();
        return Set.copyOf(MEMBERS.stream().filter(household.mayHear()).toList());
    }

    @Test
    void aRingReachesOnlyMembersWhoMayUseThatDoorbell() {
        Recording channel = new Recording();
        Notifier notifier = new Notifier(List.of(channel), new Directory());

        notifier.toHousehold("h", new Notice.Ring("front", "Front door", "e1", AT));
        notifier.toHousehold("h", new Notice.Ring("back", "Back door", "e2", AT));

        assertThat(hearing(channel.got.get(0))).containsExactlyInAnyOrder("alice", "resident");
        assertThat(hearing(channel.got.get(1))).containsExactlyInAnyOrder("alice", "guest", "resident");
    }

    @Test
    void aRingToldOnTheNetworkThreadReachesTheSameMembers() {
        Recording channel = new Recording();
        Notifier notifier = new Notifier(List.of(channel), new Directory());

        assertThat(notifier.toHouseholdAtOnce("h", new Notice.Ring("front", "Front door", "e1", AT)))
                .isTrue();
        assertThat(notifier.toHouseholdAtOnce("h", new Notice.Ring("back", "Back door", "e2", AT)))
                .isTrue();

        assertThat(hearing(channel.got.get(0))).containsExactlyInAnyOrder("alice", "resident");
        assertThat(hearing(channel.got.get(1))).containsExactlyInAnyOrder("alice", "guest", "resident");
    }

    @Test
    void aRingIsToldAtOnceByNoChannelIfOneWouldWaitOrAccessMustBeRead() {
        Recording first = new Recording();
        Recording waits = new Recording();
        waits.takesAtOnce = false;
        Directory directory = new Directory();
        Notifier notifier = new Notifier(List.of(first, waits), directory);
        Notice ring = new Notice.Ring("front", "Front door", "e1", AT);

        assertThat(notifier.toHouseholdAtOnce("h", ring)).isFalse();
        waits.takesAtOnce = true;
        directory.known = false;
        assertThat(notifier.toHouseholdAtOnce("h", ring)).isFalse();
        assertThat(notifier.toHouseholdAtOnce("h", new Notice.RosterChanged(7)))
                .as("only a doorbell's notice")
                .isFalse();

        assertThat(first.got).isEmpty();
        assertThat(waits.got).isEmpty();
    }

    @Test
    void withoutRestrictionsEveryMemberHearsWithoutAskingPerDoorbell() {
        Directory directory = new Directory();
        directory.restricted = false;
        Recording channel = new Recording();
        new Notifier(List.of(channel), directory).toHousehold("h", new Notice.Ring("front", "Front", "e1", AT));

        assertThat(hearing(channel.got.get(0))).isEqualTo(MEMBERS);
    }

    @Test
    void aNoticeAboutNoDoorbellReachesEveryMemberAndAnAdminsNoticeOnlyAdmins() {
        Recording channel = new Recording();
        Notifier notifier = new Notifier(List.of(channel), new Directory());

        notifier.toHousehold("h", new Notice.RosterChanged(7));
        notifier.toAdmins(
                "h", new Notice.SecurityAlert(Notice.Alert.BROWSER_WAITING, null, null, "A new browser", AT, "fp"));

        assertThat(hearing(channel.got.get(0))).isEqualTo(MEMBERS);
        assertThat(hearing(channel.got.get(1))).containsExactly("alice");
    }

    @Test
    void aChannelThatFailsDoesNotKeepTheNoticeFromTheOthers() {
        Recording after = new Recording();
        NoticeChannel broken = (audience, notice) -> {
            throw new IllegalStateException("push queue gone");
        };
        new Notifier(List.of(broken, after), new Directory()).toAccount("alice", new Notice.HubHealth(false));

        assertThat(after.got).hasSize(1);
        assertThat(after.got.get(0).audience()).isEqualTo(new Audience.Account("alice"));
    }

    @Test
    void theOpenAppReadsEachNoticeAsItAlwaysHas() {
        assertThat(NoticeJson.of(new Notice.Ring("d", "Front door", "e", AT)))
                .containsExactly(
                        Map.entry("type", "ring"),
                        Map.entry("deviceId", "d"),
                        Map.entry("deviceName", "Front door"),
                        Map.entry("eventId", "e"),
                        Map.entry("occurredAt", "2026-12-03T14:23:00Z"));
        assertThat(NoticeJson.of(new Notice.SecurityAlert(Notice.Alert.TAMPER, "d", "e", "Tamper alarm", AT, null)))
                .containsExactly(
                        Map.entry("type", "security-alert"),
                        Map.entry("alert", "tamper"),
                        Map.entry("deviceId", "d"),
                        Map.entry("eventId", "e"),
                        Map.entry("message", "Tamper alarm"),
                        Map.entry("at", "2026-12-03T14:23:00Z"));
        assertThat(NoticeJson.of(new Notice.ClaimProgress("h", "refused", null, "Already owned")))
                .containsExactly(
                        Map.entry("type", "claim"),
                        Map.entry("handle", "h"),
                        Map.entry("state", "refused"),
                        Map.entry("reason", "Already owned"));
        assertThat(NoticeJson.of(new Notice.EventMediaStored("d", "e", "snapshot")))
                .containsEntry("type", "event-media")
                .containsEntry("kind", "snapshot");
        assertThat(NoticeJson.of(new Notice.HubHealth(false)))
                .containsExactly(Map.entry("type", "hub-health"), Map.entry("database", "down"));
    }

    /** Another cluster node reads back what this one wrote, for every kind of notice; anything else is refused. */
    @Test
    void everyNoticeReadsBackAsItWasWritten() {
        List<Notice> notices = List.of(
                new Notice.Ring("d", "Front door", "e", AT),
                new Notice.Motion("d", "Front door", "e", AT),
                new Notice.SecurityAlert(Notice.Alert.TAMPER, "d", "e", "Tamper alarm", AT, null),
                new Notice.SecurityAlert(Notice.Alert.BROWSER_WAITING, null, null, "A browser waits", AT, "f"),
                new Notice.DeviceOnline("d"),
                new Notice.DeviceOffline("d"),
                new Notice.DeviceChanged("d"),
                new Notice.EventMediaStored("d", "e", "snapshot"),
                new Notice.RosterChanged(7),
                new Notice.ClaimProgress("h", "refused", null, "Already owned"),
                new Notice.ClaimProgress("h", "claimed", "d", null),
                new Notice.HouseholdChanged("members"),
                new Notice.HubHealth(false),
                new Notice.HubHealth(true),
                new Notice.ClusterHealth(false),
                new Notice.ClusterHealth(true));
        tools.jackson.databind.json.JsonMapper json =
                tools.jackson.databind.json.JsonMapper.builder().build();
        for (Notice notice : notices) {
            // Through JSON text, as it travels.
            Map<String, Object> travelled = json.readValue(json.writeValueAsString(NoticeJson.of(notice)), Map.class);
            assertThat(NoticeJson.read(travelled)).isEqualTo(notice);
        }
        for (Map<String, Object> bad : List.<Map<String, Object>>of(
                Map.of(),
                Map.of("type", "teleport"),
                Map.of("type", "ring", "deviceId", "d"),
                Map.of("type", "ring", "deviceId", "d", "deviceName", "n", "eventId", "e", "occurredAt", "yesterday"),
                Map.of("type", "security-alert", "alert", "nonsense", "message", "m", "at", "2026-12-03T14:23:00Z"),
                Map.of("type", "roster", "epoch", "seven"),
                Map.of("type", "device-online", "deviceId", 5))) {
            assertThatThrownBy(() -> NoticeJson.read(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
