package dev.doorward.device.hardware.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.device.hardware.camera.CameraSettings;
import dev.doorward.device.hardware.camera.CameraSource;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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
    void aBridgeWhoseButtonComesFromOnvifEvents() {
        DoorbellConfig config = DoorbellConfigFile.parse("doorbell.conf", """
                device.dir=/var/lib/doorward/device
                camera.source=rtsp
                camera.url=rtsp://192.168.1.20:554/h264Preview_01_main
                camera.credentials=/etc/doorward/camera.credentials
                gpio.chip=/dev/gpiochip0
                gpio.relay=27
                button.source=onvif
                onvif.url=http://192.168.1.20/onvif/device_service
                """);
        var onvif = config.onvif().orElseThrow();
        assertThat(onvif.url()).isEqualTo(URI.create("http://192.168.1.20/onvif/device_service"));
        assertThat(onvif.credentials())
                .as("the camera's credentials by default: usually the doorbell's one admin account")
                .contains(Path.of("/etc/doorward/camera.credentials"));
        assertThat(onvif.button().pressed("tns1:RuleEngine/MyRuleDetector/Visitor", Map.of("State", "true")))
                .contains(true);
        assertThat(onvif.button().pressed("tns1:Device/Trigger/DigitalInput", Map.of("LogicalState", "false")))
                .contains(false);
        assertThat(onvif.button().pressed("tns1:RuleEngine/CellMotionDetector/Motion", Map.of("IsMotion", "true")))
                .isEmpty();
        assertThat(config.gpio().orElseThrow().button()).isEmpty();

        DoorbellConfig custom = DoorbellConfigFile.parse("doorbell.conf", """
                device.dir=/var/lib/doorward/device
                camera.source=synthetic
                button.source=onvif
                onvif.url=https://doorbell.lan:8443/onvif/event_service
                onvif.credentials=/etc/doorward/onvif.credentials
                onvif.topic=tns1:VideoSource/GlobalSceneChange/Call
                onvif.item=Event
                onvif.value=Ring
                """);
        var button = custom.onvif().orElseThrow().button();
        assertThat(custom.onvif().orElseThrow().credentials()).contains(Path.of("/etc/doorward/onvif.credentials"));
        assertThat(button.pressed("tt:VideoSource/GlobalSceneChange/Call", Map.of("Event", "ring")))
                .contains(true);
        assertThat(button.pressed("tns1:VideoSource/GlobalSceneChange/Call", Map.of("Event", "Idle")))
                .contains(false);
        assertThat(button.pressed("tns1:RuleEngine/MyRuleDetector/Visitor", Map.of("State", "true")))
                .as("a configured topic replaces the known ones")
                .isEmpty();
        assertThat(DoorbellConfigFile.parse("doorbell.conf", "device.dir=/d\ncamera.source=synthetic\n")
                        .onvif())
                .isEqualTo(Optional.empty());
    }

    @Test
    void onvifMistakesAreNamed() {
        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir=/d
                        camera.source=synthetic
                        button.source=onvif
                        onvif.topic=tns1:RuleEngine/MyRuleDetector/Visitor
                        onvif.usr=admin
                        """))
                .hasMessageContaining("doorbell.conf: onvif.url is required")
                .hasMessageContaining("line 5: unknown key \"onvif.usr\" (known onvif.* keys: [onvif.credentials,"
                        + " onvif.item, onvif.topic, onvif.url, onvif.value])");

        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir=/d
                        camera.source=synthetic
                        gpio.chip=/dev/gpiochip0
                        gpio.button=17
                        button.source=onvif
                        onvif.url=http://admin:hunter22@192.168.1.20/onvif/device_service
                        onvif.credentials=relative/path
                        onvif.value=1
                        """))
                .hasMessageContaining("line 4: gpio.button does not apply to button.source = onvif")
                .hasMessageContaining("line 6: onvif.url: expected a URL without user or password")
                .hasMessageContaining("line 7: onvif.credentials = \"relative/path\": expected an absolute path")
                .hasMessageContaining("line 8: onvif.value needs onvif.topic")
                .message()
                .doesNotContain("hunter22");

        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir=/d
                        camera.source=synthetic
                        onvif.url=http://192.168.1.20/onvif/device_service
                        """))
                .hasMessageContaining("line 3: onvif.url needs button.source = onvif");

        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir=/d
                        camera.source=synthetic
                        button.source=wifi
                        """))
                .hasMessageContaining("line 3: button.source = \"wifi\": expected gpio or onvif");

        assertThatThrownBy(() -> DoorbellConfigFile.parse("doorbell.conf", """
                        device.dir=/d
                        camera.source=synthetic
                        button.source=onvif
                        onvif.url=rtsp://192.168.1.20/onvif
                        onvif.topic=tns1:Rule<Engine>
                        """))
                .hasMessageContaining("line 4: onvif.url: expected an http:// or https:// URL")
                .hasMessageContaining("line 5: onvif.topic = \"tns1:Rule<Engine>\": expected a topic path");
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
