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
import dev.doorward.e2e.Chromium.Phone;
import dev.doorward.protocol.Roster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bridge mode end to end: an RTSP doorbell (GStreamer's RTSP server, 1280x720 H.264 High profile, basic
 * authentication) → the agent's ffmpeg camera, passing the H.264 through → sealed → a real hub → Chromium,
 * whose decoder is configured from the stream's own SPS and draws 1280x720 pictures.
 */
class RealCameraInBrowserTest {
    /** The device module's stand-in camera (one copy of it, in the device module's test resources). */
    private static final Path STAND_IN =
            Path.of("../device/src/test/resources/dev/doorward/device/hardware/camera/rtsp-camera.py");

    @RegisterExtension
    static final HubAndBrowser env = new HubAndBrowser(Map.of());

    @Test
    void anRtspDoorbells720pHighProfileIsDecodedInTheBrowserThroughTheHub() throws Exception {
        MintedDevice minted = env.hub().mintDevice("bridged");
        Path dir = minted.deviceDir().getParent();
        Path credentials = dir.resolve("camera.credentials");
        Files.writeString(credentials, "user=admin\npassword=door-bell-42\n");
        Files.setPosixFilePermissions(credentials, PosixFilePermissions.fromString("rw-------"));
        Process standIn = new ProcessBuilder("/usr/bin/python3", STAND_IN.toString(), "admin", "door-bell-42", "live")
                .redirectErrorStream(true)
                .start();
        try (Phone phone = env.chromium().phone("owner")) {
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(standIn.getInputStream(), StandardCharsets.UTF_8));
            String ready = out.readLine();
            assertThat(ready).as("the RTSP stand-in started").startsWith("ready ");
            URI url = URI.create("rtsp://127.0.0.1:" + ready.substring(6).strip() + "/door");

            // Claimed with the simulator's camera (the claim QR is held up to it), then powered up again as a
            // bridge: the ownership is on disk, the picture now comes from the RTSP doorbell.
            DeviceAgent first = env.hub().startDevice(minted);
            OwnerInBrowser.setUp(phone, env.hub());
            OwnerInBrowser.addDoorbell(phone, first, minted);
            assertThat(await(() -> first.roster().map(Roster::epoch).orElse(0L) >= 1))
                    .isTrue();
            first.close();

            CameraSettings settings = new CameraSettings(
                    new CameraSource.Rtsp(url, credentials), 1280, 720, 15, CameraSettings.COPY, "ffmpeg");
            try (FfmpegCamera camera = new FfmpegCamera(settings, Clock.systemUTC(), status -> {}).start()) {
                DeviceAgent bridge = env.hub().startDevice(minted, config -> config.withCamera(camera));
                assertThat(await(() -> camera.status().online()))
                        .as("camera online")
                        .isTrue();
                assertThat(camera.codec().orElseThrow()).startsWith("avc1.64"); // High profile

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
                List<Number> size = (List<Number>) phone.page()
                        .evaluate("() => { const c = document.querySelector('.live-canvas');"
                                + " return [c.width, c.height]; }");
                assertThat(size.get(0).intValue()).isEqualTo(1280);
                assertThat(size.get(1).intValue()).isEqualTo(720);
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
