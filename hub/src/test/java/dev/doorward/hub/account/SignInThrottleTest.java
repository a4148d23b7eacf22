package dev.doorward.hub.account;

import static org.assertj.core.api.Assertions.assertThat;

import dev.doorward.hub.testing.BrowserClient;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sign-in throttling on a running hub, with browsers on different loopback addresses standing in for different
 * machines: guessing slows the guesser, never the account's owner, and the step-up password check has an
 * allowance of its own. Every 429 says when to come back.
 */
class SignInThrottleTest {
    @TempDir
    static Path dir;

    static TestHub hub;

    @BeforeAll
    static void start() {
        hub = TestHub.start(dir, Map.of("doorward.open-signup", "true"));
    }

    @AfterAll
    static void stop() {
        if (hub != null) {
            hub.close();
        }
    }

    @Test
    void fiveWrongPasswordsFromOneAddressDoNotStopTheRightPasswordFromAnother() {
        Household.signUp(hub, "alice");
        BrowserClient guesser = hub.browserFrom("127.0.0.2");
        for (int i = 0; i < 5; i++) {
            assertThat(guesser.login("alice", "wrong password " + i).status()).isEqualTo(401);
        }
        BrowserClient.Response slowed = guesser.login("alice", "wrong password 5");
        assertThat(slowed.status()).isEqualTo(429);
        assertThat(Long.parseLong(slowed.header("Retry-After").orElseThrow())).isBetween(1L, 180L);
        // The guesser's address is slowed for this account, right password or not.
        assertThat(guesser.login("alice", Household.PASSWORD).status()).isEqualTo(429);

        // Alice on her own machine signs in at once, as often as she likes.
        for (int i = 0; i < 3; i++) {
            BrowserClient alice = hub.browserFrom("127.0.0.3");
            assertThat(alice.login("alice", Household.PASSWORD).status()).isEqualTo(204);
            assertThat(alice.get("/api/devices").status()).isEqualTo(200);
        }
    }

    @Test
    void theStepUpCheckHasItsOwnAllowance() {
        Household bob = Household.signUp(hub, "bob");
        // A guesser uses up the sign-in allowance from its address ...
        BrowserClient guesser = hub.browserFrom("127.0.0.4");
        for (int i = 0; i < 6; i++) {
            guesser.login("bob", "wrong password " + i);
        }
        assertThat(guesser.login("bob", "wrong password").status()).isEqualTo(429);
        // ... which leaves Bob's step-up check alone: wrong passwords there are told as such, five times,
        for (int i = 0; i < 5; i++) {
            assertThat(deleteAccount(bob.browser(), "not my password " + i).status())
                    .isEqualTo(400);
        }
        // then the step-up allowance is used up, and says when to come back.
        BrowserClient.Response slowed = deleteAccount(bob.browser(), "not my password");
        assertThat(slowed.status()).isEqualTo(429);
        assertThat(slowed.header("Retry-After")).isPresent();
        // The step-up guesses cost Bob nothing at sign-in.
        assertThat(hub.browserFrom("127.0.0.5").login("bob", Household.PASSWORD).status())
                .isEqualTo(204);
    }

    @Test
    void anApprovedBrowserSignsInWhileGuessersEverywhereHaveUsedUpTheAccountsCeiling() {
        Household carol = Household.signUp(hub, "carol");
        BrowserClient approved = carol.browser();
        approved.registerClient();
        assertThat(approved.signRoster(carol.householdId(), Map.of(approved.clientId(), "owner"))
                        .status())
                .isEqualTo(201);
        BrowserClient unapproved = Household.signUp(hub, "carol-other").browser();
        unapproved.registerClient();

        // Guessers on eleven addresses, five wrong passwords each: the account's ceiling (50) is used up.
        for (int address = 10; address <= 20; address++) {
            BrowserClient guesser = hub.browserFrom("127.0.0." + address);
            for (int i = 0; i < 5; i++) {
                guesser.login("carol", "wrong password " + i);
            }
        }
        // A sign-in without a proof, from an address that never guessed: slowed, told when to come back.
        BrowserClient.Response slowed = hub.browserFrom("127.0.0.30").login("carol", Household.PASSWORD);
        assertThat(slowed.status()).isEqualTo(429);
        assertThat(Long.parseLong(slowed.header("Retry-After").orElseThrow())).isBetween(1L, 36L);
        // A proof made with a key the account never approved (another account's browser) changes nothing.
        assertThat(unapproved
                        .from(hub, "127.0.0.31")
                        .loginWithProof("carol", Household.PASSWORD)
                        .status())
                .isEqualTo(429);
        // Carol's approved browser, wherever it is, signs in at once.
        assertThat(approved.from(hub, "127.0.0.32")
                        .loginWithProof("carol", Household.PASSWORD)
                        .status())
                .isEqualTo(204);
        assertThat(approved.from(hub, "127.0.0.33")
                        .loginWithProof("carol", Household.PASSWORD)
                        .status())
                .isEqualTo(204);
    }

    private static BrowserClient.Response deleteAccount(BrowserClient browser, String password) {
        return browser.sendRaw(HttpRequest.newBuilder(browser.base().resolve("/api/account"))
                .header("Content-Type", "application/json")
                .header("X-XSRF-TOKEN", browser.csrfToken().orElseThrow())
                .method("DELETE", HttpRequest.BodyPublishers.ofString("{\"password\":\"" + password + "\"}"))
                .build());
    }
}
