package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.InvalidInput;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The signed-in account, deleted by its own holder (see {@link AccountDeletion} for what goes). */
@RestController
class AccountController {
    private final Accounts accounts;
    private final AccountDeletion deletion;
    private final Households households;
    private final PasswordEncoder passwordEncoder;
    private final RateLimiter limiter;
    private final AuditLog audit;

    AccountController(
            Accounts accounts,
            AccountDeletion deletion,
            Households households,
            PasswordEncoder passwordEncoder,
            RateLimiter limiter,
            AuditLog audit) {
        this.accounts = accounts;
        this.deletion = deletion;
        this.households = households;
        this.passwordEncoder = passwordEncoder;
        this.limiter = limiter;
        this.audit = audit;
    }

    record DeleteRequest(String password) {
        @Override
        public String toString() {
            return "DeleteRequest[password=[REDACTED]]";
        }
    }

    /**
     * Deletes the signed-in account: the password again (step-up, with its own allowance), then every household
     * it owns with its doorbells, events, sealed media and keys; its memberships elsewhere; its browsers and
     * their key envelopes; every session it has. Answers with what was deleted.
     */
    @DeleteMapping("/api/account")
    Map<String, Object> delete(@AuthenticationPrincipal SignedInAccount account, @RequestBody DeleteRequest request) {
        TooManyRequests.check(limiter, RateLimit.STEP_UP_PER_ACCOUNT, account.id());
        String hash =
                accounts.byId(account.id()).map(Accounts.Account::passwordHash).orElseThrow(NotFound::new);
        if (request.password() == null
                || request.password().length() > AccountService.MAX_PASSWORD
                || !passwordEncoder.matches(request.password(), hash)) {
            for (Households.Membership m : households.membershipsOf(account.id())) {
                audit.record(
                        m.householdId(),
                        "account:" + account.id(),
                        "account-deletion-refused",
                        "Wrong password when " + account.getUsername() + " asked to delete their account");
            }
            throw new InvalidInput("Wrong password");
        }
        AccountDeletion.Deleted deleted = deletion.delete(account.id(), account.getUsername());
        SecurityContextHolder.clearContext();
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("households", deleted.households());
        counts.put("devices", deleted.devices());
        counts.put("events", deleted.events());
        counts.put("blobs", deleted.blobs());
        counts.put("browsers", deleted.browsers());
        return Map.of("deleted", counts);
    }
}
