package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.ratelimit.RateLimiter;
import dev.doorward.protocol.testing.MutableClock;
import java.time.Duration;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The sign-in allowances over hours of simulated time (the hub's own rate limiter on a clock the test moves): a
 * guesser stays slowed however patient, while the owner signing in from elsewhere is never held up.
 */
class SignInLimitsTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final SignInLimits limits = new SignInLimits(new RateLimiter(clock));

    private static SignInLimits.Attempt guess(String address) {
        return new SignInLimits.Attempt(address, "owner", false);
    }

    @Test
    void aSlowSteadyGuesserStaysSlowedAndTheOwnerElsewhereIsNeverHeldUp() {
        int guesses = 0;
        int allowed = 0;
        for (int minute = 0; minute < 6 * 60; minute++) {
            guesses++;
            if (limits.before(guess("203.0.113.7")).isEmpty()) {
                allowed++; // and wrong
            }
            if (minute % 10 == 0) {
                SignInLimits.Attempt owner = guess("198.51.100.20");
                assertThat(limits.before(owner)).as("owner at minute " + minute).isEmpty();
                limits.succeeded(owner);
            }
            clock.advance(Duration.ofMinutes(1));
        }
        // One guess a minute for six hours: five at once, then one every three minutes at most.
        assertThat(allowed).isLessThanOrEqualTo(5 + 6 * 60 / 3 + 1);
        assertThat(guesses - allowed).isGreaterThan(guesses / 2);
    }

    @Test
    void aRefusalSaysHowLongToWaitAndCostsNothing() {
        for (int i = 0; i < 5; i++) {
            assertThat(limits.before(guess("203.0.113.7"))).isEmpty();
        }
        OptionalLong wait = limits.before(guess("203.0.113.7"));
        assertThat(wait).isPresent();
        assertThat(wait.getAsLong()).isBetween(1L, 180L);
        // Refused attempts took nothing from the address's allowance across accounts: 25 of 30 are left.
        for (int i = 0; i < 20; i++) {
            assertThat(limits.before(guess("203.0.113.7"))).isPresent();
        }
        for (int i = 0; i < 25; i++) {
            assertThat(limits.before(new SignInLimits.Attempt("203.0.113.7", "user" + i, false)))
                    .as("account " + i)
                    .isEmpty();
        }
        assertThat(limits.before(new SignInLimits.Attempt("203.0.113.7", "one-more", false)))
                .isPresent();
    }

    @Test
    void guessersOnManyAddressesAreSlowedByTheAccountsCeilingNotBlocked() {
        int allowed = 0;
        for (int address = 1; address <= 200; address++) {
            if (limits.before(guess("192.0.2." + address)).isEmpty()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(50);
        OptionalLong wait = limits.before(guess("192.0.2.250"));
        assertThat(wait).isPresent();
        // Slowed: the next try is seconds away, not a lock-out.
        assertThat(wait.getAsLong()).isLessThanOrEqualTo(36);
        clock.advance(Duration.ofSeconds(wait.getAsLong()));
        assertThat(limits.before(guess("192.0.2.251"))).isEmpty();
        // An approved browser of the account does not count against the ceiling.
        assertThat(limits.before(new SignInLimits.Attempt("198.51.100.20", "owner", true)))
                .isEmpty();
    }

    @Test
    void aRightPasswordDoesNotCount() {
        for (int i = 0; i < 100; i++) {
            SignInLimits.Attempt owner = guess("198.51.100.20");
            assertThat(limits.before(owner)).as("sign-in " + i).isEmpty();
            limits.succeeded(owner);
        }
    }
}
