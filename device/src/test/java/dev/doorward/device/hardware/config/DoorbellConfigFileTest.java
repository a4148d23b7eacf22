package dev.doorward.device.hardware.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.device.hardware.camera.CameraSettings;
import dev.doorward.device.hardware.camera.CameraSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DoorbellConfigFileTest {

    @Test
    void aPiWithItsCameraButtonRelayTamperAndChime() {
        DoorbellConfig config = DoorbellConfigFile.parse("doorbell.conf", """
                # front door
                device.dir = /var/lib/doorward/device
                camera.source = v4l2
                camera.device = /dev/video0
                camera.format = h264
                gpio.chip = /dev/gpiochip0
                gpio.button = 17
                gpio.relay = 27
                gpio.relay.active-low = true
                gpio.tamper = 22
                gpio.chime = 23
                relay.pulse-ms = 3000
                audio.microphone = "USB Audio"
                audio.speaker = USB Audio
                """);
        assertThat(config.deviceDir()).isEqualTo(Path.of("/var/lib/doorward/device"));
        CameraSettings camera = config.camera();
        assertThat(camera.source()).isEqualTo(new CameraSource.V4l2(Path.of("/dev/video0"), "h264"));
        assertThat(camera.passthrough())
                .as("an H.264 camera is passed through by default")
                .isTrue();
        assertThat(camera.width()).isEqualTo(1280);
        assertThat(camera.height()).isEqualTo(720);
        assertThat(camera.fps()).isEqualTo(15);
        DoorbellConfig.GpioConfig gpio = config.gpio().orElseThrow();
        assertThat(gpio.button()).contains(new DoorbellConfig.Line(17, true));
        assertThat(gpio.relay()).contains(new DoorbellConfig.Line(27, true));
        assertThat(gpio.tamper()).contains(new DoorbellConfig.Line(22, false));
        assertThat(gpio.chime()).contains(new DoorbellConfig.Line(23, false));
        assertThat(gpio.debounce()).isEqualTo(Duration.ofMillis(30));
        assertThat(gpio.relayPulse()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.microphone()).contains("USB Audio");
        assertThat(config.speaker()).contains("USB Audio");
    }

    @Test
    void thePackagedExampleIsValid() {
        DoorbellConfig config = DoorbellConfigFile.read(Path.of("packaging/doorbell.conf.example"));
        assertThat(config.gpio().orElseThrow().relay()).contains(new DoorbellConfig.Line(27, false));
        assertThat(config.camera().encoder()).isEqualTo("libx264");
    }

    @Test
    void aBridgeNextToAnRtspDoorbell() {
        DoorbellConfig config = DoorbellConfigFile.parse("doorbell.conf", """
                device.dir=/var/lib/doorward/device
                camera.source=rtsp
                camera.url=rtsp://192.168.1.20:554/h264Preview_01_main
                camera.credentials=/etc/doorward/camera.credentials
                gpio.chip=/dev/gpiochip0
                gpio.button=5
                """);
        assertThat(config.camera().source())
                .isEqualTo(new CameraSource.Rtsp(
                        URI.create("rtsp://192.168.1.20:554/h264Preview_01_main"),
                        Path.of("/etc/doorward/camera.credentials")));
        assertThat(config.camera().passthrough()).isTrue();
        assertThat(config.gpio().orElseThrow().relay()).isEmpty();
    }

    @Test
    void everyMistakeIsNamedWithItsLineAndWhatIsExpected() {
        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir = relative/dir
                        camera.source = rtsp
                        camera.url = rtsp://admin:hunter2@192.168.1.20/stream
                        camera.fps = 90
                        camera.sorce = v4l2
                        gpio.chip = /dev/gpiochip0
                        gpio.button = 17
                        gpio.relay = 17
                        gpio.relay.active-low = yes
                        relay.pulse-ms = 600000
                        camera.fps = 15
                        nonsense
                        """))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("line 1: device.dir = \"relative/dir\": expected an absolute path")
                .hasMessageContaining("line 3: camera.url: expected no user or password in the URL")
                .hasMessageContaining("line 4: camera.fps = \"90\": expected a whole number from 1 to 60")
                .hasMessageContaining("line 5: unknown key \"camera.sorce\" (known camera.* keys:")
                .hasMessageContaining("GPIO line 17 is used twice")
                .hasMessageContaining("line 9: gpio.relay.active-low = \"yes\": expected true or false")
                .hasMessageContaining("line 10: relay.pulse-ms = \"600000\": expected a whole number from 100 to 15000")
                .hasMessageContaining("line 11: camera.fps is already set on line 4")
                .hasMessageContaining("line 12: expected key = value")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void requiredKeysAndKeysThatDoNotApply() {
        assertThatThrownBy(() -> DoorbellConfigFile.parse(
                        "doorbell.conf",
                        "camera.source = synthetic\n" + "camera.url = rtsp://cam/stream\ngpio.button = 3\n"))
                .hasMessageContaining("device.dir is required")
                .hasMessageContaining("line 2: camera.url does not apply to camera.source = synthetic")
                .hasMessageContaining("line 3: gpio.button needs gpio.chip (it is none)");
        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", "device.dir = /d\ncamera.source = webcam\n"))
                .hasMessageContaining("camera.source = \"webcam\": expected synthetic, v4l2 or rtsp");
        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir = /d
                        camera.source = v4l2
                        camera.device = /dev/video0
                        camera.encoder = copy
                        """))
                .hasMessageContaining("encoder copy needs a camera that gives H.264 (format h264)");
    }
}
