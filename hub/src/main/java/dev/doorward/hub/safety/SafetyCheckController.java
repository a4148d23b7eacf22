package dev.doorward.hub.safety;

import dev.doorward.crypto.Hashes;
import dev.doorward.hub.account.AccountSessions;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.hubkeys.HubKeys;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.roster.MemberAccess;
import dev.doorward.hub.roster.Rosters;
import dev.doorward.hub.shared.BrowserRevoked;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.protocol.Roster;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The safety check: one listing of everyone and everything that can reach a household — its members, their
 * browsers (approved in the latest roster or not), their signed-in sessions and the invitations still open
 * — with a revoke for each. Owner and admins only; everyone else gets the 404 of an unknown household.
 *
 * <p>Sessions and invitations are named by opaque references: an HMAC, under a key from {@link HubKeys} (made at
 * start-up and kept in memory by a single hub, shared by a cluster's nodes), of the household and the session id or
 * invitation token hash. A session id is a cookie's value and never leaves the hub; a single hub's reference is only
 * good until it restarts.
 */
@RestController
class SafetyCheckController {
    private final JdbcClient jdbc;
    private final Households households;
    private final Rosters rosters;
    private final MemberAccess access;
    private final AccountSessions sessions;
    private final AuditLog audit;
    private final Notifier notifier;
    private final RateLimiter limiter;
    private final ApplicationEventPublisher events;
    private final Clock clock;
    private final byte[] refKey;

    SafetyCheckController(
            JdbcClient jdbc,
            Households households,
            Rosters rosters,
            MemberAccess access,
            AccountSessions sessions,
            AuditLog audit,
            Notifier notifier,
            RateLimiter limiter,
            ApplicationEventPublisher events,
            HubKeys keys,
            Clock clock) {
        this.jdbc = jdbc;
        this.households = households;
        this.rosters = rosters;
        this.access = access;
        this.sessions = sessions;
        this.audit = audit;
        this.notifier = notifier;
        this.limiter = limiter;
        this.events = events;
        this.clock = clock;
        this.refKey = keys.referenceKey(HubKeys.ReferenceKey.SAFETY_CHECK);
    }

    record MemberEntry(String accountId, String username, String role, String since) {}

    record BrowserEntry(
            String clientId, String accountId, String username, String label, String registeredAt, boolean approved) {}

    record SessionEntry(
            String sessionRef,
            String accountId,
            String username,
            String browserName,
            String signedInAt,
            String lastSeenAt,
            boolean current) {}

    record InvitationEntry(String invitationRef, String role, String createdBy, String createdAt, String expiresAt) {}

    record SafetyCheck(
            List<MemberEntry> members,
            List<BrowserEntry> browsers,
            List<SessionEntry> sessions,
            List<InvitationEntry> invitations) {}

    @GetMapping("/api/households/{householdId}/safety-check")
    SafetyCheck list(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            HttpServletRequest request) {
        requireAdmin(account, householdId);
        TooManyRequests.check(limiter, RateLimit.SAFETY_CHECK, account.id());
        List<MemberEntry> members = jdbc.sql("""
                        select a.id, a.username, m.role, m.created_at from memberships m
                        join accounts a on a.id = m.account_id
                        where m.household_id = :household order by m.created_at, a.username""")
                .param("household", householdId)
                .query((rs, n) -> new MemberEntry(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant().toString()))
                .list();

        Optional<Roster> roster = rosters.latest(householdId).map(r -> Roster.parse(r.text()));
        List<BrowserEntry> browsers = jdbc.sql("""
                        select c.id, c.account_id, a.username, c.label, c.created_at from memberships m
                        join accounts a on a.id = m.account_id
                        join member_clients c on c.account_id = m.account_id
                        where m.household_id = :household order by c.created_at, c.id""")
                .param("household", householdId)
                .query((rs, n) -> {
                    String clientId = rs.getString(1);
                    return new BrowserEntry(
                            clientId,
                            rs.getString(2),
                            rs.getString(3),
                            rs.getString(4),
                            rs.getTimestamp(5).toInstant().toString(),
                            roster.flatMap(r -> r.member(clientId)).isPresent());
                })
                .list();

        String currentId = currentSessionId(request);
        List<SessionEntry> open = new ArrayList<>();
        for (MemberEntry member : members) {
            for (AccountSessions.OpenSession s : sessions.of(member.accountId())) {
                open.add(new SessionEntry(
                        ref("session", householdId, s.sessionId()),
                        member.accountId(),
                        member.username(),
                        s.browserName(),
                        s.signedInAt().toString(),
                        s.lastSeenAt().toString(),
                        s.sessionId().equals(currentId)));
            }
        }

        List<InvitationEntry> invitations = jdbc.sql("""
                        select i.token_hash, i.role, a.username, i.created_at, i.expires_at from invitations i
                        join accounts a on a.id = i.created_by
                        where i.household_id = :household and i.used_at is null and i.expires_at > :now
                        order by i.created_at""")
                .param("household", householdId)
                .param("now", Timestamp.from(clock.instant()))
                .query((rs, n) -> new InvitationEntry(
                        ref("invitation", householdId, rs.getString(1)),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant().toString(),
                        rs.getTimestamp(5).toInstant().toString()))
                .list();
        return new SafetyCheck(members, browsers, open, invitations);
    }

    /** The invitation goes: its link can never be used. */
    @DeleteMapping("/api/households/{householdId}/invitations/{invitationRef}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeInvitation(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @PathVariable String invitationRef) {
        requireAdmin(account, householdId);
        TooManyRequests.check(limiter, RateLimit.SAFETY_CHECK, account.id());
        record Pending(String tokenHash, String role) {}
        Pending found = jdbc
                .sql("select token_hash, role from invitations where household_id = :household and used_at is null")
                .param("household", householdId)
                .query((rs, n) -> new Pending(rs.getString(1), rs.getString(2)))
                .list()
                .stream()
                .filter(p -> sameRef(ref("invitation", householdId, p.tokenHash()), invitationRef))
                .findFirst()
                .orElseThrow(NotFound::new);
        int deleted = jdbc.sql(
                        "delete from invitations where token_hash = :hash and household_id = :household and used_at is null")
                .param("hash", found.tokenHash())
                .param("household", householdId)
                .update();
        if (deleted != 1) {
            throw new NotFound();
        }
        revoked(
                account,
                householdId,
                "invitation-revoked",
                account.getUsername() + " revoked an invitation for a new " + found.role());
    }

    /** Signs a member out in one browser: that session's next request is a stranger's, its streams close. */
    @DeleteMapping("/api/households/{householdId}/sessions/{sessionRef}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revokeSession(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @PathVariable String sessionRef) {
        Role callerRole = requireAdmin(account, householdId);
        TooManyRequests.check(limiter, RateLimit.SAFETY_CHECK, account.id());
        for (String memberId : households.memberAccountIds(householdId)) {
            for (AccountSessions.OpenSession s : sessions.of(memberId)) {
                if (!sameRef(ref("session", householdId, s.sessionId()), sessionRef)) {
                    continue;
                }
                Role target = households.roleOf(memberId, householdId).orElseThrow(NotFound::new);
                if (target == Role.OWNER && callerRole != Role.OWNER) {
                    throw new InvalidInput("Only the owner can end the owner's sessions");
                }
                String username = usernameOf(memberId);
                // Audit and alert first: ending the caller's own session closes its stream.
                revoked(
                        account,
                        householdId,
                        "session-ended",
                        account.getUsername() + " signed " + username + " out of one browser");
                if (!sessions.end(memberId, s.sessionId())) {
                    throw new NotFound();
                }
                return;
            }
        }
        throw new NotFound();
    }

    /**
     * A browser's registration goes, and with it its media key envelopes; its live views end. The admin's web
     * app then signs a roster without it, so the doorbells re-key.
     */
    @DeleteMapping("/api/households/{householdId}/browsers/{clientId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Transactional
    void revokeBrowser(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @PathVariable String clientId) {
        Role callerRole = requireAdmin(account, householdId);
        TooManyRequests.check(limiter, RateLimit.SAFETY_CHECK, account.id());
        record Owner(String accountId, String username, String role, String label) {}
        Owner owner = jdbc.sql("""
                        select c.account_id, a.username, m.role, c.label from member_clients c
                        join accounts a on a.id = c.account_id
                        join memberships m on m.account_id = c.account_id and m.household_id = :household
                        where c.id = :client""")
                .param("household", householdId)
                .param("client", clientId)
                .query((rs, n) -> new Owner(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                .optional()
                .orElseThrow(NotFound::new);
        if (Role.fromDb(owner.role()) == Role.OWNER && callerRole != Role.OWNER) {
            throw new InvalidInput("Only the owner can revoke the owner's browsers");
        }
        // Envelopes (media_keys) go with the row: on delete cascade.
        jdbc.sql("delete from member_clients where id = :client")
                .param("client", clientId)
                .update();
        access.browserRevoked(owner.accountId());
        events.publishEvent(new BrowserRevoked(clientId, owner.accountId()));
        revoked(
                account,
                householdId,
                "browser-revoked",
                account.getUsername() + " revoked the browser \"" + owner.label() + "\" of " + owner.username());
    }

    private void revoked(SignedInAccount account, String householdId, String action, String detail) {
        audit.record(householdId, "account:" + account.id(), action, detail);
        notifier.toHousehold(
                householdId, Notice.SecurityAlert.about(Notice.Alert.ACCESS_REVOKED, detail, clock.instant()));
    }

    private Role requireAdmin(SignedInAccount account, String householdId) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        return role;
    }

    private String usernameOf(String accountId) {
        return jdbc.sql("select username from accounts where id = :id")
                .param("id", accountId)
                .query(String.class)
                .optional()
                .orElse("a member");
    }

    private static String currentSessionId(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session == null ? null : session.getId();
    }

    private String ref(String kind, String householdId, String secret) {
        byte[] tag =
                Hashes.hmacSha256(refKey, (kind + ":" + householdId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(tag, 16));
    }

    private static boolean sameRef(String a, String b) {
        return Hashes.constantTimeEquals(a, b);
    }
}
