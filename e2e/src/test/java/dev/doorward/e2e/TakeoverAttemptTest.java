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
 * The EKEN takeover, replayed through the browser: someone with the doorbell in hand (and so its setup code)
 * signs up on the same hub, puts the doorbell in pairing mode and shows it their own claim QR code. The
 * doorbell stays its owner's, the attacker is told it already has an owner, and the owner is alerted live.
 */
class TakeoverAttemptTest {
    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of("doorward.open-signup", "true"));

    @Test
    void anotherAccountsQrCodeIsRefusedAndTheOwnerIsAlerted() {
        // The owner's side is done through the API: account, household and a claimed, online doorbell.
        Household owner = Household.firstOwner(env.hub());
        MintedDevice minted = env.hub().mintDevice("front");
        DeviceAgent doorbell = owner.claim(env.hub(), minted);
        String deviceId = doorbell.deviceId().orElseThrow();

        try (Phone ownerPhone = env.chromium().phone("owner");
                Phone attackerPhone = env.chromium().phone("attacker")) {
            // The owner has the app open.
            ownerPhone.page().navigate(env.hub().browserUrl().toString());
            signIn(ownerPhone, owner.username(), Household.PASSWORD);
            Locator ownersDoorbell = ownerPhone.$("#device-list li[data-device-id]");
            assertThat(ownersDoorbell).hasAttribute("data-device-id", deviceId);
            assertThat(ownersDoorbell.locator(".device-status")).hasText("online");

            // The attacker signs up on the same hub through the page ...
            attackerPhone.page().navigate(env.hub().browserUrl() + "#signup");
            Locator signup = attackerPhone.$("#signup-form");
            assertThat(signup).isVisible();
            signup.locator("[name=username]").fill("mallory");
            signup.locator("[name=password]").fill("mallory's long password");
            signup.locator("[name=householdName]").fill("Mallory's place");
            signup.locator("button[type=submit]").click();
            OwnerInBrowser.keepRecoveryCode(attackerPhone);
            assertThat(attackerPhone.$("#device-list")).containsText("No doorbell yet");

            // ... and adds "a doorbell" with the real setup code, read off the label.
            attackerPhone.$("#add-doorbell").click();
            Locator claimForm = attackerPhone.$("#claim-form");
            claimForm.locator("[name=setupCode]").fill(minted.setupCode());
            claimForm.locator("[name=name]").fill("My new doorbell");
            claimForm.locator("button[type=submit]").click();
            Locator qr = attackerPhone.$("#claim-qr");
            assertThat(qr).isVisible();
            attackerPhone
                    .page()
                    .waitForFunction("() => { const img = document.getElementById('claim-qr');"
                            + " return img.complete && img.naturalWidth > 0; }");

            // At the door: hold the button until pairing mode, then hold the phone up to the camera.
            assertThat(doorbell.holdButton(Duration.ofSeconds(10))).isTrue();
            doorbell.camera().show(Chromium.pictureOf(qr));

            Locator status = attackerPhone.$("#claim-status");
            assertThat(status)
                    .hasAttribute(
                            "data-state", "refused", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
            doorbell.camera().clearShown();
            assertThat(status).containsText("already has an owner");
            assertThat(qr).isHidden();
            attackerPhone.screenshot("takeover-1-attacker-refused");

            // The owner is told, live, while it happens.
            Locator alerts = ownerPhone.$("#alerts .alert");
            assertThat(alerts.filter(new Locator.FilterOptions().setHasText("tried to claim")))
                    .hasCount(1);
            assertThat(alerts.filter(new Locator.FilterOptions().setHasText("pairing mode")))
                    .not()
                    .hasCount(0);

            assertThat(ownerPhone.$("#history li[data-kind=pairing-mode]"))
                    .not()
                    .hasCount(0);
            assertThat(ownerPhone.$("#history li[data-kind=claim-refused]"))
                    .not()
                    .hasCount(0);
            // The security log (Security screen) shows the refused claim, with an intact hash chain.
            ownerPhone.page().evaluate("location.hash = '#security'");
            assertThat(ownerPhone.$("#security-log")).isVisible();
            assertThat(ownerPhone.$("#audit li[data-action=claim-refused]"))
                    .not()
                    .hasCount(0);
            assertThat(ownerPhone.$("#audit-chain")).hasText("chain intact");
            ownerPhone.screenshot("takeover-2-owner-alerted");
            // ... and only the owner: nothing about the owner's doorbell reaches the attacker's session.
            assertThat(attackerPhone.$("#alerts .alert")).hasCount(0);

            // The doorbell is still the owner's, online, and listed for the owner only.
            assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.OWNED);
            assertThat(doorbell.deviceId()).contains(deviceId);
            assertThat(ownersDoorbell).hasCount(1);
            assertThat(ownersDoorbell.locator(".device-status")).hasText("online");
            attackerPhone.$("#claim-done").click();
            assertThat(attackerPhone.$("#device-list")).containsText("No doorbell yet");
            attackerPhone.page().reload();
            assertThat(attackerPhone.$("#device-list")).containsText("No doorbell yet");
            assertThat(attackerPhone.$("#device-list li[data-device-id]")).hasCount(0);

            for (Phone phone : new Phone[] {ownerPhone, attackerPhone}) {
                assertThat(phone.cspConsoleErrors()).as(phone.who()).isEmpty();
                assertThat(phone.cspViolations()).as(phone.who()).isEmpty();
                assertThat(phone.consoleErrors()).as(phone.who()).isEmpty();
            }
        }
    }

    static void signIn(Phone phone, String username, String password) {
        Locator login = phone.$("#login-form");
        assertThat(login).isVisible();
        login.locator("[name=username]").fill(username);
        login.locator("[name=password]").fill(password);
        login.locator("button[type=submit]").click();
        assertThat(phone.$("#device-list")).isVisible();
    }
}
