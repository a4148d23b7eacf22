package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.link.LinkState;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import dev.doorward.hub.testing.TestHub;
import java.time.Duration;

/** The steps every browser test's owner goes through first: the setup link, then adding a doorbell by QR code. */
final class OwnerInBrowser {
    private OwnerInBrowser() {}

    /** Creates the hub's first account ("owner") through its one-time setup link; signed in afterwards. */
    static void setUp(Phone phone, TestHub hub) {
        phone.page().navigate(hub.setupLink());
        Locator setup = phone.$("#setup-form");
        setup.locator("[name=username]").fill("owner");
        setup.locator("[name=password]").fill(Household.PASSWORD);
        setup.locator("button[type=submit]").click();
        keepRecoveryCode(phone);
        assertThat(phone.$("#device-list")).containsText("No doorbell yet");
    }

    /**
     * A new owner account is shown its recovery code once (docs/household.md "Lost your password"): the owner ticks
     * that it is written down and continues into the app. Returns the code.
     */
    static String keepRecoveryCode(Phone phone) {
        Locator code = phone.$("#recovery-code");
        assertThat(code).hasText(java.util.regex.Pattern.compile("[0-9A-Z]{4}(-[0-9A-Z]{4}){7}"));
        String shown = code.textContent();
        assertThat(phone.$("#recovery-code-continue")).isDisabled();
        phone.$("#recovery-code-kept").check();
        phone.$("#recovery-code-continue").click();
        return shown;
    }

    /** Adds a powered-on doorbell: setup code typed, QR code shown to its camera, claimed and connected. */
    static void addDoorbell(Phone phone, DeviceAgent doorbell, MintedDevice minted) {
        phone.$("#add-doorbell").click();
        phone.$("#claim-form [name=setupCode]").fill(minted.setupCode());
        phone.$("#claim-form button[type=submit]").click();
        Locator qr = phone.$("#claim-qr");
        phone.page()
                .waitForFunction("() => { const img = document.getElementById('claim-qr');"
                        + " return img.complete && img.naturalWidth > 0; }");
        doorbell.camera().show(Chromium.pictureOf(qr));
        assertThat(phone.$("#claim-status"))
                .hasAttribute("data-state", "claimed", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
        doorbell.camera().clearShown();
        assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                .isTrue();
        phone.$("#claim-done").click();
    }
}
