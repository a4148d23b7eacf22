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

            doorbellSettings(phone, doorbell);
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

    /**
     * The doorbell's settings screen: motion zones drawn on its latest snapshot with the mouse and with a finger,
     * signed in this browser and applied by the doorbell (only the zones count); a rename and this doorbell's
     * retention; the member's channels for it.
     */
    private static void doorbellSettings(Phone phone, DeviceAgent doorbell) {
        // A ring first, so there is a snapshot to draw on.
        doorbell.pressButton().orElseThrow();
        assertThat(phone.$("#ring-alert")).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(20_000));
        // The snapshot comes just after the ring: once the alert shows it, the hub has stored it.
        assertThat(phone.$("#ring-snapshot")).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(20_000));
        phone.page().keyboard().press("Escape");
        assertThat(phone.$("#ring-alert")).isHidden();

        phone.$("#screens-nav a[data-screen=settings]").click();
        phone.$("#doorbell-settings li[data-device-id] .doorbell-settings-open").click();
        Locator dialog = phone.$("#doorbell-settings-dialog");
        assertThat(dialog).hasAttribute("data-ready", "true");
        Locator editor = dialog.locator("#settings-zone-editor");
        assertThat(editor)
                .hasAttribute(
                        "data-picture", "snapshot", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
        assertThat(dialog.locator(".zone-picture")).hasAttribute("src", java.util.regex.Pattern.compile("^blob:"));

        // Motion on; the lower half drawn with the mouse, the top left corner with a finger.
        dialog.locator("#settings-motion-on").check();
        editor.scrollIntoViewIfNeeded();
        var box = editor.boundingBox();
        double cellW = box.width / 16;
        double cellH = box.height / 12;
        var mouse = phone.page().mouse();
        mouse.move(box.x + 0.5 * cellW, box.y + 6.5 * cellH);
        mouse.down();
        mouse.move(box.x + 8 * cellW, box.y + 9 * cellH, new com.microsoft.playwright.Mouse.MoveOptions().setSteps(5));
        mouse.move(
                box.x + 15.5 * cellW,
                box.y + 11.5 * cellH,
                new com.microsoft.playwright.Mouse.MoveOptions().setSteps(5));
        mouse.up();
        assertThat(editor.locator(".zone-layer .zone")).hasCount(1);
        assertThat(editor.locator(".zone-layer .zone").first()).hasAttribute("data-zone", "0,6,16,6");
        touchDrag(phone, box.x + 0.5 * cellW, box.y + 0.5 * cellH, box.x + 2.5 * cellW, box.y + 1.5 * cellH);
        assertThat(editor.locator(".zone-layer .zone")).hasCount(2);
        assertThat(editor.locator(".zone-layer .zone").nth(1)).hasAttribute("data-zone", "0,0,3,2");
        assertThat(dialog.locator("#settings-zones-list li")).hasCount(2);
        // ... and a third by keyboard: the cursor starts top left; Enter at two corners.
        editor.focus();
        var keyboard = phone.page().keyboard();
        for (int i = 0; i < 13; i++) {
            keyboard.press("ArrowRight");
        }
        keyboard.press("Enter");
        keyboard.press("ArrowRight");
        keyboard.press("ArrowRight");
        keyboard.press("ArrowDown");
        keyboard.press("Enter");
        assertThat(editor.locator(".zone-layer .zone")).hasCount(3);
        assertThat(editor.locator(".zone-layer .zone").nth(2)).hasAttribute("data-zone", "13,0,3,2");
        phone.screenshot("settings-motion-zones");

        dialog.locator("#settings-motion-save").click();
        assertThat(dialog.locator("#settings-motion-status"))
                .hasAttribute("data-state", "applied", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
        assertThat(doorbell.motionSettings().enabled()).isTrue();
        assertThat(doorbell.motionSettings().watchedZones())
                .containsExactly(
                        new dev.doorward.device.motion.Region(0, 0.5, 1, 0.5),
                        new dev.doorward.device.motion.Region(0, 0, 3.0 / 16, 2.0 / 12),
                        new dev.doorward.device.motion.Region(13.0 / 16, 0, 3.0 / 16, 2.0 / 12));

        // Rename: the card shows the new name at once.
        dialog.locator("#settings-name").fill("Porch");
        dialog.locator("#settings-name-form button[type=submit]").click();
        assertThat(dialog.locator("#settings-name-status")).hasText("Renamed to Porch.");
        assertThat(phone.$("#device-list li[data-device-id]")).containsText("Porch");

        // This doorbell's history is kept 10 days instead of the household's 30.
        dialog.locator("#settings-retention-household").uncheck();
        dialog.locator("#settings-retention-days").fill("10");
        dialog.locator("#settings-retention-form button[type=submit]").click();
        assertThat(dialog.locator("#settings-retention-status")).hasText("Kept for 10 days.");

        // Every channel that rings this member for this doorbell, in one place.
        assertThat(dialog.locator("#settings-notifications li[data-channel]")).hasCount(4);
        assertThat(dialog.locator("#settings-notifications li[data-channel=ntfy]"))
                .containsText("not set up");
        // This doorbell's rings may be kept off this member's browsers (the hub's push fan-out honours it).
        Locator doorbellPush = dialog.locator("#settings-doorbell-push");
        assertThat(doorbellPush).isChecked();
        doorbellPush.uncheck();
        assertThat(doorbellPush).isEnabled();
        assertThat(phone.page()
                        .evaluate(
                                "async (id) => (await (await fetch('/api/push/doorbells/' + id)).json()).push",
                                doorbell.deviceId().orElseThrow()))
                .isEqualTo(false);
        dialog.locator("#settings-close").click();
        assertThat(phone.$("#doorbell-settings-dialog")).hasCount(0);
    }

    /** A one-finger drag (CDP touch events: Chromium turns them into touch pointer events). */
    private static void touchDrag(Phone phone, double fromX, double fromY, double toX, double toY) {
        com.microsoft.playwright.CDPSession cdp = phone.context().newCDPSession(phone.page());
        try {
            cdp.send("Input.dispatchTouchEvent", touch("touchStart", fromX, fromY));
            for (int i = 1; i <= 5; i++) {
                double x = fromX + (toX - fromX) * i / 5;
                double y = fromY + (toY - fromY) * i / 5;
                cdp.send("Input.dispatchTouchEvent", touch("touchMove", x, y));
            }
            com.google.gson.JsonObject end = new com.google.gson.JsonObject();
            end.addProperty("type", "touchEnd");
            end.add("touchPoints", new com.google.gson.JsonArray());
            cdp.send("Input.dispatchTouchEvent", end);
        } finally {
            cdp.detach();
        }
    }

    private static com.google.gson.JsonObject touch(String type, double x, double y) {
        com.google.gson.JsonObject point = new com.google.gson.JsonObject();
        point.addProperty("x", x);
        point.addProperty("y", y);
        com.google.gson.JsonArray points = new com.google.gson.JsonArray();
        points.add(point);
        com.google.gson.JsonObject params = new com.google.gson.JsonObject();
        params.addProperty("type", type);
        params.add("touchPoints", points);
        return params;
    }
}
