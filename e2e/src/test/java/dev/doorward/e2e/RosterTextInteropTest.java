package dev.doorward.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.protocol.Roster;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The browser writes the roster text the doorbells verify byte for byte (`app/roster.js` against
 * `protocol/Roster.java`), including access lines for doorbells and hours at the browser's UTC offset.
 */
class RosterTextInteropTest {
    @RegisterExtension
    static final HubAndBrowser env = HubAndBrowser.webAppOnly();

    /**
     * Runs {@code body} in the browser with {@code r} (the roster module) and {@code m(id, role, accountId,
     * validUntil)} (a member whose ids and keys repeat {@code id}) in scope; it returns a roster text.
     */
    private static String rosterFromBrowser(String body) {
        try (Phone phone = env.chromium().phone("admin")) {
            phone.page().navigate(env.hub().browserUrl().toString());
            return (String) phone.page().evaluate("""
                    async () => {
                      const r = await import('/app/roster.js');
                      const key = 'a2V5';
                      const m = (id, role, accountId = id, validUntil = null) => ({ clientId: id.repeat(22), role,
                        accountId, signingKeyFingerprint: id.repeat(43), signingKey: key, agreementKey: key, validUntil });
                    """ + body + "\n}");
        }
    }

    @Test
    void theBrowsersRosterWithAccessLinesIsTheCanonicalText() {
        String text = rosterFromBrowser("""
                const members = [m('r', 'resident'), m('o', 'owner'), m('g', 'guest')];
                const access = [
                  r.accessLine('r'.repeat(22), { deviceIds: ['f'.repeat(22), 'b'.repeat(22)] }),
                  r.accessLine('g'.repeat(22), { schedule: { days: [0, 1, 2, 3, 4], from: 480, to: 1080 } }),
                ];
                return r.rosterText('h'.repeat(22), 3, 'p'.repeat(43), 1234, members, access);
                """);
        Roster roster = Roster.parse(text);
        assertThat(roster.text()).isEqualTo(text);
        assertThat(roster.members())
                .extracting(Roster.Member::clientId)
                .containsExactly("g".repeat(22), "o".repeat(22), "r".repeat(22));
        assertThat(roster.accessOf("r".repeat(22)).orElseThrow().deviceIds())
                .isEqualTo(List.of("b".repeat(22), "f".repeat(22)));
        Roster.Schedule schedule = roster.accessOf("g".repeat(22)).orElseThrow().scheduleOrNull();
        assertThat(schedule.days()).isEqualTo(0b0011111);
        assertThat(schedule.fromMinute()).isEqualTo(480);
        assertThat(schedule.toMinute()).isEqualTo(1080);
    }

    /** A guest's newly approved browser is restricted like their other browser, in the text the doorbell checks. */
    @Test
    void aMembersNewBrowserInheritsTheirRestrictionAndEndDate() {
        String text = rosterFromBrowser("""
                const members = [m('o', 'owner'), m('g', 'guest', 'G', 99000), m('n', 'guest', 'G'),
                  m('r', 'resident')];
                const access = [r.accessLine('g'.repeat(22),
                  { deviceIds: ['f'.repeat(22)], schedule: { days: [5, 6], from: 600, to: 720 } })];
                const lines = r.inheritRestrictions(members, access);
                return r.rosterText('h'.repeat(22), 4, 'p'.repeat(43), 1234, members, lines);
                """);
        Roster roster = Roster.parse(text);
        String old = "g".repeat(22);
        String added = "n".repeat(22);
        Roster.Access inherited = roster.accessOf(added).orElseThrow();
        assertThat(inherited.deviceIds()).containsExactly("f".repeat(22));
        assertThat(inherited.scheduleOrNull())
                .isEqualTo(roster.accessOf(old).orElseThrow().scheduleOrNull())
                .isNotNull();
        assertThat(memberUntil(roster, added))
                .isEqualTo(memberUntil(roster, old))
                .contains(99000L);
        // Other members keep what they had: nothing.
        assertThat(roster.accessOf("r".repeat(22))).isEmpty();
        assertThat(memberUntil(roster, "r".repeat(22))).isEmpty();
    }

    private static Optional<Long> memberUntil(Roster roster, String clientId) {
        return Optional.ofNullable(roster.members().stream()
                .filter(m -> m.clientId().equals(clientId))
                .findFirst()
                .orElseThrow()
                .validUntilOrNull());
    }
}
