package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.options.BoundingBox;
import com.microsoft.playwright.options.ColorScheme;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.testing.Household;
import dev.doorward.protocol.Roster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every screen of the app (issue 14), on a phone (390×844, touch) and a desktop (1280×800), with ONE hub and ONE
 * browser for all of it: the owner's phone claims a doorbell, the owner's desktop signs in and waits for approval.
 * Each screen: nothing wider than the window, touch targets of 44 px on the phone, and axe-core finds no serious
 * or critical violation. The ring alert fits with its buttons inside the window, keeps the focus and closes on
 * Escape; approvals, members, safety check and history change without a reload; the security log pages.
 *
 * <p>With {@code -De2e.screenshots=<dir>} ({@code ./doorward screenshots}) it also writes each screen's
 * picture there as {@code <screen>-phone.png} and {@code <screen>-desktop.png} (docs/screens).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScreensInBrowserTest {
    private static final List<String> SCREENS =
            List.of("home", "history", "household", "security", "settings", "account");
    private static final LocatorAssertions.IsVisibleOptions SLOW =
            new LocatorAssertions.IsVisibleOptions().setTimeout(20_000);
    private static final LocatorAssertions.HasCountOptions SLOW_COUNT =
            new LocatorAssertions.HasCountOptions().setTimeout(20_000);
    private static final String AXE = axeSource();

    /** Serious and critical violations only, each with the first few elements it found. */
    private static final String RUN_AXE = """
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return result.violations
                .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                .map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at '
                  + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | '));
            }
            """;

    /** Visible controls smaller than a finger (44 px) in either direction; checkboxes count by their label. */
    private static final String SMALL_TARGETS = """
            () => [...document.querySelectorAll('button, select, summary, #screens-nav a,'
                + ' input:not([type=checkbox]):not([type=radio]):not([type=hidden])')]
              .filter((e) => e.offsetParent !== null || e.closest('dialog[open]'))
              .map((e) => [e, e.getBoundingClientRect()])
              .filter(([, r]) => r.width > 0 && (r.height < 43.5 || r.width < 43.5))
              .map(([e, r]) => (e.id || e.className || e.tagName) + ' ' + Math.round(r.width) + 'x'
                + Math.round(r.height) + ' "' + (e.textContent || '').trim().slice(0, 30) + '"')
            """;

    private static final String OVERFLOW = """
            () => {
              const d = document.documentElement;
              if (d.scrollWidth <= d.clientWidth) return null;
              // Name the widest culprits, to say what to fix.
              const wide = [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > d.clientWidth + 0.5 && e.offsetParent !== null)
                .slice(-3).map((e) => e.tagName + '#' + e.id + '.' + e.className);
              return d.scrollWidth + ' > ' + d.clientWidth + ' ' + wide.join(' ');
            }
            """;

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of("doorward.open-signup", "true"));

    private static DeviceAgent doorbell;
    private static Phone phone;
    private static Phone desktop;

    @BeforeAll
    static void aHouseholdWithADoorbell() {
        MintedDevice minted = env.hub().mintDevice("front");
        doorbell = env.hub().startDevice(minted);
        phone = env.chromium().phone("owner, phone");
        OwnerInBrowser.setUp(phone, env.hub());
        OwnerInBrowser.addDoorbell(phone, doorbell, minted);
        assertThat(await(() -> doorbell.roster().map(Roster::epoch).orElse(0L) >= 1))
                .as("the doorbell holds a roster")
                .isTrue();
        desktop = env.chromium().desktop("owner, desktop");
    }

    @AfterAll
    static void close() {
        for (Phone p : new Phone[] {phone, desktop}) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Test
    @Order(1)
    void aNewBrowserWaitsAndTheOwnerApprovesItWithoutAReloadOnEitherSide() {
        desktop.page().navigate(env.hub().browserUrl().toString());
        TakeoverAttemptTest.signIn(desktop, "owner", Household.PASSWORD);
        assertThat(desktop.$("#browser-approval")).isVisible(SLOW);
        assertThat(desktop.$("#browser-approval")).containsText("waiting for approval");
        // Every browser is named from its user agent ("Chrome on Linux"), not "Browser".
        String code = desktop.$("#my-safety-code").textContent();

        // The phone, untouched since it claimed the doorbell, hears of it from the stream.
        Locator pending = phone.$("#approvals li");
        assertThat(pending).hasCount(1, SLOW_COUNT);
        assertThat(pending).containsText("on Linux");
        assertThat(pending.locator(".safety-code")).hasText(code);
        pending.locator(".approve-browser").click();
        pending.locator(".confirm-approval").click();
        assertThat(await(() -> doorbell.roster().map(r -> r.members().size()).orElse(0) == 2))
                .as("the doorbell holds the two-browser roster")
                .isTrue();
        // ... and the desktop learns it is approved from the stream as well.
        assertThat(desktop.$("#browser-approval")).isHidden(new LocatorAssertions.IsHiddenOptions().setTimeout(20_000));
        assertThat(phone.$("#approvals-card")).isHidden();
    }

    @Test
    @Order(2)
    void theRingAlertFitsBothScreensKeepsTheFocusAndClosesOnEscape() {
        String ringId = doorbell.pressButton().orElseThrow();
        for (Phone p : List.of(phone, desktop)) {
            Page page = p.page();
            assertThat(p.$("#ring-alert")).isVisible(SLOW);
            assertThat(p.$("#ring-snapshot")).isVisible(SLOW);
            int width = page.viewportSize().width;
            int height = page.viewportSize().height;
            for (String button : List.of("#ring-answer", "#ring-open-door", "#ring-dismiss")) {
                BoundingBox box = p.$(button).boundingBox();
                assertThat(box).as(p.who() + " " + button).isNotNull();
                assertThat(box.x).as(p.who() + " " + button + " left").isGreaterThanOrEqualTo(0);
                assertThat(box.y).as(p.who() + " " + button + " top").isGreaterThanOrEqualTo(0);
                assertThat(box.x + box.width)
                        .as(p.who() + " " + button + " right")
                        .isLessThanOrEqualTo(width);
                assertThat(box.y + box.height)
                        .as(p.who() + " " + button + " bottom")
                        .isLessThanOrEqualTo(height);
                assertThat(box.height).as(p.who() + " " + button + " height").isGreaterThanOrEqualTo(44);
            }
            assertThat(page.evaluate(OVERFLOW))
                    .as(p.who() + " ring alert overflow")
                    .isNull();
            assertThat(axe(p)).as(p.who() + " ring alert").isEmpty();
            screenshot(p, "ring");
            // Tab stays on the alert: what is behind it is inert.
            for (int i = 0; i < 6; i++) {
                page.keyboard().press("Tab");
                assertThat(page.evaluate(
                                "() => document.getElementById('ring-alert').contains(document.activeElement)"))
                        .as(p.who() + " focus after Tab " + i)
                        .isEqualTo(true);
            }
            page.keyboard().press("Escape");
            assertThat(p.$("#ring-alert")).isHidden();
            // The ring is in the history at once, under Today, without a reload.
            assertThat(p.$("#history li[data-event-id=\"" + ringId + "\"]")).hasCount(1, SLOW_COUNT);
            assertThat(p.$("#history li.timeline-day").first()).hasText("Today");
        }
    }

    @Test
    @Order(3)
    void everyScreenFitsAPhoneAndADesktopAndAxeFindsNothingSerious() {
        for (Phone p : List.of(phone, desktop)) {
            for (String screen : SCREENS) {
                Locator link = p.$("#screens-nav a[data-screen=" + screen + "]");
                assertThat(link).isVisible();
                link.click();
                assertThat(p.$("#screen-" + screen)).isVisible();
                assertThat(link).hasAttribute("aria-current", "page");
                assertThat(p.page().url()).endsWith("#" + screen);
                if (screen.equals("home")) {
                    // The tile shows the doorbell's latest picture, opened in this browser.
                    assertThat(p.$("#device-list img.tile-snapshot")).isVisible(SLOW);
                    assertThat(p.$("#device-list .device-status")).hasText("online");
                }
                if (screen.equals("history")) {
                    assertThat(p.$("#history li[data-snapshot=opened]").first()).isVisible(SLOW);
                }
                if (screen.equals("security")) {
                    assertThat(p.$("#audit li").first()).isVisible(SLOW);
                }
                p.page().waitForTimeout(300); // let images and late lists settle before measuring
                assertThat(p.page().evaluate(OVERFLOW))
                        .as(p.who() + " " + screen + " overflow")
                        .isNull();
                assertThat(axe(p)).as(p.who() + " " + screen).isEmpty();
                if (p == phone) {
                    assertThat(smallTargets(p))
                            .as(p.who() + " " + screen + " touch targets")
                            .isEmpty();
                }
                screenshot(p, screen);
            }
            // Back goes to the screen before.
            p.page().goBack();
            assertThat(p.$("#screen-settings")).isVisible();
        }

        // The narrowest phone the app is made for (320 px): still nothing wider than the window.
        phone.page().setViewportSize(320, 640);
        try {
            for (String screen : SCREENS) {
                phone.$("#screens-nav a[data-screen=" + screen + "]").click();
                assertThat(phone.$("#screen-" + screen)).isVisible();
                assertThat(phone.page().evaluate(OVERFLOW))
                        .as("320 px " + screen + " overflow")
                        .isNull();
            }
        } finally {
            phone.page().setViewportSize(Chromium.PHONE_WIDTH, Chromium.PHONE_HEIGHT);
        }

        // Dark mode (the system's choice): every screen still readable, axe-core's contrast rules included.
        phone.page().emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.DARK));
        try {
            for (String screen : SCREENS) {
                phone.$("#screens-nav a[data-screen=" + screen + "]").click();
                assertThat(phone.$("#screen-" + screen)).isVisible();
                assertThat(axe(phone)).as("dark " + screen).isEmpty();
            }
            phone.$("#screens-nav a[data-screen=home]").click();
            assertThat(phone.$("#device-list img.tile-snapshot")).isVisible();
            screenshot(phone, "home-dark");
        } finally {
            phone.page().emulateMedia(new Page.EmulateMediaOptions().setColorScheme(ColorScheme.LIGHT));
        }

        // The history's large viewer: opened from a thumbnail, arrow keys, Escape.
        for (Phone p : List.of(phone, desktop)) {
            p.$("#screens-nav a[data-screen=history]").click();
            p.$("#history li[data-snapshot=opened] .timeline-enlarge").first().click();
            Locator viewer = p.$("#history-viewer");
            assertThat(viewer).isVisible();
            assertThat(viewer.locator(".viewer-position")).containsText("1 of");
            p.page()
                    .waitForFunction(
                            "() => document.querySelector('#history-viewer .viewer-picture').naturalWidth > 0");
            assertThat(axe(p)).as(p.who() + " viewer").isEmpty();
            screenshot(p, "viewer");
            p.page().keyboard().press("ArrowRight");
            p.page().keyboard().press("ArrowLeft");
            assertThat(viewer.locator(".viewer-position")).containsText("1 of");
            p.page().keyboard().press("Escape");
            assertThat(viewer).isHidden();
        }

        // The live view: full screen on the phone, talk and door at the bottom, within thumb reach.
        phone.$("#screens-nav a[data-screen=home]").click();
        phone.$("#device-list .tile-open").first().click();
        Locator live = phone.$("dialog.live-dialog");
        assertThat(live).isVisible();
        assertThat(phone.$(".live-canvas")).isVisible(SLOW);
        BoundingBox dialog = live.boundingBox();
        assertThat(dialog.width).isEqualTo(Chromium.PHONE_WIDTH, org.assertj.core.data.Offset.offset(1.0));
        assertThat(dialog.height).isEqualTo(Chromium.PHONE_HEIGHT, org.assertj.core.data.Offset.offset(1.0));
        for (String control : List.of(".live-talk", ".live-door")) {
            BoundingBox box = phone.$(control).boundingBox();
            assertThat(box.y).as(control + " in the lower half").isGreaterThan(Chromium.PHONE_HEIGHT / 2.0);
            assertThat(box.y + box.height).as(control + " on screen").isLessThanOrEqualTo(Chromium.PHONE_HEIGHT);
        }
        assertThat(axe(phone)).as("live view").isEmpty();
        screenshot(phone, "live");
        phone.page().keyboard().press("Escape");
        assertThat(live).isHidden();

        // Human dates and browser names, as the screens show them.
        @SuppressWarnings("unchecked")
        List<String> said = (List<String>) phone.page().evaluate("""
                async () => {
                  const d = await import('/app/dates.js');
                  const b = await import('/app/browser-names.js');
                  const now = new Date(2026, 11, 3, 18, 0);
                  return [
                    d.humanTime(new Date(2026, 11, 3, 14, 23).toISOString(), now),
                    d.humanTime(new Date(2026, 11, 2, 9, 5).toISOString(), now).slice(0, 9),
                    d.humanDay(new Date(2026, 10, 30, 9, 5).toISOString(), now),
                    d.humanDay(new Date(2025, 6, 1, 9, 5).toISOString(), now).includes('2025') + '',
                    b.browserName('Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0'),
                    b.browserName('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15'
                      + ' (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'),
                    b.displayName({ label: 'Phone browser' }),
                    b.displayName({ label: 'Kitchen tablet' }),
                  ];
                }
                """);
        assertThat(said.get(0)).startsWith("Today ").containsPattern("(14|2):23");
        assertThat(said.get(1)).isEqualTo("Yesterday");
        assertThat(said.get(2)).isEqualTo("Monday");
        assertThat(said.get(3)).isEqualTo("true");
        assertThat(said.subList(4, 8))
                .containsExactly("Firefox on Android", "Safari on iPhone", "Phone browser", "Kitchen tablet");
    }

    @Test
    @Order(4)
    void membersInvitationsAndTheSafetyCheckChangeWithoutAReload() {
        phone.$("#screens-nav a[data-screen=household]").click();
        desktop.$("#screens-nav a[data-screen=security]").click();
        // The desktop invites: the phone's safety check lists the open invitation.
        String link = (String) desktop.page().evaluate(INVITE);
        String token = link.substring(link.indexOf("#invite=") + "#invite=".length());
        assertThat(desktop.$("#safety-invitations li .safety-revoke")).hasCount(1, SLOW_COUNT);
        phone.$("#screens-nav a[data-screen=security]").click();
        assertThat(phone.$("#safety-invitations li .safety-revoke")).hasCount(1, SLOW_COUNT);

        // Someone joins with it: both see the new member on Household, and their sessions in the safety check.
        Household partner = Household.signUp(env.hub(), "partner");
        assertThat(partner.browser()
                        .postJson("/api/invitations/accept", Map.of("token", token))
                        .status())
                .isEqualTo(200);
        phone.$("#screens-nav a[data-screen=household]").click();
        Locator partnerOnPhone = phone.$("#members li").filter(new Locator.FilterOptions().setHasText("partner"));
        assertThat(partnerOnPhone).hasCount(1, SLOW_COUNT);
        assertThat(desktop.$("#safety-members li").filter(new Locator.FilterOptions().setHasText("partner")))
                .hasCount(1, SLOW_COUNT);
        assertThat(desktop.$("#safety-invitations li .safety-revoke")).hasCount(0, SLOW_COUNT);

        // The phone removes them: the desktop's lists drop them too.
        partnerOnPhone.locator(".remove-member").click();
        assertThat(phone.$("#members li").filter(new Locator.FilterOptions().setHasText("partner")))
                .hasCount(0, SLOW_COUNT);
        assertThat(desktop.$("#safety-members li").filter(new Locator.FilterOptions().setHasText("partner")))
                .hasCount(0, SLOW_COUNT);
        assertThat(phone.cspViolations()).isEmpty();
        assertThat(desktop.cspViolations()).isEmpty();
    }

    @Test
    @Order(5)
    void theSecurityLogPagesFiltersAndGroupsRepeatedOpens() {
        // Sixty openings of the same snapshot: more than a page (50), and one line in the log.
        Object opened = desktop.page().evaluate("""
                async () => {
                  const hid = (await (await fetch('/api/session')).json()).households[0].id;
                  const events = await (await fetch('/api/events?householdId=' + hid + '&kind=ring&limit=5')).json();
                  const e = events.find((x) => (x.media || []).includes('snapshot'));
                  for (let i = 0; i < 60; i++) {
                    const r = await fetch('/api/devices/' + e.deviceId + '/events/' + e.id + '/snapshot');
                    if (!r.ok) return r.status;
                  }
                  return 'ok';
                }
                """);
        assertThat(opened).isEqualTo("ok");
        desktop.$("#screens-nav a[data-screen=home]").click();
        desktop.$("#screens-nav a[data-screen=security]").click();
        // The security log reads its newest page when something happens; this page was opened by script,
        // so choose the filter again to read it now.
        desktop.$("#audit-topic").selectOption("media");
        desktop.$("#audit-topic").selectOption("all");
        // The sixty (and the thumbnails opened before) are one line once the newest page is read.
        desktop.page()
                .waitForFunction(
                        "() => Number(document.querySelector('#audit li[data-grouped]')?.dataset.grouped) >= 50",
                        null,
                        new Page.WaitForFunctionOptions().setTimeout(20_000));
        Locator grouped = desktop.$("#audit li[data-grouped]").first();
        assertThat(grouped)
                .containsText("owner opened", new LocatorAssertions.ContainsTextOptions().setTimeout(20_000));
        assertThat(grouped).containsText("snapshots at Front door");
        assertThat(Integer.parseInt(grouped.getAttribute("data-grouped")))
                .as(String.join("\n", desktop.$("#audit li").allInnerTexts()))
                .isGreaterThanOrEqualTo(50);
        // The first page holds 50 entries: the household's creation is on a later one.
        assertThat(desktop.$("#audit li[data-action=household-created]")).hasCount(0);
        // The owner taps away the alerts of the last test (a partner joined, was removed): they sit over the list.
        Locator alerts = desktop.$("#alerts .alert");
        for (int i = 0; i < 10 && alerts.count() > 0; i++) {
            alerts.first().click();
        }
        Locator more = desktop.$("#audit-more");
        for (int i = 0; i < 20 && more.isVisible(); i++) {
            more.click();
            desktop.page().waitForTimeout(200);
        }
        assertThat(more).isHidden();
        assertThat(desktop.$("#audit li[data-action=household-created]")).hasCount(1);
        // Filtered: sign-ins and members only, no picture opened.
        desktop.$("#audit-topic").selectOption("access");
        assertThat(desktop.$("#audit li[data-action=signed-in]").first()).isVisible(SLOW);
        assertThat(desktop.$("#audit li[data-action=media-fetched]")).hasCount(0);
        assertThat(desktop.$("#audit-chain")).hasText("chain intact");
    }

    private static final String INVITE = """
            async () => {
              const hid = (await (await fetch('/api/session')).json()).households[0].id;
              const csrf = decodeURIComponent(document.cookie.split('; ')
                .find((c) => c.startsWith('__Host-XSRF-TOKEN=')).split('=')[1]);
              const r = await fetch('/api/households/' + hid + '/invitations', {
                method: 'POST', headers: { 'Content-Type': 'application/json', 'X-XSRF-TOKEN': csrf },
                body: JSON.stringify({ role: 'resident' }) });
              return (await r.json()).link;
            }
            """;

    @SuppressWarnings("unchecked")
    private static List<String> axe(Phone p) {
        if (!Boolean.TRUE.equals(p.page().evaluate("() => typeof axe !== 'undefined'"))) {
            // Through the DevTools protocol, as the browser's own script: the page's CSP stays as strict as ever.
            p.page().evaluate(AXE);
        }
        return (List<String>) p.page().evaluate(RUN_AXE);
    }

    @SuppressWarnings("unchecked")
    private static List<String> smallTargets(Phone p) {
        return (List<String>) p.page().evaluate(SMALL_TARGETS);
    }

    /** target/screenshots always; also the docs' folder when the screenshot script asks for it. */
    private static void screenshot(Phone p, String screen) {
        String name = screen + "-" + (p == phone ? "phone" : "desktop");
        // The pictures show the screen, not the security alerts this test's own steps raised a moment ago.
        p.page().evaluate("() => document.querySelectorAll('#alerts .alert').forEach((a) => a.remove())");
        Path file = p.screenshot("screens-" + name);
        // Not "doorward.…": the hub refuses settings it does not know, and system properties are settings.
        String docs = System.getProperty("e2e.screenshots");
        if (docs != null && !docs.isBlank()) {
            try {
                Path dir = Files.createDirectories(Paths.get(docs));
                Files.copy(file, dir.resolve(name + ".png"), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static String axeSource() {
        try (InputStream in = Objects.requireNonNull(
                ScreensInBrowserTest.class.getResourceAsStream("/META-INF/resources/webjars/axe-core/4.6.3/axe.min.js"),
                "axe-core webjar on the test class path")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return condition.getAsBoolean();
    }
}
