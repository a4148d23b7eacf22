package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.identity.DeviceLayout;
import dev.doorward.device.link.LinkState;
import dev.doorward.device.ownership.OwnershipState;
import dev.doorward.device.ownership.OwnershipStore;
import dev.doorward.e2e.Chromium.Phone;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The first vertical slice as a person goes through it on a phone: the one-time setup link, adding a
 * doorbell by showing the QR code on the phone screen to the doorbell camera, the ring taking over the
 * screen, the history, and signing in again from another browser.
 */
class FirstVerticalSliceTest {
    static final String PASSWORD = "correct horse battery staple";

    /** Marks when the ring overlay is shown (DOM change) and when the frame after the one showing it starts. */
    private static final String WATCH_RING = """
            () => {
              window.__ringShownAt = null;
              window.__ringPaintedAt = null;
              const overlay = document.getElementById('ring-alert');
              const observer = new MutationObserver(() => {
                if (overlay.hidden || window.__ringShownAt) return;
                window.__ringShownAt = performance.timeOrigin + performance.now();
                requestAnimationFrame(() => requestAnimationFrame(() => {
                  window.__ringPaintedAt = performance.timeOrigin + performance.now();
                }));
                observer.disconnect();
              });
              observer.observe(overlay, { attributes: true, attributeFilter: ['hidden'] });
            }
            """;

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void setUpAddADoorbellByQrCodeRingAndSignInAgain() {
        MintedDevice minted = env.hub().mintDevice("front");
        DeviceAgent doorbell = env.hub().startDevice(minted);
        assertThat(doorbell.ownershipState()).isEqualTo(OwnershipState.FACTORY_NEW);

        try (Phone phone = env.chromium().phone("owner")) {
            Page page = phone.page();

            // First run: the link the hub printed is the only way in.
            page.navigate(env.hub().setupLink());
            Locator setup = phone.$("#setup-form");
            assertThat(setup).isVisible();
            setup.locator("[name=username]").fill("owner");
            setup.locator("[name=password]").fill(PASSWORD);
            setup.locator("[name=householdName]").fill("Maple Street");
            setup.locator("button[type=submit]").click();
            // The owner's recovery code, shown once, then the app.
            OwnerInBrowser.keepRecoveryCode(phone);

            // Signed in straight away, with nothing yet, and the token is gone from the address bar.
            assertThat(phone.$("#device-list")).containsText("No doorbell yet");
            assertThat(phone.$("#household-name")).hasText("Maple Street");
            assertThat(phone.$("#sign-out")).isVisible();
            assertThat(page.url()).doesNotContain("setup");
            assertThat(phone.$("#device-list li[data-device-id]")).hasCount(0);

            // Add a doorbell: the setup code from the label inside the box ...
            phone.$("#add-doorbell").click();
            Locator claimForm = phone.$("#claim-form");
            claimForm.locator("[name=setupCode]").fill(minted.setupCode());
            claimForm.locator("button[type=submit]").click();

            // ... then the phone shows a QR code, and the doorbell's camera sees the phone screen.
            Locator qr = phone.$("#claim-qr");
            assertThat(qr).isVisible();
            assertThat(claimForm).isHidden();
            page.waitForFunction("() => { const img = document.getElementById('claim-qr');"
                    + " return img.complete && img.naturalWidth > 0; }");
            phone.screenshot("1-claim-qr");
            BufferedImage screen = Chromium.pictureOf(qr);
            doorbell.camera().show(screen);

            assertThat(phone.$("#claim-status"))
                    .hasAttribute(
                            "data-state", "claimed", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
            doorbell.camera().clearShown();
            assertThat(phone.$("#claim-status")).containsText("Doorbell added");
            assertThat(qr).isHidden();
            phone.screenshot("2-claimed");
            assertThat(doorbell.awaitOwnership(OwnershipState.OWNED, Duration.ofSeconds(10)))
                    .isTrue();
            String deviceId = doorbell.deviceId().orElseThrow();

            // The doorbell pinned this browser's own signing key, whose private half cannot leave the browser.
            String browserKey = (String) phone.page()
                    .evaluate("async () => { const k = await import('/app/keys.js');"
                            + " return (await k.publicKeys(await k.clientKeys())).fingerprint; }");
            assertThat(new OwnershipStore(new DeviceLayout(minted.deviceDir()).protectedDir())
                            .load()
                            .ownerKeyFingerprint())
                    .isEqualTo(browserKey);
            Object exported = phone.page()
                    .evaluate("async () => { const k = await (await import('/app/keys.js')).clientKeys();"
                            + " try { await crypto.subtle.exportKey('pkcs8', k.signing.privateKey); return 'exported'; }"
                            + " catch (e) { return e.name; } }");
            assertThat(exported).isEqualTo("InvalidAccessError");

            // Back home: the doorbell is listed, and online once it has connected with its new certificate.
            phone.$("#claim-done").click();
            Locator listed = phone.$("#device-list li[data-device-id]");
            assertThat(listed).hasCount(1);
            assertThat(listed).hasAttribute("data-device-id", deviceId);
            assertThat(listed).containsText("Front door");
            assertThat(doorbell.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                    .isTrue();
            assertThat(listed.locator(".device-status"))
                    .hasText("online", new LocatorAssertions.HasTextOptions().setTimeout(20_000));
            phone.screenshot("3-home-with-doorbell");

            // Someone presses the button: the ring takes over the screen within a few seconds.
            page.evaluate(WATCH_RING);
            Instant pressed = Instant.now();
            String eventId = doorbell.pressButton().orElseThrow();
            Locator ring = phone.$("#ring-alert");
            assertThat(ring).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(5_000));
            Instant seenByTest = Instant.now();
            assertThat(phone.$("#ring-title")).hasText("Someone is at the front door");
            assertThat(ring).hasAttribute("data-event-id", eventId);
            assertThat(phone.$("#ring-dismiss")).isFocused();
            page.waitForFunction("() => window.__ringPaintedAt !== null");
            double pressedAtMs = pressed.toEpochMilli() + (pressed.getNano() % 1_000_000) / 1e6;
            double shownMs = ((Number) page.evaluate("() => window.__ringShownAt")).doubleValue() - pressedAtMs;
            double paintedMs = ((Number) page.evaluate("() => window.__ringPaintedAt")).doubleValue() - pressedAtMs;
            System.out.printf(
                    "Press -> ring overlay: %.1f ms in the DOM, on screen by %.1f ms, %d ms as seen by Playwright%n",
                    shownMs, paintedMs, pressed.until(seenByTest, ChronoUnit.MILLIS));
            phone.screenshot("4-ring");

            phone.$("#ring-dismiss").click();
            assertThat(ring).isHidden();
            Locator rang = phone.$("#history li[data-kind=ring]");
            assertThat(rang).hasCount(1);
            assertThat(rang).hasAttribute("data-event-id", eventId);
            assertThat(rang).containsText("Doorbell rang · Front door");

            assertThat(phone.cspConsoleErrors()).isEmpty();
            assertThat(phone.cspViolations()).isEmpty();
            assertThat(phone.consoleErrors()).as("console errors").isEmpty();
        }

        // Another browser: the password signs in, a wrong one does not.
        try (Phone laptop = env.chromium().phone("owner, another browser")) {
            laptop.page().navigate(env.hub().browserUrl().toString());
            Locator login = laptop.$("#login-form");
            assertThat(login).isVisible();
            login.locator("[name=username]").fill("owner");
            login.locator("[name=password]").fill("not the password at all");
            login.locator("button[type=submit]").click();
            assertThat(login.locator(".error")).hasText("Wrong username or password");
            assertThat(laptop.$("#device-list")).hasCount(0);

            login.locator("[name=password]").fill(PASSWORD);
            login.locator("button[type=submit]").click();
            assertThat(laptop.$("#device-list li[data-device-id] .device-status"))
                    .hasText("online");
            assertThat(laptop.$("#history li[data-kind=ring]")).hasCount(1);
            assertThat(laptop.$("#household-name")).hasText("Maple Street");

            // Signing out ends the session on the hub, not just on the screen.
            laptop.$("#sign-out").click();
            assertThat(laptop.$("#login-form")).isVisible();
            assertThat(laptop.$("#sign-out")).isHidden();
            assertThat(laptop.page().evaluate("() => fetch('/api/devices').then((r) => r.status)"))
                    .isEqualTo(401);
            laptop.page().reload();
            assertThat(laptop.$("#login-form")).isVisible();

            assertThat(laptop.cspConsoleErrors()).isEmpty();
            assertThat(laptop.cspViolations()).isEmpty();
            // The only errors expected: Chromium logs each refused request (401) as a failed resource.
            assertThat(laptop.consoleErrors()).allSatisfy(e -> assertThat(e).contains("401"));
        }
    }
}
