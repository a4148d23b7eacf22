package dev.doorward.hub.account;

import dev.doorward.hub.config.HubProperties;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.ratelimit.TooManyRequests;
import dev.doorward.hub.shared.NotFound;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.HubPorts;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** Who is signed in, first-run setup, and (where the operator allows it) open sign-up. */
@RestController
class SessionController {
    private final AccountService accountService;
    private final Households households;
    private final SetupLinks setupLinks;
    private final RateLimiter limiter;
    private final HubProperties properties;
    private final HubPorts ports;

    SessionController(
            AccountService accountService,
            Households households,
            SetupLinks setupLinks,
            RateLimiter limiter,
            HubProperties properties,
            HubPorts ports) {
        this.accountService = accountService;
        this.households = households;
        this.setupLinks = setupLinks;
        this.limiter = limiter;
        this.properties = properties;
        this.ports = ports;
    }

    record HouseholdView(String id, String name, String role, int retentionDays) {}

    record SessionView(
            boolean signedIn,
            String accountId,
            String username,
            List<HouseholdView> households,
            boolean setupPending,
            boolean openSignup,
            int livePort) {}

    @GetMapping("/api/session")
    SessionView session(@AuthenticationPrincipal SignedInAccount account, CsrfToken csrf) {
        // Touching the token makes sure the browser has its CSRF cookie before it first writes.
        csrf.getToken();
        if (account == null) {
            return new SessionView(
                    false, null, null, List.of(), setupLinks.setupPending(), properties.openSignup(), ports.livePort());
        }
        List<HouseholdView> memberships = households.membershipsOf(account.id()).stream()
                .map(m -> new HouseholdView(
                        m.householdId(), m.householdName(), m.role().dbName(), m.retentionDays()))
                .toList();
        return new SessionView(
                true,
                account.id(),
                account.getUsername(),
                memberships,
                false,
                properties.openSignup(),
                ports.livePort());
    }

    record NewAccount(String token, String username, String password, String householdName) {
        @Override
        public String toString() {
            return "NewAccount[" + username + ", [REDACTED]]";
        }
    }

    /** What a new owner is shown once: the code that lets them set a new password if they forget theirs. */
    record OwnerCreated(String recoveryCode) {
        @Override
        public String toString() {
            return "OwnerCreated[[REDACTED]]";
        }
    }

    @PostMapping("/api/setup")
    @ResponseStatus(HttpStatus.CREATED)
    OwnerCreated setup(@RequestBody NewAccount request, HttpServletRequest http) {
        TooManyRequests.check(limiter, RateLimit.SETUP_PER_ADDRESS, http.getRemoteAddr());
        return new OwnerCreated(accountService
                .createFirstOwner(request.token(), request.username(), request.password(), request.householdName())
                .recoveryCode());
    }

    @PostMapping("/api/accounts")
    @ResponseStatus(HttpStatus.CREATED)
    OwnerCreated signUp(@RequestBody NewAccount request, HttpServletRequest http) {
        if (!properties.openSignup()) {
            throw new NotFound();
        }
        TooManyRequests.check(limiter, RateLimit.SIGNUP_PER_ADDRESS, http.getRemoteAddr());
        return new OwnerCreated(accountService
                .createWithHousehold(request.username(), request.password(), request.householdName())
                .recoveryCode());
    }
}
