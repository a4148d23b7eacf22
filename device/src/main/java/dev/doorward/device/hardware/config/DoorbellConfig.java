package dev.doorward.device.hardware.config;

import dev.doorward.device.hardware.camera.CameraSettings;
import dev.doorward.device.hardware.onvif.OnvifSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A real doorbell's hardware, as {@code doorbell.conf} describes it ({@link DoorbellConfigFile} reads it;
 * docs/hardware.md documents every key).
 *
 * @param deviceDir the device directory the factory tool wrote (identity, ownership, outbox)
 * @param gpio empty when the doorbell has no GPIO (a bridge whose button comes from elsewhere)
 * @param microphone a Java Sound mixer name (or part of one); empty: no microphone
 * @param speaker a Java Sound mixer name (or part of one); empty: talk goes to a WAV file in the data directory
 * @param onvif present when the button comes from the doorbell's ONVIF events ({@code button.source = onvif})
 */
public record DoorbellConfig(
        Path deviceDir,
        CameraSettings camera,
        Optional<GpioConfig> gpio,
        Optional<String> microphone,
        Optional<String> speaker,
        Optional<OnvifSettings> onvif) {

    public DoorbellConfig {
        Objects.requireNonNull(onvif, "onvif");
        Objects.requireNonNull(deviceDir, "deviceDir");
        Objects.requireNonNull(camera, "camera");
        Objects.requireNonNull(gpio, "gpio");
        Objects.requireNonNull(microphone, "microphone");
        Objects.requireNonNull(speaker, "speaker");
    }

    /** One GPIO line and whether it is active when low (a button to ground with a pull-up). */
    public record Line(int offset, boolean activeLow) {}

    /**
     * The lines of one GPIO chip. The relay's pulse is bounded by {@link #MAX_RELAY_PULSE} whatever the file says.
     *
     * @param chip the character device, e.g. /dev/gpiochip0 (Raspberry Pi 5: /dev/gpiochip4 on older kernels)
     */
    public record GpioConfig(
            Path chip,
            Optional<Line> button,
            Optional<Line> relay,
            Optional<Line> tamper,
            Optional<Line> chime,
            Duration debounce,
            Duration relayPulse) {
        /** The longest a relay is ever held energized by one command. */
        public static final Duration MAX_RELAY_PULSE = Duration.ofSeconds(15);

        public GpioConfig {
            Objects.requireNonNull(chip, "chip");
            if (relayPulse.isNegative() || relayPulse.isZero() || relayPulse.compareTo(MAX_RELAY_PULSE) > 0) {
                throw new IllegalArgumentException("relay pulse must be above 0 and at most " + MAX_RELAY_PULSE);
            }
        }
    }
}
