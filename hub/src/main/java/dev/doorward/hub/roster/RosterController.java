package dev.doorward.hub.roster;

import dev.doorward.hub.household.Households;
import dev.doorward.hub.roster.Rosters.SignedRoster;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.Roster;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The household roster for browsers: the latest signed text and every member browser that could be in the
 * next one (so an admin's browser can build and sign it), and the route that takes a newly signed roster.
 */
@RestController
class RosterController {
    private final RosterService service;
    private final Rosters rosters;
    private final Households households;
    private final JdbcClient jdbc;

    RosterController(RosterService service, Rosters rosters, Households households, JdbcClient jdbc) {
        this.service = service;
        this.rosters = rosters;
        this.households = households;
        this.jdbc = jdbc;
    }

    /** A member browser; {@code rosterRole} is its role in the latest roster, null while not approved. */
    record ClientEntry(
            String clientId,
            String accountId,
            String username,
            String householdRole,
            String label,
            String signingKeyFingerprint,
            String signingKey,
            String agreementKey,
            String rosterRole,
            Long validUntil) {}

    record RosterView(long epoch, String text, List<ClientEntry> clients) {}

    @GetMapping("/api/households/{householdId}/roster")
    RosterView roster(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        households.requireRole(account.id(), householdId);
        Optional<SignedRoster> latest = rosters.latest(householdId);
        Optional<Roster> parsed = latest.map(r -> Roster.parse(r.text()));
        List<ClientEntry> entries = new ArrayList<>();
        jdbc.sql("""
                        select c.id, c.account_id, a.username, m.role, c.label, c.signing_key_fingerprint,
                            c.signing_key, c.agreement_key
                        from memberships m
                        join accounts a on a.id = m.account_id
                        join member_clients c on c.account_id = m.account_id
                        where m.household_id = :household
                        order by c.id""")
                .param("household", householdId)
                .query((rs, n) -> {
                    String clientId = rs.getString(1);
                    Optional<Roster.Member> line = parsed.flatMap(r -> r.member(clientId));
                    return new ClientEntry(
                            clientId,
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getString(5),
                            rs.getString(6),
                            RosterService.base64UrlOf(rs.getString(7)),
                            RosterService.base64UrlOf(rs.getString(8)),
                            line.map(m -> m.role().wireName()).orElse(null),
                            line.flatMap(Roster.Member::validUntil).orElse(null));
                })
                .list()
                .forEach(entries::add);
        return new RosterView(
                latest.map(SignedRoster::epoch).orElse(0L),
                latest.map(SignedRoster::text).orElse(null),
                entries);
    }

    @PostMapping("/api/households/{householdId}/rosters")
    @ResponseStatus(HttpStatus.CREATED)
    Map<String, Long> submit(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @RequestBody RosterService.Submission submission) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        SignedRoster stored = service.submit(account.id(), account.getUsername(), householdId, submission);
        return Map.of("epoch", stored.epoch());
    }
}
