package dev.doorward.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.protocol.Roster.Access;
import dev.doorward.protocol.Roster.Member;
import dev.doorward.protocol.Roster.Role;
import dev.doorward.protocol.Roster.Schedule;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Access lines: a member restricted to some doorbells and a weekly schedule. */
class RosterAccessTest {
    private static final String HOUSEHOLD = "hhhhhhhhhhhhhhhhhhhhhh";
    private static final String FRONT = "ffffffffffffffffffffff";
    private static final String BACK = "bbbbbbbbbbbbbbbbbbbbbb";
    private static final String KEY = "a2V5";

    private static Member member(char id, Role role) {
        String clientId = String.valueOf(id).repeat(22);
        return new Member(clientId, role, String.valueOf(id).repeat(43), KEY, KEY, null);
    }

    private final Member owner = member('o', Role.OWNER);
    private final Member guest = member('g', Role.GUEST);
    private final Member resident = member('r', Role.RESIDENT);
    /** Monday to Friday, 08:00 to 18:00 at UTC+01:00. */
    private final Schedule weekdays = new Schedule(0b0011111, 8 * 60, 18 * 60, 60);

    private Roster roster(List<Access> access) {
        return new Roster(HOUSEHOLD, 1, Roster.NO_PREVIOUS, 1, List.of(guest, owner, resident), access);
    }

    @Test
    void accessLinesRoundTripAndAreSigned() {
        Roster roster = roster(List.of(
                new Access(guest.clientId(), List.of(FRONT), weekdays),
                new Access(resident.clientId(), List.of(BACK, FRONT), null)));

        String text = roster.text();
        assertThat(text)
                .endsWith("\naccess:" + guest.clientId() + ":" + FRONT + ":1111100/0800-1800/+0100\naccess:"
                        + resident.clientId() + ":" + BACK + "," + FRONT + ":-");
        assertThat(Roster.parse(text)).isEqualTo(roster);
        assertThat(roster.accessOf(owner.clientId())).isEmpty();
    }

    @Test
    void theScheduleIsALocalWeeklyWindow() {
        // Monday 2026-11-23 at 07:30 UTC is 08:30 at UTC+1: inside. Saturday is not; 17:30 UTC = 18:30 local is not.
        assertThat(weekdays.allows(Instant.parse("2026-11-23T07:30:00Z").toEpochMilli()))
                .isTrue();
        assertThat(weekdays.allows(Instant.parse("2026-11-23T06:59:00Z").toEpochMilli()))
                .isFalse();
        assertThat(weekdays.allows(Instant.parse("2026-11-23T17:30:00Z").toEpochMilli()))
                .isFalse();
        assertThat(weekdays.allows(Instant.parse("2026-11-28T10:00:00Z").toEpochMilli()))
                .isFalse();
        Access access = new Access(guest.clientId(), List.of(FRONT), weekdays);
        long mondayMorning = Instant.parse("2026-11-23T09:00:00Z").toEpochMilli();
        assertThat(access.allows(FRONT, mondayMorning)).isTrue();
        assertThat(access.allows(BACK, mondayMorning)).isFalse();
    }

    @Test
    void refusesWhatIsNotCanonicalOrNotAllowed() {
        assertThatThrownBy(() -> roster(List.of(new Access(owner.clientId(), List.of(FRONT), null))))
                .hasMessageContaining("owner cannot be restricted");
        assertThatThrownBy(() -> roster(List.of(new Access("zzzzzzzzzzzzzzzzzzzzzz", List.of(FRONT), null))))
                .hasMessageContaining("not listed");
        assertThatThrownBy(() -> new Access(guest.clientId(), List.of(FRONT, BACK), null))
                .hasMessageContaining("sorted");
        assertThatThrownBy(() -> new Access(guest.clientId(), List.of(), null)).hasMessageContaining("restricts");
        assertThatThrownBy(() -> new Schedule(0, 0, 60, 0)).hasMessageContaining("day");
        assertThatThrownBy(() -> new Schedule(1, 600, 600, 0)).hasMessageContaining("window");
        String good = roster(List.of(new Access(guest.clientId(), List.of(FRONT), weekdays)))
                .text();
        for (String bad : List.of(
                good.replace("/+0100", "/+01:00"),
                good.replace("1111100/", "1111102/"),
                good.replace("0800-1800", "1800-0800"),
                good.replace("/+0100", "/-0000"),
                good + "\nclient:" + resident.clientId() + ":resident:" + "r".repeat(43) + ":" + KEY + ":" + KEY
                        + ":-")) {
            assertThatThrownBy(() -> Roster.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
