package dev.doorward.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.doorward.device.DeviceAgent;
import dev.doorward.device.factory.MintedDevice;
import dev.doorward.device.hardware.camera.CameraSettings;
import dev.doorward.device.hardware.camera.CameraSource;
import dev.doorward.device.hardware.camera.FfmpegCamera;
import dev.doorward.device.link.LinkState;
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.protocol.Roster;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bridge mode end to end: an RTSP doorbell (GStreamer's RTSP server, 1280x720 H.264 High profile, basic
 * authentication) → the agent's ffmpeg camera. The doorbell is claimed by holding the claim QR code up to that
 * camera (read from the decoded side stream); then its H.264, passed through, sealed, relayed by a real hub, is
 * decoded by Chromium (configured from the stream's own SPS) and drawn at 1280x720.
 */
class RealCameraInBrowserTest {
    /** The device module's stand-in camera (one copy of it, in the device module's test resources). */
    private static final Path STAND_IN =
            Path.of("../device/src/test/resources/dev/doorward/device/hardware/camera/rtsp-camera.py");

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void anRtspDoorbellIsClaimedThroughItsCameraAndIts720pHighProfileIsDecodedInTheBrowser() throws Exception {
        MintedDevice minted = env.hub().mintDevice("bridged");
        Path dir = minted.deviceDir().getParent();
        Path credentials = dir.resolve("camera.credentials");
        Files.writeString(credentials, "user=admin\npassword=door-bell-42\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        // What the doorbell's camera sees: a PNG the stand-in reads again for every frame.
        Path seen = dir.resolve("seen.png");
        show(seen, null, Color.WHITE);
        Process standIn = new ProcessBuilder(
                        "/usr/bin/python3", STAND_IN.toString(), "admin", "door-bell-42", "image", seen.toString())
                .redirectErrorStream(true)
                .start();
        try (Phone phone = env.chromium().phone("owner")) {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(standIn.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("the RTSP stand-in started").startsWith("ready ");
            URI url = URI.create("rtsp://127.0.0.1:" + ready.substring(6).strip() + "/door");
            CameraSettings settings = new CameraSettings(
                    new CameraSource.Rtsp(url, credentials), 1280, 720, 15, CameraSettings.COPY, "ffmpeg");
            try (FfmpegCamera camera = new FfmpegCamera(settings, Clock.systemUTC(), status -> {}).start()) {
                DeviceAgent bridge = env.hub().startDevice(minted, config -> config.withCamera(camera));
                assertThat(await(() -> camera.status().online()))
                        .as("camera online")
                        .isTrue();
                assertThat(camera.codec().orElseThrow()).startsWith("avc1.64"); // High profile

                // The first claim as docs/hardware.md tells it: the phone's QR code held up to the camera.
                OwnerInBrowser.setUp(phone, env.hub());
                phone.$("#add-doorbell").click();
                phone.$("#claim-form [name=setupCode]").fill(minted.setupCode());
                phone.$("#claim-form button[type=submit]").click();
                phone.page()
                        .waitForFunction("() => { const img = document.getElementById('claim-qr');"
                                + " return img.complete && img.naturalWidth > 0; }");
                show(seen, Chromium.pictureOf(phone.$("#claim-qr")), Color.WHITE);
                assertThat(phone.$("#claim-status"))
                        .hasAttribute(
                                "data-state",
                                "claimed",
                                new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
                assertThat(bridge.awaitLinkState(LinkState.CONNECTED, Duration.ofSeconds(20)))
                        .isTrue();
                phone.$("#claim-done").click();
                assertThat(await(() -> bridge.roster().map(Roster::epoch).orElse(0L) >= 1))
                        .isTrue();
                show(seen, null, new Color(30, 120, 200)); // the porch again

                phone.page().reload();
                phone.$("#device-list li[data-device-id] .live-open").click();
                Locator canvas = phone.$(".live-canvas");
                assertThat(canvas).isVisible(new LocatorAssertions.IsVisibleOptions().setTimeout(20_000));
                phone.page()
                        .waitForFunction(
                                "() => document.querySelector('.live-canvas').width === 1280",
                                null,
                                new com.microsoft.playwright.Page.WaitForFunctionOptions().setTimeout(20_000));
                @SuppressWarnings("unchecked")
                List<Number> picture = (List<Number>) phone.page()
                        .evaluate("() => { const c = document.querySelector('.live-canvas');"
                                + " return [c.width, c.height,"
                                + " ...c.getContext('2d').getImageData(640, 360, 1, 1).data.slice(0, 3)]; }");
                assertThat(picture.get(0).intValue()).isEqualTo(1280);
                assertThat(picture.get(1).intValue()).isEqualTo(720);
                // The blue porch, decoded from the camera's own H.264 (within what compression changes).
                assertThat(picture.get(2).intValue()).isBetween(10, 60);
                assertThat(picture.get(3).intValue()).isBetween(95, 145);
                assertThat(picture.get(4).intValue()).isBetween(175, 225);
                assertThat(phone.$(".live-view")).hasAttribute("data-state", "live");
                assertThat(bridge.liveMedia().orElseThrow().streamStats().videoFrames())
                        .isGreaterThan(0);
                phone.screenshot("bridge-720p-live");
                phone.$(".live-close").click();
            }
        } finally {
            standIn.destroy();
            standIn.waitFor(3, TimeUnit.SECONDS);
        }
    }

    /** Puts {@code picture} (or nothing) in the middle of a 1280x720 {@code background}, replacing the file at once. */
    private static void show(Path file, BufferedImage picture, Color background) throws Exception {
        BufferedImage frame = new BufferedImage(1280, 720, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = frame.createGraphics();
        try {
            g.setColor(background);
            g.fillRect(0, 0, 1280, 720);
            if (picture != null) {
                int size = 560;
                g.setRenderingHint(
                        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
                g.drawImage(picture, (1280 - size) / 2, (720 - size) / 2, size, size, null);
            }
        } finally {
            g.dispose();
        }
        Path next = file.resolveSibling(file.getFileName() + ".next");
        ImageIO.write(frame, "png", next.toFile());
        Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
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
