package dev.doorward.hub.account;

import dev.doorward.hub.ratelimit.RateLimit;
import dev.doorward.hub.ratelimit.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.springframework.stereotype.Component;

/**
 * Slows the guesser, not the account. A password attempt takes one token from each allowance that applies:
 *
 * <ul>
 *   <li>{@link RateLimit#LOGIN_PER_ADDRESS_AND_ACCOUNT}: this address guessing this account;
 *   <li>{@link RateLimit#LOGIN_PER_ADDRESS}: this address guessing any account;
 *   <li>{@link RateLimit#LOGIN_PER_ACCOUNT}: the higher ceiling for the account from everywhere, skipped by a
 *       sign-in from one of the account's approved browsers.
 * </ul>
 *
 * A right password gives its tokens back, so only wrong ones count; a refused attempt takes nothing. The owner
 * signing in from their own address is therefore never held up by guesses from another one.
 */
@Component
public class SignInLimits {
    private final RateLimiter limiter;

    SignInLimits(RateLimiter limiter) {
        this.limiter = limiter;
    }

    /** One attempt about to check a password. */
    public record Attempt(String address, String username, boolean fromApprovedBrowser) {
        String pair() {
            return address + '|' + username;
        }

        @Override
        public String toString() {
            return "Attempt[" + username + ", approved=" + fromApprovedBrowser + "]";
        }
    }

    /** Takes the attempt's tokens; empty if it may go ahead, otherwise the seconds to wait (and nothing taken). */
    public OptionalLong before(Attempt attempt) {
        List<Allowance> taken = new ArrayList<>();
        for (Allowance allowance : allowances(attempt)) {
            RateLimiter.Decision decision = limiter.tryAcquire(allowance.limit(), allowance.subject());
            if (!decision.allowed()) {
                taken.forEach(t -> limiter.refund(t.limit(), t.subject()));
                return OptionalLong.of(decision.retryAfterSeconds());
            }
            taken.add(allowance);
        }
        return OptionalLong.empty();
    }

    /** The password was right: the attempt does not count. */
    public void succeeded(Attempt attempt) {
        allowances(attempt).forEach(a -> limiter.refund(a.limit(), a.subject()));
    }

    private record Allowance(RateLimit limit, String subject) {}

    private static List<Allowance> allowances(Attempt attempt) {
        List<Allowance> allowances = new ArrayList<>();
        allowances.add(new Allowance(RateLimit.LOGIN_PER_ADDRESS_AND_ACCOUNT, attempt.pair()));
        allowances.add(new Allowance(RateLimit.LOGIN_PER_ADDRESS, attempt.address()));
        if (!attempt.fromApprovedBrowser()) {
            allowances.add(new Allowance(RateLimit.LOGIN_PER_ACCOUNT, attempt.username()));
        }
        return allowances;
    }
}
