package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.Mosquitto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The owner's "Home automation and alerts" card in Chromium: connecting Home Assistant's broker (Debian's
 * Mosquitto, TLS and a password) shows "connected"; a topic URL that is not https is refused with the reason; the
 * chime at the door is silenced from the card.
 */
class HomeAutomationInBrowserTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void theOwnerConnectsHomeAssistantAndSilencesTheChime() throws Exception {
        Household owner = Household.firstOwner(env.hub());
        DeviceAgent doorbell = owner.claim(env.hub(), env.hub().mintDevice("front"));
        Path brokerDir = Files.createTempDirectory("doorward-e2e-broker");
        try (Mosquitto broker = Mosquitto.start(brokerDir, "doorward", "the broker password");
                Phone phone = env.chromium().phone("owner")) {
            phone.page().navigate(env.hub().browserUrl().toString());
            TakeoverAttemptTest.signIn(phone, "owner", Household.PASSWORD);
            phone.$("#screens-nav a[data-screen=settings]").click();
            assertThat(phone.$("#integrations-card")).isVisible();
            // The security alerts of setting up (tap to dismiss) would sit over the lower half of the screen.
            Locator alerts = phone.$("#alerts .alert");
            for (int i = 0; i < 10 && alerts.count() > 0; i++) {
                alerts.first().click();
            }

            // Home Assistant's broker.
            phone.$("#mqtt-host").fill("localhost");
            phone.$("#mqtt-port").fill(Integer.toString(broker.port()));
            phone.$("#mqtt-username").fill("doorward");
            phone.$("#mqtt-password").fill("the broker password");
            phone.$("#mqtt-ca").fill(broker.caPem());
            phone.$("#mqtt-section button.primary").click();
            assertThat(phone.$("#mqtt-status"))
                    .containsText("connected", new LocatorAssertions.ContainsTextOptions().setTimeout(20_000));
            assertThat(phone.$("#mqtt-password")).hasAttribute("placeholder", "set (leave empty to keep it)");

            // ntfy refuses anything but https, and says why.
            phone.$("#ntfy-url").fill("http://ntfy.example/topic");
            phone.$("#ntfy-section button.primary").click();
            assertThat(phone.$("#integrations-result")).containsText("Only https topic URLs are allowed");

            // The chime.
            String deviceId = doorbell.deviceId().orElseThrow();
            phone.$("#chime-minutes-" + deviceId).selectOption("60");
            phone.$("#chime-section li button").first().click();
            assertThat(phone.$("#integrations-result")).containsText("is silent for 1 hour");
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (doorbell.chime().silencedUntil().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            org.assertj.core.api.Assertions.assertThat(doorbell.chime().silencedUntil())
                    .isPresent();
        }
    }
}
