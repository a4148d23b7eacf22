package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.hub.live.LivePort;
import dev.doorward.hub.testing.Household;
import dev.doorward.protocol.Roster;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Answering the door in a real browser: the ring, "Answer", the doorbell's picture decoded on the canvas
 * (and moving: the synthetic camera's clock changes), push-to-talk with Chromium's fake microphone reaching
 * the doorbell's speaker file. A second browser of the owner sees no picture until the first one approves
 * it after both screens show the same safety code.
 */
class LiveInBrowserTest {
    private static final LocatorAssertions.IsVisibleOptions SLOW =
            new LocatorAssertions.IsVisibleOptions().setTimeout(20_000);

    /** Samples a 4x4 grid of the canvas as RGB values. */
    private static final String SAMPLE_CANVAS = """
            () => {
              const c = document.querySelector('.live-canvas');
              const ctx = c.getContext('2d');
              const out = [];
              for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) {
                const d = ctx.getImageData(Math.floor((x + 0.5) * c.width / 4), Math.floor((y + 0.5) * c.height / 4), 1, 1).data;
                out.push(d[0], d[1], d[2]);
              }
              return out.join(',');
            }
            """;

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void ringAnswerSeeTheDoorTalkAndApproveASecondBrowser() throws Exception {
        MintedDevice minted = env.hub().mintDevice("front");
        DeviceAgent doorbell = env.hub().startDevice(minted);
        try (Phone phone = env.chromium().phone("owner")) {
            OwnerInBrowser.setUp(phone, env.hub());
            OwnerInBrowser.addDoorbell(phone, doorbell, minted);
            // The claiming browser signed the roster the doorbell starts from.
            assertThat(await(() -> doorbell.roster().map(Roster::epoch).orElse(0L) >= 1))
                    .as("the doorbell holds a roster")
                    .isTrue();

            // Ring, Answer: the picture arrives and moves.
            String ringId = doorbell.pressButton().orElseThrow();
            assertThat(phone.$("#ring-alert")).isVisible(SLOW);
            // The ring shows who is there: the snapshot, sealed at the door and opened in this browser.
            assertThat(phone.$("#ring-snapshot")).isVisible(SLOW);
            assertThat(phone.page().evaluate("() => document.getElementById('ring-snapshot').naturalWidth"))
                    .isEqualTo(640);
            List<String> phoneSockets = new CopyOnWriteArrayList<>();
            phone.page().onWebSocket(socket -> phoneSockets.add(socket.url()));
            phone.$("#ring-answer").click();
            Locator canvas = phone.$(".live-canvas");
            assertThat(canvas).isVisible(SLOW);
            assertThat(phoneSockets)
                    .as("the picture came over the live port")
                    .contains("wss://localhost:" + env.hub().livePort() + "/api/live");
            String first = (String) phone.page().evaluate(SAMPLE_CANVAS);
            assertThat(first).isNotEqualTo(String.join(",", java.util.Collections.nCopies(48, "0")));
            phone.page().waitForTimeout(1_500);
            String later = (String) phone.page().evaluate(SAMPLE_CANVAS);
            assertThat(later).as("the picture changes over time").isNotEqualTo(first);
            assertThat(phone.$(".live-latency")).containsText("ms");
            assertThat(phone.$(".live-view")).hasAttribute("data-state", "live");
            phone.screenshot("live-1-answered");

            // Hold to talk with the fake microphone: the doorbell's speaker hears it.
            Locator talk = phone.$(".live-talk");
            assertThat(talk).isEnabled();
            talk.hover();
            phone.page().mouse().down();
            phone.page().waitForTimeout(2_000);
            phone.page().mouse().up();
            assertThat(await(() ->
                            doorbell.liveMedia().map(m -> m.talkFramesPlayed()).orElse(0L) >= 20))
                    .as("talk frames played at the door")
                    .isTrue();
            byte[] wav = Files.readAllBytes(doorbell.speakerFile());
            assertThat(wav.length).isGreaterThan(44 + 20 * 640);
            assertThat(peak(wav)).as("the fake microphone's tone, not silence").isGreaterThan(500);

            // Open the door from the live view: signed here, checked by the doorbell.
            phone.$(".live-door").click();
            assertThat(phone.$(".live-door-status")).hasText("The door is open.");
            assertThat(doorbell.door().releases()).isEqualTo(1);
            phone.$(".live-close").click();
            assertThat(phone.$(".live-view")).hasCount(0);

            // The history: the ring with its thumbnail and clip, both opened in this browser.
            // First the hub: both sealed objects stored (the clip is encoded after the snapshot).
            dev.doorward.hub.eventmedia.EventMediaStore stored =
                    env.hub().bean(dev.doorward.hub.eventmedia.EventMediaStore.class);
            String deviceId = doorbell.deviceId().orElseThrow();
            assertThat(await(() -> stored.find(deviceId, ringId, dev.doorward.protocol.LinkMessage.EventMediaKind.CLIP)
                            .isPresent()))
                    .as("clip stored on the hub")
                    .isTrue();
            phone.$("#screens-nav a[data-screen=history]").click();
            Locator rang = phone.$("#history li.timeline-item[data-kind=ring]");
            assertThat(rang).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(20_000));
            assertThat(rang)
                    .hasAttribute(
                            "data-snapshot", "opened", new LocatorAssertions.HasAttributeOptions().setTimeout(20_000));
            assertThat(
                            phone.page()
                                    .evaluate(
                                            "() => document.querySelector('#history li.timeline-item[data-kind=ring] img.timeline-thumb').naturalWidth"))
                    .isEqualTo(640);
            assertThat(rang.locator("button.timeline-play")).isVisible(SLOW);
            rang.locator("button.timeline-play").click();
            phone.page()
                    .waitForFunction(
                            "() => ['ended', 'refused'].includes(document.querySelector("
                                    + "'#history li.timeline-item[data-kind=ring] .timeline-player')?.dataset.state)",
                            null,
                            new com.microsoft.playwright.Page.WaitForFunctionOptions().setTimeout(20_000));
            assertThat(rang.locator(".timeline-player-state").textContent())
                    .as("clip playback")
                    .contains("frames");
            phone.screenshot("live-3-history");

            // Another browser of the owner: signed in, but no picture until approved.
            try (Phone laptop = env.chromium().phone("owner, laptop")) {
                laptop.page().navigate(env.hub().browserUrl().toString());
                laptop.$("#login-form [name=username]").fill("owner");
                laptop.$("#login-form [name=password]").fill(Household.PASSWORD);
                laptop.$("#login-form button[type=submit]").click();
                assertThat(laptop.$("#browser-approval")).isVisible(SLOW);
                String code = laptop.$("#my-safety-code").textContent();
                assertThat(code).matches("\\d{5} \\d{5} \\d{5}");
                laptop.$("#device-list li[data-device-id] .live-open").click();
                assertThat(laptop.$(".live-view")).hasAttribute("data-state", "not-in-roster");
                assertThat(laptop.$(".live-canvas")).isHidden();
                laptop.$(".live-close").click();

                // The first browser sees the same code (without a reload) and approves.
                phone.$("#screens-nav a[data-screen=home]").click();
                Locator pending = phone.$("#approvals li");
                assertThat(pending).hasCount(1, new LocatorAssertions.HasCountOptions().setTimeout(20_000));
                assertThat(pending.locator(".safety-code")).hasText(code);
                pending.locator(".approve-browser").click();
                pending.locator(".confirm-approval").click();
                assertThat(await(() ->
                                doorbell.roster().map(r -> r.members().size()).orElse(0) == 2))
                        .as("the doorbell holds the two-browser roster")
                        .isTrue();

                // This browser cannot reach the live port (here: it is closed): the picture comes over the
                // browser port instead.
                LivePort livePort = env.hub().bean(LivePort.class);
                livePort.stop();
                try {
                    List<String> laptopSockets = new CopyOnWriteArrayList<>();
                    laptop.page().onWebSocket(socket -> laptopSockets.add(socket.url()));
                    laptop.page().reload();
                    assertThat(laptop.$("#browser-approval"))
                            .isHidden(new LocatorAssertions.IsHiddenOptions().setTimeout(20_000));
                    laptop.$("#device-list li[data-device-id] .live-open").click();
                    assertThat(laptop.$(".live-canvas")).isVisible(SLOW);
                    assertThat(laptopSockets)
                            .as("tried the live port, then fell back to the browser port")
                            .contains(
                                    "wss://localhost:" + env.hub().livePort() + "/api/live",
                                    "wss://localhost:" + env.hub().browserPort() + "/api/live");
                    // So did the member stream, at once: the app is connected, not "Reconnecting…".
                    assertThat(laptopSockets)
                            .contains(
                                    "wss://localhost:" + env.hub().livePort() + "/api/stream",
                                    "wss://localhost:" + env.hub().browserPort() + "/api/stream");
                    assertThat(laptop.$("#connection-state")).isHidden();
                } finally {
                    livePort.start();
                }
                laptop.screenshot("live-2-approved-laptop");
                assertThat(laptop.cspViolations()).isEmpty();
            }
            // Someone holds the button at the door: the alert carries the picture of that moment.
            assertThat(doorbell.holdButton(Duration.ofSeconds(10))).isTrue();
            Locator alert = phone.$("#alerts .alert").filter(new Locator.FilterOptions().setHasText("pairing mode"));
            assertThat(alert.locator("img.alert-snapshot")).isVisible(SLOW);
            assertThat(phone.cspViolations()).isEmpty();
            // The phone's stream was on the live port while the test closed it: Chromium logs the refused
            // reconnect there (and the phone went on over the browser port, or it would not have the alert).
            String refusedStream =
                    "WebSocket connection to 'wss://localhost:" + env.hub().livePort() + "/api/stream'";
            assertThat(phone.consoleErrors().stream()
                            .filter(error -> !error.startsWith(refusedStream))
                            .toList())
                    .isEmpty();
        }
    }

    private static int peak(byte[] wav) {
        ByteBuffer samples = ByteBuffer.wrap(wav, 44, wav.length - 44).order(ByteOrder.LITTLE_ENDIAN);
        int peak = 0;
        while (samples.remaining() >= 2) {
            peak = Math.max(peak, Math.abs(samples.getShort()));
        }
        return peak;
    }

    private static boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }
}
