package dev.doorward.hub.account;

import dev.doorward.crypto.RandomIds;
import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.notify.Notice;
import dev.doorward.hub.notify.Notifier;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.Role;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import jakarta.servlet.http.HttpServletRequest;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Getting back into an account after a lost password.
 *
 * <ul>
 *   <li>A member: an owner or admin issues a single-use re-entry link ({@link #VALIDITY}); its token is random, only
 *       its hash is stored, and it travels in the link's fragment (never in a request URL, so never in a log); the
 *       web app takes it out of the address bar at once. Issuing it is audited and the member's other browsers are
 *       alerted.
 *   <li>The owner: the recovery code shown once when the account was made (only its hash is stored). Using it gives
 *       a new code, shown once again.
 * </ul>
 *
 * Either way the new password ends every session of the account; the browser then signs in afresh, and it is a new
 * browser: it needs an admin's approval (safety code) before it gets any key.
 */
@RestController
class RecoveryController {
    static final Duration VALIDITY = Duration.ofHours(24);

    private final JdbcClient jdbc;
    private final Accounts accounts;
    private final AccountService accountService;
    private final AccountSessions sessions;
    private final Households households;
    private final AuditLog audit;
    private final Notifier notifier;
    private final RateLimiter limiter;
    private final HubPorts ports;
    private final TransactionTemplate transaction;
    private final Clock clock;

    RecoveryController(
            JdbcClient jdbc,
            Accounts accounts,
            AccountService accountService,
            AccountSessions sessions,
            Households households,
            AuditLog audit,
            Notifier notifier,
            RateLimiter limiter,
            HubPorts ports,
            PlatformTransactionManager transactions,
            Clock clock) {
        this.jdbc = jdbc;
        this.accounts = accounts;
        this.accountService = accountService;
        this.sessions = sessions;
        this.households = households;
        this.audit = audit;
        this.notifier = notifier;
        this.limiter = limiter;
        this.ports = ports;
        this.transaction = new TransactionTemplate(transactions);
        this.clock = clock;
    }

    record RecoveryLinkView(String link, String expiresAt) {
        @Override
        public String toString() {
            return "RecoveryLinkView[link=[REDACTED]]";
        }
    }

    /**
     * A re-entry link for a member of the household. Only for an account that holds no more power anywhere than
     * the caller can vouch for: never the owner (they have their recovery code), never the caller, an admin only
     * by the owner, and never an account that owns or administers another household (the link resets the whole
     * account's password).
     */
    @PostMapping("/api/households/{householdId}/members/{accountId}/recovery-link")
    @ResponseStatus(HttpStatus.CREATED)
    RecoveryLinkView issue(
            @AuthenticationPrincipal SignedInAccount caller,
            @PathVariable String householdId,
            @PathVariable String accountId) {
        Role callerRole = households.roleOf(caller.id(), householdId).orElseThrow(NotFound::new);
        if (!callerRole.isAdmin()) {
            throw new NotFound();
        }
        Role target = households.roleOf(accountId, householdId).orElseThrow(NotFound::new);
        if (target == Role.OWNER) {
            throw new InvalidInput("The owner gets back in with their recovery code");
        }
        if (accountId.equals(caller.id())) {
            throw new InvalidInput("Change your own password from your account instead");
        }
        if (target == Role.ADMIN && callerRole != Role.OWNER) {
            throw new InvalidInput("Only the owner can issue a re-entry link for an admin");
        }
        boolean powerElsewhere = households.membershipsOf(accountId).stream()
                .anyMatch(m -> !m.householdId().equals(householdId) && m.role().isAdmin());
        if (powerElsewhere) {
            throw new InvalidInput("This member owns or administers another household: they recover there");
        }
        String username =
                accounts.byId(accountId).map(Accounts.Account::username).orElseThrow(NotFound::new);
        String token = RandomIds.newSecret();
        Instant now = clock.instant();
        transaction.executeWithoutResult(status -> {
            // One open link per member: a new one replaces any earlier one.
            jdbc.sql("delete from recovery_links where account_id = :account and used_at is null")
                    .param("account", accountId)
                    .update();
            jdbc.sql("""
                            insert into recovery_links
                                (token_hash, account_id, household_id, created_by, created_at, expires_at)
                            values (:hash, :account, :household, :by, :now, :expires)""")
                    .param("hash", RecoveryCodes.hashToken(token))
                    .param("account", accountId)
                    .param("household", householdId)
                    .param("by", caller.id())
                    .param("now", Timestamp.from(now))
                    .param("expires", Timestamp.from(now.plus(VALIDITY)))
                    .update();
            audit.record(
                    householdId,
                    "account:" + caller.id(),
                    "recovery-link-issued",
                    caller.getUsername() + " issued a re-entry link for " + username);
        });
        notifier.toAccount(
                accountId,
                Notice.SecurityAlert.about(
                        Notice.Alert.RECOVERY_LINK_ISSUED,
                        caller.getUsername() + " issued a link that sets a new password for your account. If you did"
                                + " not ask for it, tell them at once.",
                        now));
        return new RecoveryLinkView(
                ports.browserUrl() + "#recover=" + token, now.plus(VALIDITY).toString());
    }

    record LinkUse(String token, String password) {
        @Override
        public String toString() {
            return "LinkUse[[REDACTED]]";
        }
    }

    /**
     * The member sets a new password with their re-entry link: the link is spent, every session of the account
     * ends. Answers the username, for the browser to sign in with.
     */
    @PostMapping("/api/recovery")
    Map<String, String> useLink(@RequestBody LinkUse request, HttpServletRequest http) {
        TooManyRequests.check(limiter, RateLimit.ONE_TIME_SECRETS_PER_ADDRESS, http.getRemoteAddr());
        AccountService.checkNewPassword(request.password());
        if (request.token() == null || request.token().length() > 64) {
            throw new InvalidInput("This re-entry link is not valid: used, expired or unknown");
        }
        record Spent(String accountId, String householdId) {}
        Instant now = clock.instant();
        Spent spent = transaction.execute(status -> {
            Spent link = jdbc.sql("""
                            update recovery_links set used_at = :now
                            where token_hash = :hash and used_at is null and expires_at > :now
                            returning account_id, household_id""")
                    .param("hash", RecoveryCodes.hashToken(request.token()))
                    .param("now", Timestamp.from(now))
                    .query((rs, n) -> new Spent(rs.getString(1), rs.getString(2)))
                    .optional()
                    .orElseThrow(() -> new InvalidInput("This re-entry link is not valid: used, expired or unknown"));
            accountService.setPassword(link.accountId(), request.password());
            return link;
        });
        String username =
                accounts.byId(spent.accountId()).map(Accounts.Account::username).orElseThrow(NotFound::new);
        recovered(spent.accountId(), username, "with a re-entry link");
        return Map.of("username", username);
    }

    record CodeUse(String username, String recoveryCode, String password) {
        @Override
        public String toString() {
            return "CodeUse[" + username + ", [REDACTED]]";
        }
    }

    /** The owner sets a new password with their recovery code; it is spent and a new one shown (once). */
    @PostMapping("/api/recovery/owner")
    Map<String, String> useCode(@RequestBody CodeUse request, HttpServletRequest http) {
        TooManyRequests.check(limiter, RateLimit.ONE_TIME_SECRETS_PER_ADDRESS, http.getRemoteAddr());
        AccountService.checkNewPassword(request.password());
        if (request.recoveryCode() == null || request.recoveryCode().length() > 64) {
            throw new InvalidInput("Wrong username or recovery code");
        }
        String username = AccountService.normalizeUsername(request.username());
        record Reset(String accountId, String newCode) {}
        Reset reset = transaction.execute(status -> {
            Accounts.Account account = accounts.spendRecoveryCode(username, RecoveryCodes.hash(request.recoveryCode()))
                    .orElseThrow(() -> new InvalidInput("Wrong username or recovery code"));
            accountService.setPassword(account.id(), request.password());
            return new Reset(account.id(), accountService.newRecoveryCode(account.id()));
        });
        recovered(reset.accountId(), username, "with their recovery code");
        return Map.of("username", username, "recoveryCode", reset.newCode());
    }

    /** After the commit: every session ends, the households' logs say so, the member's browsers hear it. */
    private void recovered(String accountId, String username, String how) {
        int ended = sessions.endAll(accountId);
        for (Households.Membership m : households.membershipsOf(accountId)) {
            audit.record(
                    m.householdId(),
                    "account:" + accountId,
                    "password-recovered",
                    username + " set a new password " + how + "; " + ended + " session(s) ended");
        }
        notifier.toAccount(
                accountId,
                Notice.SecurityAlert.about(
                        Notice.Alert.PASSWORD_CHANGED,
                        "Your password was reset " + how + ". Every browser was signed out.",
                        clock.instant()));
    }
}
