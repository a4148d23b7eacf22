package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.shared.SignedInAccount;
import dev.doorward.hub.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.OptionalLong;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Slows password guessing ({@link SignInLimits}: per address and account, per address, and a higher per-account
 * ceiling; 429 with Retry-After), and records every sign-in and failed attempt in the audit log.
 */
@Component
public class LoginThrottle extends OncePerRequestFilter {
    private static final String ATTEMPT = LoginThrottle.class.getName() + ".attempt";

    private final SignInLimits limits;
    private final ApprovedBrowsers approvedBrowsers;
    private final Accounts accounts;
    private final Households households;
    private final AuditLog audit;
    private final Problems problems;

    LoginThrottle(
            SignInLimits limits,
            ApprovedBrowsers approvedBrowsers,
            Accounts accounts,
            Households households,
            AuditLog audit,
            Problems problems) {
        this.limits = limits;
        this.approvedBrowsers = approvedBrowsers;
        this.accounts = accounts;
        this.households = households;
        this.audit = audit;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !("POST".equals(request.getMethod()) && "/api/login".equals(request.getRequestURI()));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String username = AccountService.normalizeUsername(request.getParameter("username"));
        // The web app sends a proof when this browser holds a key (approved or not: the hub decides).
        boolean approved = request.getParameter("browserKey") != null
                && approvedBrowsers.proves(
                        username,
                        request.getHeader("X-XSRF-TOKEN"),
                        request.getParameter("browserKey"),
                        request.getParameter("browserProof"));
        SignInLimits.Attempt attempt = new SignInLimits.Attempt(request.getRemoteAddr(), username, approved);
        OptionalLong wait = limits.before(attempt);
        if (wait.isPresent()) {
            problems.writeTooMany(response, wait.getAsLong());
            return;
        }
        request.setAttribute(ATTEMPT, attempt);
        chain.doFilter(request, response);
    }

    public void onSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication) {
        SignedInAccount account = (SignedInAccount) authentication.getPrincipal();
        if (request.getAttribute(ATTEMPT) instanceof SignInLimits.Attempt attempt) {
            limits.succeeded(attempt);
        }
        for (Households.Membership m : households.membershipsOf(account.id())) {
            audit.record(m.householdId(), "account:" + account.id(), "signed-in", account.getUsername() + " signed in");
        }
        response.setStatus(HttpServletResponse.SC_NO_CONTENT);
    }

    public void onFailure(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String username = AccountService.normalizeUsername(request.getParameter("username"));
        accounts.byUsername(username).ifPresent(a -> {
            for (Households.Membership m : households.membershipsOf(a.id())) {
                audit.record(
                        m.householdId(),
                        "address:" + request.getRemoteAddr(),
                        "sign-in-failed",
                        "Wrong password for " + a.username());
            }
        });
        problems.write(response, 401, "Wrong username or password");
    }
}
