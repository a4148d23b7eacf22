package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.options.Cookie;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A member signed in in a real browser stays signed in: the session cookie is persistent (it outlives the browser
 * window), and the hub keeps the session across a restart, so the page loads signed in afterwards.
 */
class SessionsInBrowserTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void aSignedInBrowserIsStillSignedInAfterTheHubRestarts() {
        Household.firstOwner(env.hub());
        try (Phone phone = env.chromium().phone("owner")) {
            phone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(phone, "owner", Household.PASSWORD);
            assertThat(phone.$("#device-list")).containsText("No doorbell yet");

            Cookie session = phone.context().cookies().stream()
                    .filter(c -> c.name.equals("__Host-doorward-session"))
                    .findFirst()
                    .orElseThrow();
            // Persistent (a session cookie says -1): about 90 days from now.
            assertThat(session.expires).isGreaterThan((double)
                    Instant.now().plus(Duration.ofDays(89)).getEpochSecond());

            env.hub().restart();

            phone.page().reload();
            assertThat(phone.$("#device-list")).containsText("No doorbell yet");
            assertThat(phone.$("#login-form")).isHidden();
        }
    }
}
