package dev.doorward.hub.account;

import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.hub.web.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Paces passkey sign-in per address (429 with Retry-After). An assertion cannot be guessed, but each options
 * request keeps a challenge in a new session row: a stranger must not be able to fill the session table.
 */
@Component
public class PasskeyThrottle extends OncePerRequestFilter {
    private final RateLimiter limiter;
    private final Problems problems;

    PasskeyThrottle(RateLimiter limiter, Problems problems) {
        this.limiter = limiter;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        return !("POST".equals(request.getMethod())
                && ("/webauthn/authenticate/options".equals(path) || "/login/webauthn".equals(path)));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        RateLimiter.Decision decision =
                limiter.tryAcquire(RateLimit.PASSKEY_SIGN_IN_PER_ADDRESS, request.getRemoteAddr());
        if (!decision.allowed()) {
            problems.writeTooMany(response, decision.retryAfterSeconds());
            return;
        }
        chain.doFilter(request, response);
    }
}
