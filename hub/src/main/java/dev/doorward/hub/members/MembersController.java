package dev.doorward.hub.members;

import dev.doorward.crypto.Hashes;
import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.account.AccountService;
import dev.doorward.hub.account.AccountSessions;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.AfterCommit;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.MemberRemoved;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.stream.MemberStreams;
import dev.doorward.hub.web.HubPorts;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who belongs to a household: one-time invitation links (single use, expire in a day, token only in the
 * link's fragment), the member list, and removal — which signs the removed account out of every browser and ends
 * its streams and live views at once.
 * Guests' schedules, per-device access and the signed roster come with issue 6 / issue 4.
 */
@RestController
class MembersController {
    static final Duration INVITATION_VALIDITY = Duration.ofHours(24);

    private final JdbcClient jdbc;
    private final Households households;
    private final AuditLog audit;
    private final MemberStreams streams;
    private final Notifier notifier;
    private final AccountSessions sessions;
    private final HubPorts ports;
    private final Clock clock;
    private final ApplicationEventPublisher events;
    private final AccountService accountService;
    private final RateLimiter limiter;

    MembersController(
            JdbcClient jdbc,
            Households households,
            AuditLog audit,
            MemberStreams streams,
            Notifier notifier,
            AccountSessions sessions,
            HubPorts ports,
            ApplicationEventPublisher events,
            AccountService accountService,
            RateLimiter limiter,
            Clock clock) {
        this.accountService = accountService;
        this.limiter = limiter;
        this.sessions = sessions;
        this.events = events;
        this.jdbc = jdbc;
        this.households = households;
        this.audit = audit;
        this.streams = streams;
        this.notifier = notifier;
        this.ports = ports;
        this.clock = clock;
    }

    private Role requireAdmin(SignedInAccount account, String householdId) {
        Role role = households.requireRole(account.id(), householdId);
        if (!role.isAdmin()) {
            throw new NotFound();
        }
        return role;
    }

    record MemberView(String accountId, String username, String role) {}

    @GetMapping("/api/households/{householdId}/members")
    List<MemberView> members(@AuthenticationPrincipal SignedInAccount account, @PathVariable String householdId) {
        households.requireRole(account.id(), householdId);
        return jdbc.sql("""
                        select a.id, a.username, m.role from memberships m join accounts a on a.id = m.account_id
                        where m.household_id = :household order by m.created_at""")
                .param("household", householdId)
                .query((rs, n) -> new MemberView(rs.getString(1), rs.getString(2), rs.getString(3)))
                .list();
    }

    record NewInvitation(String role) {}

    record InvitationView(String link, String expiresAt) {
        @Override
        public String toString() {
            return "InvitationView[link=[REDACTED]]";
        }
    }

    @PostMapping("/api/households/{householdId}/invitations")
    @ResponseStatus(HttpStatus.CREATED)
    InvitationView invite(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @RequestBody NewInvitation request) {
        requireAdmin(account, householdId);
        Role role;
        try {
            role = Role.fromDb(request.role() == null ? "" : request.role());
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("A role is admin, resident or guest");
        }
        if (role == Role.OWNER) {
            throw new InvalidInput("A household has one owner; invite an admin instead");
        }
        String token = RandomIds.newSecret();
        var now = clock.instant();
        jdbc.sql("""
                        insert into invitations (token_hash, household_id, role, created_by, created_at, expires_at)
                        values (:hash, :household, :role, :by, :now, :expires)""")
                .param("hash", hash(token))
                .param("household", householdId)
                .param("role", role.dbName())
                .param("by", account.id())
                .param("now", Timestamp.from(now))
                .param("expires", Timestamp.from(now.plus(INVITATION_VALIDITY)))
                .update();
        audit.record(
                householdId,
                "account:" + account.id(),
                "invitation-created",
                account.getUsername() + " created an invitation for a new " + role.dbName());
        // The other admins' safety check lists open invitations: it reads them again.
        notifier.toAdmins(householdId, new Notice.HouseholdChanged("invitations"));
        return new InvitationView(
                ports.browserUrl() + "#invite=" + token,
                now.plus(INVITATION_VALIDITY).toString());
    }

    record Acceptance(String token) {
        @Override
        public String toString() {
            return "Acceptance[token=[REDACTED]]";
        }
    }

    /** The signed-in account joins the household of a valid, unused invitation; the token is spent. */
    @PostMapping("/api/invitations/accept")
    @Transactional
    Map<String, String> accept(@AuthenticationPrincipal SignedInAccount account, @RequestBody Acceptance request) {
        return join(account.id(), account.getUsername(), request.token());
    }

    record InvitedSignUp(String token, String username, String password) {
        @Override
        public String toString() {
            return "InvitedSignUp[" + username + ", [REDACTED]]";
        }
    }

    /**
     * Someone without an account creates one with their invitation link, whether or not open sign-up is on: the
     * invitation is the permission. The account and its membership are made and the token spent in one transaction
     * (a refused invitation creates nothing); the new account has no household of its own. Its browser then signs
     * in and waits for an admin's approval like any other.
     */
    @PostMapping("/api/invitations/sign-up")
    @ResponseStatus(HttpStatus.CREATED)
    @Transactional
    Map<String, String> signUp(@RequestBody InvitedSignUp request, HttpServletRequest http) {
        TooManyRequests.check(limiter, RateLimit.ONE_TIME_SECRETS_PER_ADDRESS, http.getRemoteAddr());
        checkToken(request.token());
        if (!invitationOpen(request.token())) {
            throw new InvalidInput("This invitation is not valid: used, expired or unknown");
        }
        String accountId = accountService.createInvited(request.username(), request.password());
        return join(accountId, AccountService.normalizeUsername(request.username()), request.token());
    }

    private static void checkToken(String token) {
        if (token == null || token.length() > 64) {
            throw new InvalidInput("This invitation is not valid");
        }
    }

    private boolean invitationOpen(String token) {
        return jdbc.sql("""
                        select exists (select 1 from invitations
                        where token_hash = :hash and used_at is null and expires_at > :now)""")
                .param("hash", hash(token))
                .param("now", Timestamp.from(clock.instant()))
                .query(Boolean.class)
                .single();
    }

    /** Spends the invitation and makes the account a member (inside the caller's transaction). */
    private Map<String, String> join(String accountId, String username, String token) {
        checkToken(token);
        var now = Timestamp.from(clock.instant());
        var invitation = jdbc.sql("""
                        update invitations set used_by = :account, used_at = :now
                        where token_hash = :hash and used_at is null and expires_at > :now
                        returning household_id, role""")
                .param("account", accountId)
                .param("now", now)
                .param("hash", hash(token))
                .query((rs, n) -> new String[] {rs.getString(1), rs.getString(2)})
                .optional()
                .orElseThrow(() -> new InvalidInput("This invitation is not valid: used, expired or unknown"));
        String householdId = invitation[0];
        if (households.roleOf(accountId, householdId).isPresent()) {
            throw new InvalidInput("You are already a member of this household");
        }
        jdbc.sql("""
                        insert into memberships (household_id, account_id, role, created_at)
                        values (:household, :account, :role, :now)""")
                .param("household", householdId)
                .param("account", accountId)
                .param("role", invitation[1])
                .param("now", now)
                .update();
        audit.record(householdId, "account:" + accountId, "member-added", username + " joined as " + invitation[1]);
        // Every admin hears about a new member at once (their sessions are open on this household) — once the
        // membership is committed, so the member list their screens read on hearing it already holds them.
        Notice joined = Notice.SecurityAlert.about(
                Notice.Alert.MEMBER_JOINED, username + " joined the household as " + invitation[1], now.toInstant());
        AfterCommit.run(() -> notifier.toHousehold(householdId, joined));
        return Map.of("householdId", householdId, "role", invitation[1]);
    }

    /** Removes a member: they are signed out and their sockets close now; every household route refuses them. */
    @DeleteMapping("/api/households/{householdId}/members/{accountId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void remove(
            @AuthenticationPrincipal SignedInAccount account,
            @PathVariable String householdId,
            @PathVariable String accountId) {
        requireAdmin(account, householdId);
        Role target = households.roleOf(accountId, householdId).orElseThrow(NotFound::new);
        if (target == Role.OWNER) {
            throw new InvalidInput("The owner cannot be removed");
        }
        jdbc.sql("delete from memberships where household_id = :household and account_id = :account")
                .param("household", householdId)
                .param("account", accountId)
                .update();
        streams.removeFromHousehold(accountId, householdId);
        events.publishEvent(new MemberRemoved(accountId, householdId));
        // Every browser it signed in while a member is signed out: whatever it opened then closes now.
        sessions.endAll(accountId);
        audit.record(
                householdId,
                "account:" + account.id(),
                "member-removed",
                account.getUsername() + " removed a " + target.dbName());
        // Everyone still in the household sees the member list without them, without a reload.
        notifier.toHousehold(householdId, new Notice.HouseholdChanged("members"));
    }

    private static String hash(String token) {
        return HexFormat.of().formatHex(Hashes.sha256(token.getBytes(StandardCharsets.UTF_8)));
    }
}
