package dev.doorward.hub.account;

import dev.doorward.hub.audit.AuditLog;
import dev.doorward.hub.household.Households;
import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Limits password guessing per account and per address (429 with Retry-After), and records every sign-in
 * and failed attempt in the audit log.
 */
@Component
public class LoginThrottle extends OncePerRequestFilter {
    private final RateLimiter limiter;
    private final Accounts accounts;
    private final Households households;
    private final AuditLog audit;
    private final Problems problems;

    LoginThrottle(RateLimiter limiter, Accounts accounts, Households households, AuditLog audit, Problems problems) {
        this.limiter = limiter;
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
        for (var check : new Object[][] {
            {RateLimit.LOGIN_PER_ADDRESS, request.getRemoteAddr()}, {RateLimit.LOGIN_PER_ACCOUNT, username}
        }) {
            RateLimiter.Decision decision = limiter.tryAcquire((RateLimit) check[0], (String) check[1]);
            if (!decision.allowed()) {
                problems.writeTooMany(response, decision.retryAfterSeconds());
                return;
            }
        }
        chain.doFilter(request, response);
    }

    public void onSuccess(HttpServletRequest request, HttpServletResponse response, Authentication authentication) {
        SignedInAccount account = (SignedInAccount) authentication.getPrincipal();
        limiter.reset(RateLimit.LOGIN_PER_ACCOUNT, account.getUsername());
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
