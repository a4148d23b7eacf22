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
}
