package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Selling the doorbell from the phone that added it: the release is signed in the browser with its own
 * WebCrypto key (the one the doorbell pinned), after the password is typed again; the doorbell checks the
 * signature, wipes itself and leaves the household's list.
 */
class ReleaseInBrowserTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void theOwnersBrowserReleasesTheDoorbell() {
        MintedDevice minted = env.hub().mintDevice("front");
        DeviceAgent doorbell = env.hub().startDevice(minted);
        try (Phone phone = env.chromium().phone("owner")) {
            OwnerInBrowser.setUp(phone, env.hub());
            OwnerInBrowser.addDoorbell(phone, doorbell, minted);

            assertThat(phone.$("#device-list li[data-device-id]")).hasCount(1);
            // Each doorbell's settings are on the Settings screen.
            phone.$("#screens-nav a[data-screen=settings]").click();
            Locator listed = phone.$("#doorbell-settings li[data-device-id]");
            assertThat(listed).hasCount(1);
            // Reset protection: the owner's signed choice reaches the doorbell and comes back confirmed.
            listed.locator(".cooling-off summary").click();
            listed.locator(".cooling-off [name=hours]").fill("24");
            listed.locator(".cooling-off button[type=submit]").click();
            assertThat(phone.$("#doorbell-settings li[data-device-id] .cooling-off summary"))
                    .hasText("Reset protection: 24 h", new LocatorAssertions.HasTextOptions().setTimeout(10_000));
            listed = phone.$("#doorbell-settings li[data-device-id]");

            // The move code for a hub with a new address is signed in the browser and accepted by the env.hub().
            listed.locator(".move summary").click();
            listed.locator(".move button").click();
            assertThat(listed.locator(".move-qr")).isVisible();
            assertThat(listed.locator(".move .error")).isEmpty();

            listed.locator(".release summary").click();
            Locator form = listed.locator(".release-form");
            form.locator("[name=password]").fill("wrong password here");
            form.locator("button[type=submit]").click();
            assertThat(form.locator(".error")).containsText("Wrong password");
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);

            form.locator("[name=password]").fill(Household.PASSWORD);
            form.locator("button[type=submit]").click();
            assertThat(doorbell.awaitOwnership(OwnershipState.FACTORY_NEW, Duration.ofSeconds(15)))
                    .isTrue();
            assertThat(phone.$("#device-list li[data-device-id]"))
                    .hasCount(0, new LocatorAssertions.HasCountOptions().setTimeout(10_000));
            assertThat(phone.$("#alerts")).containsText("is released");
            phone.screenshot("release-done");

            assertThat(phone.cspViolations()).isEmpty();
            assertThat(phone.consoleErrors()).allSatisfy(e -> assertThat(e).contains("400"));
        }
    }
}
