package dev.doorward.device.hardware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.doorward.device.hardware.gpio.GpioChip;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DoorbellMainTest {

    /**
     * No GPIO chip here (nor, on CI, libgpiod): the FFM chip loads (it is compiled at Java 22) and says clearly
     * what is missing instead of crashing the JVM.
     */
    @Test
    void theLibgpiodChipLoadsAndSaysWhatIsMissing() {
        assertThatThrownBy(() -> {
                    try (GpioChip chip = DoorbellMain.openChip(Path.of("/dev/gpiochip99"))) {
                        assertThat(chip).isNull();
                    }
                })
                .isInstanceOf(IllegalStateException.class)
                .message()
                .satisfiesAnyOf(
                        m -> assertThat(m).contains("libgpiod 1.x is not installed"),
                        m -> assertThat(m).contains("cannot open /dev/gpiochip99"));
    }

    @Test
    void ownersGetAShortReasonWithoutAddressesOrPaths() {
        assertThat(DoorbellMain.CameraReports.summary(
                        "ffmpeg stopped (exit code 1): [rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized |"
                                + " [concat @ 0x5] Impossible to open 'rtsp://***@192.168.1.20:554/stream'"))
                .isEqualTo("the camera refused the user name or password");
        assertThat(DoorbellMain.CameraReports.summary(
                        "ffmpeg stopped (exit code 1): [tcp @ 0x5] Connection to tcp://192.168.1.20:554 failed:"
                                + " Connection refused"))
                .isEqualTo("the camera cannot be reached");
        assertThat(DoorbellMain.CameraReports.summary("no video for 10 s (exit code 137)"))
                .isEqualTo("the camera stopped sending video");
        assertThat(DoorbellMain.CameraReports.summary("unreadable video from ffmpeg (bad NAL length 0)"))
                .isEqualTo("the camera stopped (see the doorbell's log)")
                .doesNotContain("192.168");
    }
}
